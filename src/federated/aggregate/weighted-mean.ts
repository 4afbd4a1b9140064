/** Weighted and uniform means of vectors (FedAvg's aggregation), accumulated in float64. */
import { ConfigError, RoundRefusedError } from '../../errors.js';
import { aggregationKernels } from './kernels.js';
import { assertSameLength } from './vectors.js';

/**
 * Checks one finite weight ≥ 0 per vector (of one length) with a positive sum, and returns the sum.
 * Throws RoundRefusedError for no vectors, ConfigError naming the bad weight otherwise.
 */
function checkWeights(what: string, vectors: readonly Float32Array[], weights: readonly number[]): number {
  if (vectors.length === 0) throw new RoundRefusedError(`${what} needs at least one vector, got 0`);
  if (weights.length !== vectors.length) {
    throw new ConfigError('weights', `${weights.length} weights for ${vectors.length} vectors; give one weight per vector`);
  }
  assertSameLength(vectors);
  let total = 0;
  weights.forEach((w, i) => {
    if (!Number.isFinite(w) || w < 0) throw new ConfigError(`weights.${i}`, `must be a finite number ≥ 0, got ${w}`);
    total += w;
  });
  if (!(total > 0)) throw new ConfigError('weights', 'sum to 0; at least one vector needs a positive weight');
  return total;
}

/**
 * Σ wᵢ·vᵢ / Σ wᵢ, per coordinate. Weights are example counts in FedAvg: finite and ≥ 0 with a
 * positive sum. The sum runs in float64 and is rounded to float32 once at the end, so the
 * result does not drift with many clients. Inputs are not modified. Computed by the installed
 * aggregation kernels (kernels.ts: blocked TypeScript, or the native addon's in Node).
 */
export function weightedMean(vectors: readonly Float32Array[], weights: readonly number[]): Float32Array {
  const total = checkWeights('weightedMean', vectors, weights);
  const out = new Float32Array(vectors[0].length);
  aggregationKernels().weightedMean(vectors, Float64Array.from(weights), total, out);
  return out;
}

/** Σ wᵢ·(vᵢ − x) and Σ wᵢ: a weighted sum of updates, unrounded (see `weightedUpdateSum`). */
export interface WeightedUpdateSum {
  /** Σ wᵢ·(vᵢ − x), per coordinate, in float64. */
  sum: Float64Array;
  /** Σ wᵢ. */
  total: number;
}

/**
 * The weighted sum of the updates vᵢ − x, kept in float64 and not divided, so that a server step
 * x + η·sum/total rounds to float32 once (SCAFFOLD's x + η_g·Σ(yᵢ − x)/|S|). Weights as in
 * `weightedMean`. Inputs are not modified.
 */
export function weightedUpdateSum(global: Float32Array, vectors: readonly Float32Array[], weights: readonly number[]): WeightedUpdateSum {
  assertSameLength([global, ...vectors]);
  const total = checkWeights('weightedUpdateSum', vectors, weights);
  const sum = new Float64Array(global.length);
  aggregationKernels().weightedUpdateSum(global, vectors, Float64Array.from(weights), sum);
  return { sum, total };
}

/** The uniform mean (1/n)·Σ vᵢ, per coordinate, accumulated in float64. */
export function mean(vectors: readonly Float32Array[]): Float32Array {
  return weightedMean(vectors, vectors.map(() => 1));
}
