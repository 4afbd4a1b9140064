/**
 * Coordinate-wise trimmed mean (Yin et al. 2018; Flower's FedTrimmedAvg): per coordinate, drop
 * the ⌊β·n⌋ smallest and the ⌊β·n⌋ largest values and average the rest (as scipy's `trim_mean`).
 */
import { ConfigError, RoundRefusedError } from '../../errors.js';
import { aggregationKernels } from './kernels.js';
import { assertSameLength } from './vectors.js';

/** Options of `trimmedMean`. */
export interface TrimmedMeanOptions {
  /** Fraction of the values cut from each end of every coordinate, in [0, 0.5). */
  beta: number;
}

/** How many values `trimmedMean` cuts from each end with n vectors: ⌊β·n⌋. */
export function trimCount(n: number, beta: number): number {
  return Math.floor(beta * n);
}

/** The per-coordinate β-trimmed mean of the vectors (a new array; inputs are not modified). */
export function trimmedMean(vectors: readonly Float32Array[], opts: TrimmedMeanOptions): Float32Array {
  const { beta } = opts;
  if (!(beta >= 0 && beta < 0.5)) throw new ConfigError('beta', `must be in [0, 0.5), got ${beta}`);
  const n = vectors.length;
  if (n === 0) throw new RoundRefusedError('trimmedMean needs at least one vector, got 0');
  assertSameLength(vectors);
  const cut = trimCount(n, beta); // n − 2·cut ≥ 1 because beta < 0.5
  const out = new Float32Array(vectors[0].length);
  aggregationKernels().trimmedMean(vectors, cut, out);
  return out;
}
