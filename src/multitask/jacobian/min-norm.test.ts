import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { minNormOfTwo, minNormWeights } from './min-norm.js';
import { gram } from './linalg.js';
import { jacobianOf } from './jacobian.js';

const rows = (...r: number[][]): Float64Array => gram(jacobianOf(r.map((x) => Float32Array.from(x))));

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `entry ${i}: ${actual[i]} vs ${expected[i]}`);
}

function cost(g: Float64Array, m: number, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) s += w[i] * w[j] * g[i * m + j];
  return s;
}

describe('minNormOfTwo (Algorithm 1)', () => {
  test('closed form γ = (v2v2 − v1v2) / (v1v1 + v2v2 − 2 v1v2)', () => {
    // x1 = (2, 0), x2 = (0, 1): γ = 1/5, cost = 4/25 + 16/25·... = 0.8
    const r = minNormOfTwo(4, 0, 1);
    assert.ok(Math.abs(r.gamma - 0.2) < 1e-15);
    assert.ok(Math.abs(r.cost - 0.8) < 1e-15);
  });
  test('edge cases give exactly 1 or 0', () => {
    assert.deepEqual(minNormOfTwo(1, 2, 4), { gamma: 1, cost: 1 });
    assert.deepEqual(minNormOfTwo(4, 2, 1), { gamma: 0, cost: 1 });
    assert.deepEqual(minNormOfTwo(0, 0, 0), { gamma: 1, cost: 0 });
  });
});

describe('minNormWeights', () => {
  test('two orthogonal unit vectors → (0.5, 0.5)', () => {
    close(minNormWeights(rows([1, 0], [0, 1]), 2).weights, [0.5, 0.5], 1e-15);
  });
  test('a·b ≥ a·a: all weight on a', () => {
    close(minNormWeights(rows([1, 0], [2, 0.5]), 2).weights, [1, 0], 0);
  });
  test('one row gives [1]', () => close(minNormWeights(rows([3, 4]), 1).weights, [1], 0));
  for (const solver of ['projected-gradient', 'frank-wolfe'] as const) {
    test(`3 tasks (${solver}): matches a brute-force grid over the simplex`, () => {
      const g = rows([1, 2, 0], [-1, 1, 1], [0.5, -1, 2]);
      let best = { cost: Infinity, w: [0, 0, 0] };
      const steps = 500;
      for (let a = 0; a <= steps; a++) {
        for (let b = 0; a + b <= steps; b++) {
          const w = [a / steps, b / steps, (steps - a - b) / steps];
          const c = cost(g, 3, w);
          if (c < best.cost) best = { cost: c, w };
        }
      }
      const r = minNormWeights(g, 3, { solver });
      const s = r.weights.reduce((x, y) => x + y, 0);
      assert.ok(Math.abs(s - 1) < 1e-12 && r.weights.every((v) => v >= 0), 'on the simplex');
      assert.ok(cost(g, 3, r.weights) <= best.cost + 1e-6, `${cost(g, 3, r.weights)} vs grid ${best.cost}`);
      close(r.weights, best.w, solver === 'frank-wolfe' ? 0.02 : 0.005);
    });
  }
  test('the min-norm point d satisfies d·g_i ≥ ‖d‖² for every row (optimality)', () => {
    const g = rows([1, 2, 0, 1], [-1, 1, 1, 0], [0.5, -1, 2, 1], [2, 0, -1, 1]);
    const { weights } = minNormWeights(g, 4);
    const d2 = cost(g, 4, weights);
    for (let i = 0; i < 4; i++) {
      let di = 0;
      for (let j = 0; j < 4; j++) di += weights[j] * g[i * 4 + j];
      assert.ok(di >= d2 - 1e-4, `row ${i}: ${di} < ${d2}`);
    }
  });
  test('all-zero rows and identical rows stay finite', () => {
    for (const g of [rows([0, 0], [0, 0], [0, 0]), rows([1, 1], [1, 1], [1, 1])]) {
      const { weights } = minNormWeights(g, 3);
      assert.ok(weights.every(Number.isFinite));
      assert.ok(Math.abs(weights.reduce((x, y) => x + y, 0) - 1) < 1e-12);
    }
  });
});
