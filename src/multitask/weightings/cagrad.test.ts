import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeMismatchError } from '../../errors.js';
import { createRng } from '../../engine/random.js';
import { assertClose, errorLike, randomValues } from '../../engine/testing.js';
import { jacobianOf } from '../jacobian/jacobian.js';
import { dot, gram, norm } from '../jacobian/linalg.js';
import { cagrad, cagradDirection, cagradDualObjective, CagradOptionsSchema, solveCagradDual } from './cagrad.js';
import type { GradientMethod } from '../weighting.js';

const at = { epoch: 0, step: 0, stepsPerEpoch: 1, epochs: 1 };
const make = (tasks: number, options: object = {}): GradientMethod =>
  cagrad.create(CagradOptionsSchema.parse(options), { tasks: Array.from({ length: tasks }, (_, i) => `t${i}`), seed: 1 }) as GradientMethod;
const info = (labelled: boolean[]) => ({ losses: labelled.map(() => 1), labelled, at });

test('orthogonal unit gradients: w is uniform and d = (1 + c)·g₀, times m over the rescaling', () => {
  const j = jacobianOf([Float32Array.of(1, 0), Float32Array.of(0, 1)]);

  const r0 = cagradDirection(j, { c: 0.4, rescale: 0 });
  const r1 = cagradDirection(j, { c: 0.4, rescale: 1 });
  const r2 = cagradDirection(j, { c: 0.4, rescale: 2 });

  // G = I: F(w) = 1/2 + c/√2·‖w‖ is least at w = (1/2, 1/2); g_w = g₀, λ = c, d = (1 + c) g₀ = 0.7·(1, 1).
  assertClose(solveCagradDual(gram(j), 2, 0.4).w, [0.5, 0.5], 1e-6, 'w');
  assertClose(r0.direction, [1.4, 1.4], 1e-6, 'rescale 0');
  assertClose(r1.direction, [1.4 / 1.16, 1.4 / 1.16], 1e-6, 'rescale 1');
  assertClose(r2.direction, [1, 1], 1e-6, 'rescale 2');
});

test('the dual is solved to 1e-6 of the optimum found by a brute-force grid over the simplex', () => {
  for (const [seed, c] of [
    [3, 0.4],
    [4, 0.5],
    [5, 2],
    [6, 0.1],
  ]) {
    const rng = createRng(seed);
    // Three gradients in 4-D with a shared conflict: one pointing against the others' sum.
    const rows = [randomValues(4, seed * 10), randomValues(4, seed * 10 + 1), randomValues(4, seed * 10 + 2)];
    rows[2] = Float32Array.from(rows[2], (v, i) => v - (1 + rng.next()) * (rows[0][i] + rows[1][i]));
    const g = gram(jacobianOf(rows));

    const dual = solveCagradDual(g, 3, c);
    let best = Infinity;
    const steps = 600;
    for (let a = 0; a <= steps; a++) {
      for (let b = 0; a + b <= steps; b++) {
        best = Math.min(best, cagradDualObjective(g, 3, c, [a / steps, b / steps, (steps - a - b) / steps]));
      }
    }

    const ours = cagradDualObjective(g, 3, c, dual.w);
    assert.ok(ours <= best + 1e-6, `seed ${seed}: ${ours} > grid ${best}`);
    assert.ok(best - ours < 1e-3, `seed ${seed}: the grid (${best}) should be close to the optimum (${ours})`);
    assert.ok(dual.gap < 1e-6, `seed ${seed}: certified gap ${dual.gap}`);
    assertClose([dual.w.reduce((s, v) => s + v, 0)], [1], 1e-12, 'Σw');
    assert.ok(dual.w.every((v) => v >= 0));
  }
});

