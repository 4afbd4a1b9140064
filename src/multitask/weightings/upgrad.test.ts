import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gram } from '../jacobian/linalg.js';
import { createRng } from '../../engine/random.js';
import { upgrad as METHOD, upgradWeights } from './upgrad.js';
import { all, at, close, J, ones, makeGradientMethod } from './testing.js';

// The degenerate cases every gradient method shares are in contract.test.ts.
const make = (options: unknown = {}, tasks = ['a', 'b', 'c'], seed = 7) => makeGradientMethod(METHOD, options, tasks, seed);

describe('upgrad: dual-cone projections', () => {
  test("TorchJD's documented example: J = [[−4,1,1],[6,1,1]] → [0.2929, 1.9004, 1.9004], weights [1.1109, 0.7894]", () => {
    // torchjd tests/doc/test_aggregation.py (test_upgrad).
    const r = make({}, ['a', 'b']).aggregate(J([-4, 1, 1], [6, 1, 1]), { losses: [1, 1], labelled: all(2), at });
    close(r.direction, [0.2929, 1.9004, 1.9004], 1e-4);
    close(r.weights ?? [], [1.1109, 0.7894], 1e-4);
  });
  test('no conflict: the mean of the rows (each already in the dual cone)', () => {
    const r = make({}, ['a', 'b']).aggregate(J([1, 0], [1, 1]), { losses: [1, 1], labelled: all(2), at });
    close(r.direction, [1, 0.5], 1e-6);
  });
  test('random 5 tasks: the direction conflicts with no task (J d ≥ 0)', () => {
    const rng = createRng(4);
    for (let trial = 0; trial < 10; trial++) {
      const rows = Array.from({ length: 5 }, () => Array.from({ length: 8 }, () => rng.next() - 0.5));
      const r = make({}, ['a', 'b', 'c', 'd', 'e']).aggregate(J(...rows), { losses: ones(5), labelled: all(5), at });
      for (const g of rows) assert.ok(g.reduce((s, v, k) => s + v * r.direction[k], 0) >= -1e-5);
    }
  });
  test('below normEps the weights are the mean preference (TorchJD normalize)', () => {
    const w = upgradWeights(gram(J([-1e-3, 0], [1e-3, 1e-3])), 2, 1e-4, 1e-4);
    close(w, [0.5, 0.5], 1e-12);
  });
});
