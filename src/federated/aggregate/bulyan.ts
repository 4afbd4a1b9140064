/**
 * Bulyan (El Mhamdi, Guerraoui and Rouault, ICML 2018, "The hidden vulnerability of distributed
 * learning in Byzantium"). With n ≥ 4f + 3 vectors:
 * 1. select θ = n − 2f vectors by repeated Krum: run Krum on the vectors not yet selected, move
 *    the winner to the selection, repeat (scores are recomputed on the shrinking set, with
 *    max(1, r − f − 2) neighbours for r remaining vectors);
 * 2. per coordinate, average the β = θ − 2f selected values closest to the selection's median.
 */
import { ConfigError, RoundRefusedError } from '../../errors.js';
import { orderByScore, pairwiseSquaredDistances, scoresFromDistances } from './krum.js';
import { assertSameLength } from './vectors.js';

/** Options of `bulyan`. */
export interface BulyanOptions {
  /** f: the number of Byzantine vectors tolerated, ≥ 0. */
  byzantine: number;
}

/** The outcome of Bulyan. */
export interface BulyanResult {
  /** The aggregate (a new array). */
  params: Float32Array;
  /** Indices of the θ vectors chosen by repeated Krum, in order of selection. */
  selected: number[];
  /** β: values averaged per coordinate. */
  beta: number;
}

/** Fewest vectors Bulyan accepts with f Byzantine ones: 4f + 3. */
export function bulyanMinVectors(byzantine: number): number {
  return 4 * byzantine + 3;
}

/** θ = n − 2f vectors selected by repeated Krum (indices, in order of selection). */
export function repeatedKrum(vectors: readonly Float32Array[], opts: BulyanOptions & { theta: number }): number[] {
  const dist = pairwiseSquaredDistances(vectors);
  let remaining = Array.from(vectors.keys());
  const selected: number[] = [];
  while (selected.length < opts.theta) {
    // At least one neighbour, as Flower's aggregate_bulyan (flwr.server.strategy.aggregate), whose
    // repeated aggregate_krum takes num_closest = max(1, n − f − 2): with r − f − 2 ≤ 0 (the last
    // picks with f ≥ 1) every score would be 0 and the lowest index would win, whoever it is.
    const neighbours = Math.max(1, remaining.length - opts.byzantine - 2);
    const scores = scoresFromDistances(dist, remaining, neighbours);
    const best = remaining[orderByScore(scores)[0]];
    selected.push(best);
    remaining = remaining.filter((i) => i !== best);
  }
  return selected;
}

/** Bulyan's aggregate of the vectors (inputs are not modified). */
export function bulyan(vectors: readonly Float32Array[], opts: BulyanOptions): BulyanResult {
  const f = opts.byzantine;
  if (!Number.isInteger(f) || f < 0) throw new ConfigError('byzantine', `must be an integer ≥ 0, got ${f}`);
  const n = vectors.length;
  const min = bulyanMinVectors(f);
  if (n < min) throw new RoundRefusedError(`Bulyan with f=${f} needs at least 4f+3 = ${min} vectors, got ${n}`);
  assertSameLength(vectors);
  const theta = n - 2 * f;
  const beta = theta - 2 * f;
  const selected = repeatedKrum(vectors, { byzantine: f, theta });

  const d = vectors[0].length;
  const out = new Float32Array(d);
  const column = new Float64Array(theta);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < theta; k++) column[k] = vectors[selected[k]][i];
    column.sort();
    out[i] = meanClosestToMedian(column, beta);
  }
  return { params: out, selected, beta };
}

/**
 * The mean of the `beta` values of an ascending `sorted` column closest to its median (numpy's
 * median: the mean of the two middle values for an even count). Those values form a contiguous
 * window, grown outward from the middle by taking the nearer end each time (the lower on ties).
 */
export function meanClosestToMedian(sorted: Float64Array, beta: number): number {
  const n = sorted.length;
  const mid = n >> 1;
  const median = n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  let lo = mid; // the window is [lo, hi), starting empty at the middle
  let hi = mid;
  while (hi - lo < beta) {
    const takeLow = hi >= n || (lo > 0 && median - sorted[lo - 1] <= sorted[hi] - median);
    if (takeLow) lo--;
    else hi++;
  }
  let s = 0;
  for (let k = lo; k < hi; k++) s += sorted[k];
  return s / beta;
}
