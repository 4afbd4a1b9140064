/**
 * Bookkeeping shared by the gradient methods that work on a subset of the tasks: checking that a
 * Jacobian matches the method's tasks, choosing the rows that take part in a step (labelled, and
 * for methods that normalize gradients, non-zero), the Gram matrix of those rows, and putting the
 * subset's weights back in task order with zeros elsewhere. Pure, no tfjs.
 */
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import type { WeightingSetup } from '../weighting.js';
import { checkJacobian, type Jacobian } from './jacobian.js';
import { combineRows, gram } from './linalg.js';

/** Refuses a setup without tasks (every gradient method needs at least one). */
export function checkGradientSetup(method: string, setup: WeightingSetup): void {
  if (setup.tasks.length === 0) {
    throw new ConfigError('weighting', `${method} was created with no tasks`, 'give the multi-task run at least one task');
  }
}

/**
 * Refuses a Jacobian, losses or labelled flags that do not match the tasks: one row, one loss and
 * one flag per task, every row of the same length, every value finite.
 */
export function checkAggregateInput(
  method: string,
  tasks: readonly string[],
  jacobian: Jacobian,
  info: { losses: readonly number[]; labelled: readonly boolean[] },
): void {
  const k = tasks.length;
  const fix = 'pass one Jacobian row, one loss and one labelled flag per task, in the order of the tasks the method was created with';
  if (jacobian.rows.length !== k || info.labelled.length !== k || info.losses.length !== k) {
    throw new ShapeMismatchError(
      `${method} got ${jacobian.rows.length} Jacobian rows, ${info.losses.length} losses and ${info.labelled.length} labelled flags for ${k} tasks (${tasks.join(', ')})`,
      fix,
    );
  }
  jacobian.rows.forEach((row, i) => {
    if (row.length !== jacobian.n) {
      throw new ShapeMismatchError(`${method}: the gradient of task '${tasks[i]}' has ${row.length} values, expected ${jacobian.n}`, fix);
    }
    for (let c = 0; c < row.length; c++) {
      if (!Number.isFinite(row[c])) {
        throw new ShapeMismatchError(
          `${method}: the gradient of task '${tasks[i]}' has a non-finite value at ${c}`,
          'look for a NaN or infinite loss in that task (a division by a zero label count, a log of 0)',
        );
      }
    }
  });
}

/**
 * Checks a Jacobian (checkJacobian: rows of one length, finite values) and that there is one
 * labelled flag per row; ShapeMismatchError names `method` and both counts.
 */
export function checkLabelledFlags(method: string, jacobian: Jacobian, labelled: readonly boolean[]): void {
  checkJacobian(jacobian);
  if (labelled.length !== jacobian.rows.length) {
    throw new ShapeMismatchError(
      `${method} got ${jacobian.rows.length} Jacobian rows but ${labelled.length} labelled flags`,
      'pass one labelled flag per task row',
    );
  }
}

/**
 * The weights and direction of a method that weighs the labelled rows from their Gram matrix:
 * unlabelled tasks get weight 0, a lone labelled task weight 1 (its own gradient), and with two or
 * more `solve(g, k, active)` gives the weights of the k labelled rows `active` from their k×k Gram
 * matrix `g` (row-major); the direction is Σ w_i g_i. With no labelled task, all weights are 0.
 */
export function weighLabelledRows(
  jacobian: Jacobian,
  labelled: readonly boolean[],
  solve: (g: Float64Array, k: number, active: readonly number[]) => ArrayLike<number>,
): { direction: Float32Array; weights: number[] } {
  const m = jacobian.rows.length;
  const active = activeTasks(labelled);
  let weights = new Array<number>(m).fill(0);
  if (active.length === 1) weights[active[0]] = 1;
  if (active.length >= 2) weights = expandWeights(solve(gram(subJacobian(jacobian, active)), active.length, active), active, m);
  return { direction: combineRows(jacobian, weights), weights };
}

/** Indices of the tasks that take part: labelled ones, and with `nonZero` only those whose Gram diagonal is above 0. */
export function activeTasks(labelled: readonly boolean[], gramDiagonal?: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < labelled.length; i++) {
    if (!labelled[i]) continue;
    if (gramDiagonal !== undefined && !(gramDiagonal[i] > 0)) continue;
    out.push(i);
  }
  return out;
}

/** The diagonal of a row-major m×m matrix. */
export function diagonal(g: ArrayLike<number>, m: number): Float64Array {
  return Float64Array.from({ length: m }, (_, i) => g[i * m + i]);
}

/** The k×k sub-matrix of a row-major m×m matrix on the indices `idx`. */
export function subMatrix(g: ArrayLike<number>, m: number, idx: readonly number[]): Float64Array {
  const k = idx.length;
  const out = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) out[a * k + b] = g[idx[a] * m + idx[b]];
  return out;
}

/** Weights of a subset of the tasks put back in task order (length m), 0 for the tasks outside it. */
export function expandWeights(sub: ArrayLike<number>, idx: readonly number[], m: number): number[] {
  if (sub.length !== idx.length) throw new RangeError(`${sub.length} weights for ${idx.length} tasks`);
  const out = new Array<number>(m).fill(0);
  idx.forEach((t, k) => {
    out[t] = sub[k];
  });
  return out;
}

/** The Jacobian of a subset of the tasks (the same row arrays, no copy). */
export function subJacobian(j: Jacobian, idx: readonly number[]): Jacobian {
  return { rows: idx.map((i) => j.rows[i]), n: j.n };
}
