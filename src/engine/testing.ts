/** Helpers shared by jointly's tests: seeded inputs and tolerance comparisons. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
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

/**
 * A maker of fresh temporary directories, all removed after the file's tests. Call it once at
 * the top of a test file: `const tempDir = tempDirFactory('jointly-csv-')`.
 */
export function tempDirFactory(prefix: string): () => string {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/** An assert.throws validator: the error has this class and its message matches every pattern. */
export function errorLike(cls: new (...args: never[]) => Error, ...patterns: RegExp[]): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  };
}
