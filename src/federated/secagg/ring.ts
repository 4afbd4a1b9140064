/**
 * Fixed-point arithmetic in the ring Z_{2^32} for secure aggregation (pure functions over typed
 * arrays). A float is clipped to [-clipRange, clipRange], multiplied by scale = 2^fractionBits
 * and rounded stochastically (unbiased: E[round(v)] = v), then stored mod 2^32 in a Uint32Array.
 * Sums of n such vectors are taken mod 2^32 and decoded as signed 32-bit integers, which is exact
 * as long as n · ⌈clipRange · scale⌉ < 2^31 (checked by {@link checkRingCapacity}).
 */
import { ConfigError, DataMalformedError, ShapeMismatchError } from '../../errors.js';
import type { UniformSource } from './random.js';

/** Fixed-point parameters shared by every client of a round and the server. */
export interface Quantization {
  /** Every value is clipped to [-clipRange, clipRange] before scaling; > 0. */
  clipRange: number;
  /** Bits of fraction: scale = 2^fractionBits; an integer in [0, 30]. */
  fractionBits: number;
}

/**
 * Default clip range: 8, as Flower's SecAgg+ (`clipping_range = 8.0`). Model updates (deltas of
 * weights after local training) are far inside this range; larger values are clipped.
 */
export const DEFAULT_CLIP_RANGE = 8;

/**
 * Default fraction bits: 16 (scale 65,536; resolution 1.5e-5). With clip range 8 a sum fits in
 * the signed 32-bit range for up to 4,095 clients (n · 8 · 2^16 < 2^31), so 1,000 clients fit with
 * a 4× margin. The worst-case error of the decoded sum is n / 2^16 per coordinate (0.015 for 1,000
 * clients, i.e. 1.5e-5 on the mean), and its standard deviation is about √n / 2^17.
 */
export const DEFAULT_FRACTION_BITS = 16;

/** The scale factor 2^fractionBits. */
export function quantizationScale(q: Quantization): number {
  return 2 ** q.fractionBits;
}

/** Throws a ConfigError unless `q` is a valid quantization (clip range > 0, bits an integer 0..30). */
export function validateQuantization(q: Quantization): void {
  if (!(typeof q.clipRange === 'number' && Number.isFinite(q.clipRange) && q.clipRange > 0)) {
    throw new ConfigError('secagg.clipRange', `must be a finite number > 0, got ${String(q.clipRange)}`);
  }
  if (!(Number.isInteger(q.fractionBits) && q.fractionBits >= 0 && q.fractionBits <= 30)) {
    throw new ConfigError('secagg.fractionBits', `must be an integer in [0, 30], got ${String(q.fractionBits)}`);
  }
}

/** The largest magnitude one quantized coordinate can take: ⌈clipRange · scale⌉. */
export function maxQuantized(q: Quantization): number {
  return Math.ceil(q.clipRange * quantizationScale(q));
}

/**
 * Throws a ConfigError unless a sum of `n` quantized vectors fits the signed 32-bit range, i.e.
 * n · ⌈clipRange · 2^fractionBits⌉ < 2^31; otherwise the decoded sum would wrap around.
 */
export function checkRingCapacity(n: number, q: Quantization): void {
  validateQuantization(q);
  const worst = n * maxQuantized(q);
  if (!(worst < 2 ** 31)) {
    throw new ConfigError(
      'secagg.fractionBits',
      `a sum of ${n} clients can reach ${n} · ⌈${q.clipRange} · 2^${q.fractionBits}⌉ = ${worst}, which does not fit below 2^31 in the 32-bit ring and would wrap around`,
      `lower clipRange or fractionBits (at most ${maxFractionBits(n, q.clipRange)} bits fit ${n} clients at clip range ${q.clipRange}), or aggregate fewer clients per round`,
    );
  }
}

/** The most fraction bits for which `n` clients at this clip range fit the ring (−1 if none do). */
export function maxFractionBits(n: number, clipRange: number): number {
  for (let bits = 30; bits >= 0; bits--) {
    if (n * Math.ceil(clipRange * 2 ** bits) < 2 ** 31) return bits;
  }
  return -1;
}

/**
 * Worst-case absolute error, per coordinate, of a decoded sum of `n` clients against the float sum
 * of their clipped values: n / scale (each stochastic rounding moves a value by less than one
 * step 1/scale). There is no other error: scaling by a power of two, the ring sum and the decode
 * are exact. Clipping is not counted: compare against the clipped inputs.
 */
export function quantizationErrorBound(n: number, q: Quantization): number {
  return n / quantizationScale(q);
}

/**
 * Clips, scales and stochastically rounds `values` into Z_{2^32}. `random` gives uniforms in
 * [0, 1); v·scale is rounded up with probability equal to its fractional part, so the rounding is
 * unbiased. NaN is refused (DataMalformedError); ±Infinity is clipped like any large value.
 */
export function quantize(values: Float32Array | Float64Array, q: Quantization, random: UniformSource): Uint32Array {
  validateQuantization(q);
  const scale = quantizationScale(q);
  const clip = q.clipRange;
  const out = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (v !== v) {
      throw new DataMalformedError(`update[${i}] is NaN and cannot be quantized for secure aggregation`, 'check the local training for a diverged loss before sending the update');
    }
    if (v > clip) v = clip;
    else if (v < -clip) v = -clip;
    const s = v * scale;
    const f = Math.floor(s);
    // Storing a negative number into a Uint32Array reduces it mod 2^32.
    out[i] = random() < s - f ? f + 1 : f;
  }
  return out;
}

/** target ← target + v (mod 2^32), element-wise; returns target. */
export function addInPlace(target: Uint32Array, v: Uint32Array): Uint32Array {
  checkSameLength(target, v);
  for (let i = 0; i < target.length; i++) target[i] = target[i] + v[i];
  return target;
}

/** target ← target − v (mod 2^32), element-wise; returns target. */
export function subtractInPlace(target: Uint32Array, v: Uint32Array): Uint32Array {
  checkSameLength(target, v);
  for (let i = 0; i < target.length; i++) target[i] = target[i] - v[i];
  return target;
}

/**
 * Decodes a ring sum of `n` clients' quantized vectors: each coordinate read as a signed 32-bit
 * integer and divided by the scale. Checks {@link checkRingCapacity} first, since a sum that could
 * have wrapped around cannot be decoded.
 */
export function decodeSum(sum: Uint32Array, n: number, q: Quantization): Float64Array {
  checkRingCapacity(n, q);
  const inv = 1 / quantizationScale(q);
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = (sum[i] | 0) * inv;
  return out;
}

function checkSameLength(a: Uint32Array, b: Uint32Array): void {
  if (a.length !== b.length) throw new ShapeMismatchError(`ring vectors differ in length: ${a.length} vs ${b.length}`);
}
