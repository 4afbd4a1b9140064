/**
 * Vector helpers shared by the aggregation rules (pure, no tfjs): length checks that name the
 * offending vector, differences, norms and distances. Sums are accumulated in float64.
 */
import { ShapeMismatchError } from '../../errors.js';

/** Options of `assertSameLength`. */
export interface SameLengthOptions {
  /** The length every vector must have. Default: the first vector's length. */
  expected?: number;
  /** A name for each vector (e.g. its client id), used in the error message. Default `vector <i>`. */
  labels?: readonly string[];
  /** What the vectors are, for the message (e.g. `parameters`). Default `vector`. */
  what?: string;
}

/**
 * Throws a ShapeMismatchError naming the first vector whose length differs from the expected
 * one (by its label when `labels` is given).
 */
export function assertSameLength(vectors: readonly Float32Array[], opts: SameLengthOptions = {}): void {
  if (vectors.length === 0) return;
  const expected = opts.expected ?? vectors[0].length;
  const what = opts.what ?? 'vector';
  vectors.forEach((v, i) => {
    if (v.length !== expected) {
      const who = opts.labels?.[i] !== undefined ? `client '${opts.labels[i]}'` : `${what} ${i}`;
      throw new ShapeMismatchError(
        `${who} has ${v.length} ${what} values, expected ${expected}`,
        'every reply must have the global model\'s parameter layout; check that the client runs the same model',
      );
    }
  });
}

/** `a − b` as a new array (float32 result of a float64 subtraction). */
export function difference(a: Float32Array, b: Float32Array): Float32Array {
  assertSameLength([a, b], { what: 'difference operand' });
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/** Euclidean norm ||a||₂, accumulated in float64. */
export function norm(a: Float32Array | Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** Squared Euclidean distance ||a − b||², accumulated in float64. */
export function squaredDistance(a: Float32Array, b: Float32Array): number {
  assertSameLength([a, b], { what: 'distance operand' });
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return s;
}

/** Euclidean distance ||a − b||₂. */
export function distance(a: Float32Array, b: Float32Array): number {
  return Math.sqrt(squaredDistance(a, b));
}
