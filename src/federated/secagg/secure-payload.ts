/**
 * What a client puts into a secure sum, and how the server reads the sum back: the vector
 * [w·(y − x), w, extra₁, extra₂, …] (w = 1 for the equal weights secure aggregation supports), so
 * that one masked sum delivers Σ wᵢΔᵢ, Σ wᵢ and the sums of the extras (adaptive clipping's
 * indicators) together. Pure.
 */
import { ShapeMismatchError } from '../../errors.js';
import type { Vectors } from '../strategy.js';

/** Length of a payload: d update coordinates, the weight, then each named extra's length. */
export function payloadLength(paramCount: number, extras: Readonly<Record<string, number>>): number {
  return paramCount + 1 + Object.values(extras).reduce((s, n) => s + n, 0);
}

/** A client's payload vector from its global x, its reply's y and extras (named in `extras`, in key order). */
export function securePayload(global: Float32Array, params: Float32Array, extras: Vectors, expected: Readonly<Record<string, number>>): Float64Array {
  if (params.length !== global.length) throw new ShapeMismatchError(`the update has ${params.length} values, the global model ${global.length}`, 'server and client must use the same task');
  const out = new Float64Array(payloadLength(global.length, expected));
  for (let i = 0; i < global.length; i++) out[i] = params[i] - global[i];
  out[global.length] = 1;
  let at = global.length + 1;
  for (const [name, length] of Object.entries(expected)) {
    const v = extras[name];
    if (v === undefined || v.length !== length) throw new ShapeMismatchError(`the reply's '${name}' has ${v?.length ?? 0} values, expected ${length}`, 'the client must run the strategy\'s client algorithm');
    out.set(v, at);
    at += length;
  }
  return out;
}

/** The parts of a decoded secure sum. */
export interface SecureSum {
  /** Σ wᵢ(yᵢ − x). */
  sum: Float64Array;
  /** Σ wᵢ as decoded (a count: it is rounded, the quantization error being far below ½). */
  total: number;
  /** Σ of each named extra. */
  extras: Record<string, Float64Array>;
}

/** Splits a decoded payload sum into the update sum, the total weight and the extras' sums. */
export function splitSecureSum(decoded: Float64Array, paramCount: number, expected: Readonly<Record<string, number>>): SecureSum {
  const length = payloadLength(paramCount, expected);
  if (decoded.length !== length) throw new ShapeMismatchError(`the secure sum has ${decoded.length} values, expected ${length}`, 'the secure round must be set up with the payload length');
  const extras: Record<string, Float64Array> = {};
  let at = paramCount + 1;
  for (const [name, n] of Object.entries(expected)) {
    extras[name] = decoded.slice(at, at + n);
    at += n;
  }
  return { sum: decoded.slice(0, paramCount), total: Math.round(decoded[paramCount]), extras };
}
