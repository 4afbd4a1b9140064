/**
 * Seeded normal samples by the Box–Muller transform on an `Rng` (pure, no tfjs). Used by the
 * Gamma sampler (Marsaglia–Tsang) and by the Gaussian-noise attack.
 */
import type { Rng } from '../../engine/random.js';

/** One standard normal sample N(0, 1). Uses two uniforms; the second Box–Muller value is discarded. */
export function standardNormal(rng: Rng): number {
  // 1 - next() is in (0, 1], so the log is finite.
  const u1 = 1 - rng.next();
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Options of `fillNormal`. */
export interface FillNormalOptions {
  /** Mean of every sample. Default 0. */
  mean?: number;
  /** Standard deviation of every sample, ≥ 0. Default 1. */
  sigma?: number;
}

/**
 * Fills `out` with independent N(mean, sigma²) samples in place and returns it. Uses both values
 * of each Box–Muller pair, so it draws `out.length` uniforms (rounded up to even).
 */
export function fillNormal<T extends Float32Array | Float64Array>(out: T, rng: Rng, opts: FillNormalOptions = {}): T {
  const mean = opts.mean ?? 0;
  const sigma = opts.sigma ?? 1;
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng.next()));
    const theta = 2 * Math.PI * rng.next();
    out[i] = mean + sigma * r * Math.cos(theta);
    if (i + 1 < out.length) out[i + 1] = mean + sigma * r * Math.sin(theta);
  }
  return out;
}
