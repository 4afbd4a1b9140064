import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../engine/testing.js';
import { minimizeOnSimplex, type SimplexObjective } from './simplex-minimize.js';

const distanceTo = (p: number[]): SimplexObjective => ({
  value: (w) => w.reduce((s, v, i) => s + (v - p[i]) ** 2, 0),
  gradient: (w) => Float64Array.from(w, (v, i) => 2 * (v - p[i])),
});

test('the minimizer of ‖w − p‖² is the projection of p, worked out by hand', () => {
  // p = (0.8, 0.6, −0.5): θ = (0.8 + 0.6 − 1)/2 = 0.2, so w = (0.6, 0.4, 0).
  const out = minimizeOnSimplex(distanceTo([0.8, 0.6, -0.5]), 3);

  assertClose(out.w, [0.6, 0.4, 0], 1e-6, 'w');
  assert.ok(out.converged && out.gap <= 1e-9, `gap ${out.gap}`);
  assertClose([out.value], [0.04 + 0.04 + 0.25], 1e-9, 'value');
});

test('an ill-conditioned quadratic with an interior minimum converges from a corner start', () => {
  // f(w) = 100 (w₁ − w₂)² + (w₁ + w₂ − 2 w₃)²: both terms vanish only at w = (1/3, 1/3, 1/3).
  const f: SimplexObjective = {
    value: (w) => 100 * (w[0] - w[1]) ** 2 + (w[0] + w[1] - 2 * w[2]) ** 2,
    gradient: (w) => {
      const a = 200 * (w[0] - w[1]);
      const b = 2 * (w[0] + w[1] - 2 * w[2]);
      return Float64Array.of(a + b, -a + b, -2 * b);
    },
  };

  const out = minimizeOnSimplex(f, 3, { start: [1, 0, 0] });

  assertClose(out.w, [1 / 3, 1 / 3, 1 / 3], 1e-4, 'w');
  assert.ok(out.value < 1e-8);
});

test('a linear objective ends at the vertex of its smallest coefficient; dimension 1 is the point 1', () => {
  const linear: SimplexObjective = { value: (w) => 3 * w[0] + 1 * w[1] + 2 * w[2], gradient: () => Float64Array.of(3, 1, 2) };

  const out = minimizeOnSimplex(linear, 3);
  const one = minimizeOnSimplex(distanceTo([5]), 1);

  assertClose(out.w, [0, 1, 0], 1e-9, 'vertex');
  assertClose(one.w, [1], 0, 'dimension 1');
  assert.throws(() => minimizeOnSimplex(linear, 0), RangeError);
});

test('the iteration cap is honoured and reported', () => {
  // An anisotropic quadratic: one step of 1/L from a corner does not land on its minimizer.
  const f: SimplexObjective = {
    value: (w) => 10 * (w[0] - 0.5) ** 2 + (w[1] - 0.5) ** 2 + w[2] ** 2,
    gradient: (w) => Float64Array.of(20 * (w[0] - 0.5), 2 * (w[1] - 0.5), 2 * w[2]),
  };

  const out = minimizeOnSimplex(f, 3, { start: [0, 0, 1], maxIterations: 1 });
  const full = minimizeOnSimplex(f, 3, { start: [0, 0, 1] });

  assert.equal(out.iterations, 1);
  assert.equal(out.converged, false);
  assert.ok(full.converged && full.iterations > 1);
  assertClose(full.w, [0.5, 0.5, 0], 1e-6, 'w');
});
