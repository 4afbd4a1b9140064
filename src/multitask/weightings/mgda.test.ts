import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mgda as METHOD } from './mgda.js';
import { all, at, close, J, ones, makeGradientMethod } from './testing.js';

// The degenerate cases every gradient method shares are in contract.test.ts.
const make = (options: unknown = {}, tasks = ['a', 'b', 'c'], seed = 7) => makeGradientMethod(METHOD, options, tasks, seed);

describe('mgda: the min-norm direction', () => {
  test('two orthogonal unit gradients → their midpoint', () => {
    const r = make({}, ['a', 'b']).aggregate(J([1, 0], [0, 1]), { losses: [1, 1], labelled: all(2), at });
    close(r.direction, [0.5, 0.5], 1e-7);
    close(r.weights ?? [], [0.5, 0.5], 1e-12);
  });
  test("'l2' normalizes first (LibMTL): rows (2,0), (0,1) → weights (0.25, 0.5), direction (0.5, 0.5)", () => {
    const r = make({ normalization: 'l2' }, ['a', 'b']).aggregate(J([2, 0], [0, 1]), { losses: [1, 1], labelled: all(2), at });
    close(r.weights ?? [], [0.25, 0.5], 1e-12);
    close(r.direction, [0.5, 0.5], 1e-7);
  });
  test("'none' on the same rows: weights (0.2, 0.8) by Algorithm 1", () => {
    const r = make({}, ['a', 'b']).aggregate(J([2, 0], [0, 1]), { losses: [1, 1], labelled: all(2), at });
    close(r.weights ?? [], [0.2, 0.8], 1e-12);
  });
  test("'loss' divides by the losses; 'loss+' by loss × norm", () => {
    const loss = make({ normalization: 'loss' }, ['a', 'b']).aggregate(J([2, 0], [0, 1]), { losses: [2, 1], labelled: all(2), at });
    close(loss.weights ?? [], [0.25, 0.5], 1e-12);
    const plus = make({ normalization: 'loss+' }, ['a', 'b']).aggregate(J([2, 0], [0, 1]), { losses: [2, 1], labelled: all(2), at });
    // Normalized rows (0.5, 0), (0, 1): w = (0.8, 0.2), effective (0.8/4, 0.2/1).
    close(plus.weights ?? [], [0.2, 0.2], 1e-12);
  });
  test("'loss' refuses a negative loss with a hint", () => {
    assert.throws(
      () => make({ normalization: 'loss' }, ['a', 'b']).aggregate(J([1, 0], [0, 1]), { losses: [-1, 1], labelled: all(2), at }),
      (e: Error & { hint?: string }) => /task 'a'/.test(e.message) && /'l2'/.test(e.hint ?? ''),
    );
  });
  test('the direction d satisfies d·g_i ≥ ‖d‖² for every task (4 tasks)', () => {
    const rows = [[1, 2, 0, 1], [-1, 1, 1, 0], [0.5, -1, 2, 1], [2, 0, -1, 1]];
    const r = make({}, ['a', 'b', 'c', 'd']).aggregate(J(...rows), { losses: ones(4), labelled: all(4), at });
    const d = Array.from(r.direction);
    const d2 = d.reduce((s, v) => s + v * v, 0);
    assert.ok(d2 > 0);
    for (const g of rows) assert.ok(g.reduce((s, v, k) => s + v * d[k], 0) >= d2 - 1e-4);
    close(make().weights(), [1 / 3, 1 / 3, 1 / 3], 1e-15);
  });
});
