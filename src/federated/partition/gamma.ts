/**
 * Seeded Gamma and Dirichlet samples on an `Rng` (pure, no tfjs), for the Dirichlet label skew
 * and quantity skew partitions.
 */
import type { Rng } from '../../engine/random.js';
import { standardNormal } from './normal.js';

/**
 * The natural log of one Gamma(shape, 1) sample, by Marsaglia & Tsang (2000). For shape < 1 it
 * uses their boost, Gamma(a) = Gamma(a + 1) · U^(1/a), added in log space so that tiny shapes
 * (where the sample itself underflows to 0) still give a usable, finite value.
 */
export function sampleLogGamma(shape: number, rng: Rng): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`Gamma shape must be a positive finite number, got ${shape}`);
  if (shape < 1) {
    const u = 1 - rng.next(); // in (0, 1]
    return sampleLogGamma(shape + 1, rng) + Math.log(u) / shape;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormal(rng);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = rng.next();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return Math.log(d * v);
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return Math.log(d * v);
  }
}

/** One Gamma(shape, 1) sample: mean `shape`, variance `shape`. May underflow to 0 for shape ≪ 1. */
export function sampleGamma(shape: number, rng: Rng): number {
  return Math.exp(sampleLogGamma(shape, rng));
}

/**
 * One draw from the symmetric Dirichlet(alpha, ..., alpha) over `k` categories: `k`
 * non-negative weights summing to 1. Normalized in log space, so at least one weight is
 * positive however small `alpha` is.
 */
export function sampleDirichlet(alpha: number, k: number, rng: Rng): Float64Array {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`Dirichlet needs a positive integer number of categories, got ${k}`);
  const logs = new Float64Array(k);
  let max = -Infinity;
  for (let i = 0; i < k; i++) {
    logs[i] = sampleLogGamma(alpha, rng);
    if (logs[i] > max) max = logs[i];
  }
  let sum = 0;
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    out[i] = Math.exp(logs[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < k; i++) out[i] /= sum;
  return out;
}
