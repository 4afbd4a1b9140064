/**
 * The Jacobian of the shared parameters: one row per task, each the flattened gradient of that
 * task's loss with respect to every shared parameter (or, for representation-gradient variants,
 * with respect to the shared representation of the batch). Gradient methods turn it into task
 * weights or directly into one update direction (as TorchJD splits its aggregators). Pure data.
 */

export interface Jacobian {
  /** One row per task, in task order; every row has `n` values. */
  readonly rows: readonly Float32Array[];
  /** Number of shared values (columns). */
  readonly n: number;
}

/** Checks that a Jacobian is well formed: at least one row, every row of length n, every value finite. */
export function checkJacobian(j: Jacobian): void {
  if (j.rows.length === 0) throw new RangeError('a Jacobian needs at least one row (task)');
  j.rows.forEach((row, i) => {
    if (row.length !== j.n) throw new RangeError(`Jacobian row ${i} has ${row.length} values, expected ${j.n}`);
    for (let k = 0; k < row.length; k++) {
      if (!Number.isFinite(row[k])) throw new RangeError(`Jacobian row ${i} has a non-finite value (${row[k]}) at ${k}`);
    }
  });
}

/** A Jacobian from rows (their length is the column count). */
export function jacobianOf(rows: readonly Float32Array[]): Jacobian {
  const j = { rows, n: rows[0]?.length ?? 0 };
  checkJacobian(j);
  return j;
}
