/** Helpers shared by jointly's tests: seeded inputs and tolerance comparisons. */
import assert from 'node:assert/strict';
import { createRng } from './random.js';

/** `size` seeded uniform values in [-1, 1). */
export function randomValues(size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

/** Largest absolute value. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Asserts that every element differs by at most `tol * max(1, max|expected|)`; NaN fails. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let diff = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= diff)) diff = d; // also catches NaN
  }
  const scale = Math.max(1, maxAbs(expected));
  assert.ok(diff <= tol * scale, `${what}: max abs diff ${diff} > ${tol} * ${scale}`);
}
