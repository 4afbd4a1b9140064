import { describe, test } from 'node:test';
import { alignedMtl as METHOD, alignedMtlWeights } from './aligned-mtl.js';
import { all, at, close, J, makeGradientMethod } from './testing.js';

// The degenerate cases every gradient method shares are in contract.test.ts.
const make = (options: unknown = {}, tasks = ['a', 'b', 'c'], seed = 7) => makeGradientMethod(METHOD, options, tasks, seed);

describe('aligned-mtl: balance transformation', () => {
  test('J = [[−4,1,1],[6,1,1]]: α = B·1 as LibMTL (values from numpy eigh)', () => {
    const r = make({}, ['a', 'b']).aggregate(J([-4, 1, 1], [6, 1, 1]), { losses: [1, 1], labelled: all(2), at });
    close(r.weights ?? [], [1.11814383, 0.81652214], 1e-7);
    close(r.direction, [0.42655749, 1.93466597, 1.93466597], 1e-5);
  });
  test('orthogonal rows of norms 1 and 2 become equal-norm (scale min): α = (1, 0.5)', () => {
    close(alignedMtlWeights(Float64Array.of(1, 0, 0, 4), 2), [1, 0.5], 1e-12);
  });
  test('scale median and rmse on diag(1, 4, 9)', () => {
    const g = Float64Array.of(1, 0, 0, 0, 4, 0, 0, 0, 9);
    close(alignedMtlWeights(g, 3, 'median'), [2, 1, 2 / 3], 1e-12);
    const s = Math.sqrt(14 / 3);
    close(alignedMtlWeights(g, 3, 'rmse'), [s, s / 2, s / 3], 1e-12);
  });
  test('rank-deficient Gram (identical rows): the null space is cut, α = (1, 1)', () => {
    close(alignedMtlWeights(Float64Array.of(1, 1, 1, 1), 2), [1, 1], 1e-9);
  });
});
