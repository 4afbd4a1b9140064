import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { combineRows, dot, gram, norm, projectToSimplex, solveLinear, solveNonNegativeQp, symmetricEigen } from './linalg.js';
import { jacobianOf } from './jacobian.js';
import { createRng } from '../../engine/random.js';

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `entry ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('dot, norm, gram, combineRows', () => {
  const a = Float32Array.of(1, 2, 3);
  const b = Float32Array.of(-1, 0.5, 2);
  test('dot and norm by hand', () => {
    assert.equal(dot(a, b), -1 + 1 + 6);
    assert.ok(Math.abs(norm(a) - Math.sqrt(14)) < 1e-12);
    assert.throws(() => dot(a, Float32Array.of(1)), RangeError);
  });
  test('gram is symmetric with the dot products', () => {
    const g = gram(jacobianOf([a, b]));
    close(g, [14, 6, 6, 5.25], 1e-12);
  });
  test('combineRows weights the rows', () => {
    close(combineRows(jacobianOf([a, b]), [2, -1]), [3, 3.5, 4], 1e-6);
    assert.throws(() => combineRows(jacobianOf([a, b]), [1]), RangeError);
  });
});

describe('solveLinear', () => {
  test('2×2 system by hand', () => {
    // 2x + y = 3, x + 3y = 5  →  x = 4/5, y = 7/5.
    close(solveLinear([2, 1, 1, 3], [3, 5]), [0.8, 1.4], 1e-12);
  });
  test('needs pivoting (zero leading entry)', () => {
    close(solveLinear([0, 1, 1, 0], [2, 3]), [3, 2], 1e-12);
  });
  test('singular matrix throws', () => {
    assert.throws(() => solveLinear([1, 2, 2, 4], [1, 2]), /singular/);
  });
});

describe('symmetricEigen', () => {
  test('2×2 by hand: [[2,1],[1,2]] has 3 along (1,1) and 1 along (1,−1)', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    close(values, [3, 1], 1e-12);
    const s = Math.SQRT1_2;
    close([Math.abs(vectors[0]), Math.abs(vectors[2])], [s, s], 1e-12);
    assert.ok(Math.abs(vectors[0] * vectors[1] + vectors[2] * vectors[3]) < 1e-12, 'orthogonal');
    assert.ok(vectors[1] * vectors[3] < 0, 'second eigenvector is along (1, −1)');
  });
  test('tiny entries (a Gram of small gradients) still rotate', () => {
    const { values } = symmetricEigen([2e-16, 1e-16, 1e-16, 2e-16], 2);
    close(values, [3e-16, 1e-16], 1e-28);
  });
  test('random 4×4: V Λ Vᵀ rebuilds the matrix, V orthonormal', () => {
    const rng = createRng(3);
    const m = 4;
    const x = Array.from({ length: m * m }, () => rng.next() - 0.5);
    const s = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) s[i * m + j] = x[i * m + j] + x[j * m + i];
    const { values, vectors } = symmetricEigen(s, m);
    for (let k = 1; k < m; k++) assert.ok(values[k - 1] >= values[k]);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        let rebuilt = 0;
        let ortho = 0;
        for (let k = 0; k < m; k++) {
          rebuilt += vectors[i * m + k] * values[k] * vectors[j * m + k];
          ortho += vectors[k * m + i] * vectors[k * m + j];
        }
        assert.ok(Math.abs(rebuilt - s[i * m + j]) < 1e-12);
        assert.ok(Math.abs(ortho - (i === j ? 1 : 0)) < 1e-12);
      }
    }
  });
});

describe('projectToSimplex', () => {
  test('a point on the simplex stays', () => close(projectToSimplex([0.2, 0.3, 0.5]), [0.2, 0.3, 0.5], 1e-15));
  test('equal shift: (0.3, 0.3, 0.3) → 1/3 each', () => close(projectToSimplex([0.3, 0.3, 0.3]), [1 / 3, 1 / 3, 1 / 3], 1e-15));
  test('(−1, 0.5, 0.2) → (0, 0.65, 0.35) by hand (θ = −0.15)', () => close(projectToSimplex([-1, 0.5, 0.2]), [0, 0.65, 0.35], 1e-15));
  test('(2, 0) → (1, 0)', () => close(projectToSimplex([2, 0]), [1, 0], 1e-15));
});

describe('solveNonNegativeQp', () => {
  test('identity: x = max(−c, 0)', () => close(solveNonNegativeQp([1, 0, 0, 1], [-1, 2]), [1, 0], 1e-14));
  test('interior optimum: Q = [[2,1],[1,2]], c = (−1,−1) → (1/3, 1/3)', () =>
    close(solveNonNegativeQp([2, 1, 1, 2], [-1, -1]), [1 / 3, 1 / 3], 1e-14));
  test('bound active: c = (−3, 1) → (3/2, 0) (unconstrained would be (7/3, −5/3))', () =>
    close(solveNonNegativeQp([2, 1, 1, 2], [-3, 1]), [1.5, 0], 1e-14));
  test('random 6×6: the KKT conditions hold', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 20; trial++) {
      const m = 6;
      const a = Array.from({ length: m * 3 }, () => rng.next() - 0.5);
      const q = new Float64Array(m * m);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          for (let k = 0; k < 3; k++) q[i * m + j] += a[i * 3 + k] * a[j * 3 + k];
          if (i === j) q[i * m + j] += 1e-3;
        }
      }
      const c = Array.from({ length: m }, () => rng.next() - 0.5);
      const x = solveNonNegativeQp(q, c);
      for (let i = 0; i < m; i++) {
        let g = c[i];
        for (let j = 0; j < m; j++) g += q[i * m + j] * x[j];
        assert.ok(x[i] >= 0, 'feasible');
        assert.ok(g >= -1e-10, `gradient ${g} ≥ 0`);
        assert.ok(Math.abs(x[i] * g) < 1e-10, 'complementary');
      }
    }
  });
});
