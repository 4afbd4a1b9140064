import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import { graddrop as METHOD, graddropDirection } from './graddrop.js';
import { all, at, close, J, makeGradientMethod } from './testing.js';

// The degenerate cases every gradient method shares are in contract.test.ts.
const make = (options: unknown = {}, tasks = ['a', 'b', 'c'], seed = 7) => makeGradientMethod(METHOD, options, tasks, seed);

describe('graddrop: sign dropout', () => {
  test('columns of one sign are kept whole; leak 1 is the plain sum', () => {
    const rows = [Float32Array.of(1, -2, 0), Float32Array.of(3, -1, 0)];
    close(graddropDirection(rows, 3, 0, createRng(1)), [4, -3, 0], 0);
    const mixed = [Float32Array.of(1, 2), Float32Array.of(-3, -2)];
    close(graddropDirection(mixed, 2, 1, createRng(1)), [-2, 0], 1e-7);
  });
  test('a mixed column keeps the positive part with probability P = ½(1 + Σg/Σ|g|)', () => {
    // Column values 3 and −1: P = ½(1 + 2/4) = 0.75; kept value 3 (positive) or −1 (negative).
    const n = 4000;
    const rows = [new Float32Array(n).fill(3), new Float32Array(n).fill(-1)];
    const d = graddropDirection(rows, n, 0, createRng(5));
    let positive = 0;
    for (const v of d) {
      assert.ok(v === 3 || v === -1);
      if (v === 3) positive++;
    }
    assert.ok(Math.abs(positive / n - 0.75) < 0.03, `${positive / n}`);
  });
  test('leak scales the dropped part', () => {
    const rows = [new Float32Array(200).fill(3), new Float32Array(200).fill(-1)];
    const d = graddropDirection(rows, 200, 0.5, createRng(2));
    for (const v of d) assert.ok(Math.abs(v - 2.5) < 1e-6 || Math.abs(v - 0.5) < 1e-6);
  });
  test('seeded: the same seed repeats, another seed differs', () => {
    const jac = J(Array.from({ length: 64 }, (_, i) => (i % 3) - 1), Array.from({ length: 64 }, (_, i) => ((i * 7) % 5) - 2));
    const info = { losses: [1, 1], labelled: all(2), at };
    const a = make({}, ['a', 'b'], 1).aggregate(jac, info).direction;
    const b = make({}, ['a', 'b'], 1).aggregate(jac, info).direction;
    const c = make({}, ['a', 'b'], 2).aggregate(jac, info).direction;
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});