test('d solves the primal: no point of the ball ‖d − g₀‖ ≤ c‖g₀‖ improves the worst task more (paper eq. 3)', () => {
  const rows = [Float32Array.of(1, 0.2, 0), Float32Array.of(-0.6, 1, 0.1), Float32Array.of(0.1, -0.3, 0.4)];
  const j = jacobianOf(rows);
  const c = 0.5;
  const m = rows.length;

  // rescale 0 gives m·d; the paper's d is that over m.
  const d = cagradDirection(j, { c, rescale: 0 }).direction.map((v) => v / m);

  const g0 = Float32Array.from(rows[0], (_, i) => (rows[0][i] + rows[1][i] + rows[2][i]) / m);
  const radius = c * norm(g0);
  const worst = (x: Float32Array) => Math.min(...rows.map((r) => dot(r, x)));
  assertClose([norm(Float32Array.from(d, (v, i) => v - g0[i]))], [radius], 1e-5, '‖d − g₀‖ on the boundary');
  const rng = createRng(7);
  for (let s = 0; s < 5000; s++) {
    const u = Float32Array.from({ length: 3 }, () => rng.next() * 2 - 1);
    const scale = radius / norm(u);
    const candidate = Float32Array.from(g0, (v, i) => v + scale * u[i]);
    assert.ok(worst(candidate) <= worst(d) + 1e-5, `a sampled point improves the worst task: ${worst(candidate)} > ${worst(d)}`);
  }
});

test('c = 0 is the gradient of the summed losses, whatever the rescaling', () => {
  const rows = [Float32Array.of(1, 2), Float32Array.of(-3, 0.5)];

  const out = cagradDirection(jacobianOf(rows), { c: 0, rescale: 1 });

  assertClose(out.direction, [-2, 2.5], 1e-6, 'Σ g');
});

test('identical rows: d = (1 + c)·g, times m over 1 + c²', () => {
  const g = Float32Array.of(0.5, -1);
  const out = make(3).aggregate(jacobianOf([g, g, g]), info([true, true, true]));

  const f = (3 * 1.4) / 1.16;
  assertClose(out.direction, [0.5 * f, -1 * f], 1e-5, 'direction');
});

// Unlabelled tasks, a single task, no labelled task and all-zero rows: contract.test.ts.

test('no labelled task: the reported weights are 0', () => {
  const zero = new Float32Array(2);
  const method = make(2);

  method.aggregate(jacobianOf([zero, zero]), info([false, false]));

  assert.deepEqual(method.weights(), [0, 0]);
});

test('cancelling gradients, and one zero row among labelled ones, give a finite direction', () => {
  const zero = new Float32Array(3);
  const g = Float32Array.of(1, -2, 0.5);
  const minus = Float32Array.from(g, (v) => -v);

  const cancel = make(2).aggregate(jacobianOf([g, minus]), info([true, true]));
  const oneZero = make(2).aggregate(jacobianOf([g, zero]), info([true, true]));

  assertClose(cancel.direction, [0, 0, 0], 1e-6, 'g and −g');
  assert.ok(oneZero.direction.every(Number.isFinite));
  assert.ok(cancel.direction.every(Number.isFinite) && (cancel.weights ?? []).every(Number.isFinite));
});

test('options default to c = 0.4, rescale 1, and are strict', () => {
  assert.deepEqual(CagradOptionsSchema.parse({}), { c: 0.4, rescale: 1 });
  assert.equal(CagradOptionsSchema.safeParse({ rescale: 3 }).success, false);
  assert.equal(CagradOptionsSchema.safeParse({ c: -1 }).success, false);
  assert.equal(CagradOptionsSchema.safeParse({ calpha: 0.5 }).success, false);
  assert.deepEqual(cagrad.optionNames, Object.keys(CagradOptionsSchema.parse({})));
});

test('a Jacobian that does not match the tasks is refused with the counts', () => {
  const method = make(3);

  assert.throws(
    () => method.aggregate(jacobianOf([Float32Array.of(1), Float32Array.of(2)]), info([true, true])),
    errorLike(ShapeMismatchError, /2 Jacobian rows/, /3 tasks/),
  );
  assert.throws(
    () => method.aggregate({ rows: [Float32Array.of(1), Float32Array.of(Number.NaN), Float32Array.of(0)], n: 1 }, info([true, true, true])),
    errorLike(ShapeMismatchError, /task 't1'/, /non-finite/),
  );
  assert.throws(
    () => method.aggregate({ rows: [Float32Array.of(1), Float32Array.of(1, 2), Float32Array.of(0)], n: 1 }, info([true, true, true])),
    errorLike(ShapeMismatchError, /task 't1' has 2 values, expected 1/),
  );
});
