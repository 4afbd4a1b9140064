/**
 * Krum and Multi-Krum (Blanchard, El Mhamdi, Guerraoui and Stainer, NeurIPS 2017). With n
 * vectors of which at most f are Byzantine, the score of vector i is the sum of its squared
 * distances to its n − f − 2 nearest other vectors; Krum selects the vector of lowest score and
 * Multi-Krum the m of lowest scores (whose mean is the aggregate). Needs n > 2f + 2.
 */
import { ConfigError, RoundRefusedError } from '../../errors.js';
import { aggregationKernels } from './kernels.js';
import { assertSameLength } from './vectors.js';

/** Options of `krumScores` and `krumSelect`. */
export interface KrumOptions {
  /** f: the number of Byzantine vectors tolerated, ≥ 0. */
  byzantine: number;
}

/** Options of `krumSelect`. */
export interface KrumSelectOptions extends KrumOptions {
  /** m: how many vectors to select (1 is Krum, more is Multi-Krum), in [1, n]. Default 1. */
  keep?: number;
}

/** The outcome of a Krum selection. */
export interface KrumSelection {
  /** Indices of the selected vectors, lowest score first (ties: lower index first). */
  selected: number[];
  /** The Krum score of every vector (float64), in input order. */
  scores: Float64Array;
}

/** Fewest vectors Krum accepts with f Byzantine ones: 2f + 3 (n > 2f + 2). */
export function krumMinVectors(byzantine: number): number {
  return 2 * byzantine + 3;
}

function checkByzantine(byzantine: number): void {
  if (!Number.isInteger(byzantine) || byzantine < 0) {
    throw new ConfigError('byzantine', `must be an integer ≥ 0, got ${byzantine}`);
  }
}

/**
 * All pairwise squared distances (float64, symmetric, zero diagonal), one row per vector (the
 * rows are views of one n·n array). Each update is read once, a block of coordinates at a time.
 */
export function pairwiseSquaredDistances(vectors: readonly Float32Array[]): Float64Array[] {
  const n = vectors.length;
  assertSameLength(vectors);
  const all = new Float64Array(n * n);
  aggregationKernels().pairwiseSquaredDistances(vectors, all);
  return vectors.map((_, i) => all.subarray(i * n, (i + 1) * n));
}

/**
 * Krum scores over a subset of indices given their pairwise squared distances: for each member,
 * the sum of its `neighbours` smallest distances to the other members.
 */
export function scoresFromDistances(dist: readonly Float64Array[], members: readonly number[], neighbours: number): Float64Array {
  const scores = new Float64Array(members.length);
  const row = new Float64Array(Math.max(0, members.length - 1));
  members.forEach((i, a) => {
    let k = 0;
    for (const j of members) if (j !== i) row[k++] = dist[i][j];
    row.sort();
    let s = 0;
    for (let t = 0; t < Math.min(neighbours, row.length); t++) s += row[t];
    scores[a] = s;
  });
  return scores;
}

/** Positions 0..n−1 ordered by ascending score, ties by position (a stable, deterministic order). */
export function orderByScore(scores: Float64Array): number[] {
  return Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b] || a - b);
}

/** The Krum score of every vector: the sum of squared distances to its n − f − 2 nearest others. */
export function krumScores(vectors: readonly Float32Array[], opts: KrumOptions): Float64Array {
  checkByzantine(opts.byzantine);
  const n = vectors.length;
  const min = krumMinVectors(opts.byzantine);
  if (n < min) {
    throw new RoundRefusedError(`Krum with f=${opts.byzantine} needs more than 2f+2 = ${min - 1} vectors, got ${n}`);
  }
  assertSameLength(vectors);
  const dist = pairwiseSquaredDistances(vectors);
  return scoresFromDistances(dist, Array.from(vectors.keys()), n - opts.byzantine - 2);
}

/** Selects the `keep` vectors of lowest Krum score (scores computed once, as Multi-Krum). */
export function krumSelect(vectors: readonly Float32Array[], opts: KrumSelectOptions): KrumSelection {
  const keep = opts.keep ?? 1;
  if (!Number.isInteger(keep) || keep < 1 || keep > vectors.length) {
    throw new ConfigError('keep', `must be an integer in [1, ${vectors.length}] (the number of vectors), got ${keep}`);
  }
  const scores = krumScores(vectors, opts);
  return { selected: orderByScore(scores).slice(0, keep), scores };
}
