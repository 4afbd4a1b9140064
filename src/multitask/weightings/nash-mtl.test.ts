import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, randomValues } from '../../engine/testing.js';
import { jacobianOf } from '../jacobian/jacobian.js';
import { dot, gram, norm } from '../jacobian/linalg.js';
import { nashMtl, NashMtlOptionsSchema, solveNashBargaining } from './nash-mtl.js';
import type { GradientMethod } from '../weighting.js';

const at = { epoch: 0, step: 0, stepsPerEpoch: 1, epochs: 1 };
const make = (tasks: number, options: object = {}): GradientMethod =>
  nashMtl.create(NashMtlOptionsSchema.parse(options), { tasks: Array.from({ length: tasks }, (_, i) => `t${i}`), seed: 1 }) as GradientMethod;
const info = (labelled: boolean[]) => ({ losses: labelled.map(() => 1), labelled, at });

test('orthogonal gradients: αᵢ = 1/‖gᵢ‖, worked out by hand, and the direction is clipped to maxNorm', () => {
  const j = jacobianOf([Float32Array.of(2, 0, 0), Float32Array.of(0, 0.5, 0), Float32Array.of(0, 0, 1)]);

  const free = make(3, { maxNorm: 0 }).aggregate(j, info([true, true, true]));
  const clipped = make(3).aggregate(j, info([true, true, true]));

  // G = diag(4, 0.25, 1): Gα = 1/α gives αᵢ² ‖gᵢ‖² = 1.
  assertClose(free.weights ?? [], [0.5, 2, 1], 1e-7, 'α');
  assertClose(free.taskScales ?? [], [0.5, 2, 1], 1e-7, 'taskScales');
  assertClose(free.direction, [1, 1, 1], 1e-6, 'unclipped direction');
  const s = 1 / (Math.sqrt(3) + 1e-6);
  assertClose(clipped.direction, [s, s, s], 1e-6, 'clipped to norm 1');
});

test('on random conflicting gradients αᵢ(Gα)ᵢ = 1, i.e. every task improves by gᵢᵀd = 1/αᵢ', () => {
  for (const seed of [1, 2, 3, 4]) {
    const rows = [0, 1, 2, 3].map((k) => Float32Array.from(randomValues(8, seed * 10 + k), (v) => v * (1 + k)));
    const j = jacobianOf(rows);

    const solution = solveNashBargaining(gram(j), 4);
    const out = make(4, { maxNorm: 0 }).aggregate(j, info([true, true, true, true]));

    assert.ok(solution.converged, `seed ${seed}: residual ${solution.residual} after ${solution.iterations} steps`);
    assert.ok(solution.alpha.every((v) => v > 0));
    const improvements = rows.map((r) => dot(r, out.direction));
    assertClose(
      improvements.map((v, i) => v * (out.weights ?? [])[i]),
      [1, 1, 1, 1],
      1e-4,
      `seed ${seed}: αᵢ gᵢᵀd`,
    );
  }
});

test('the solution scales as 1/√s when G is multiplied by s', () => {
  const g = gram(jacobianOf([Float32Array.of(1, 0.3), Float32Array.of(-0.2, 0.7)]));

  const a = solveNashBargaining(g, 2).alpha;
  const b = solveNashBargaining(g.map((v) => v * 1e4), 2).alpha;

  assertClose(b, Array.from(a, (v) => v / 100), 1e-9, 'α');
});

test('updateWeightsEvery reuses α between updates', () => {
  const method = make(2, { updateWeightsEvery: 2, maxNorm: 0 });
  const first = jacobianOf([Float32Array.of(1, 0), Float32Array.of(0, 2)]);
  const second = jacobianOf([Float32Array.of(4, 0), Float32Array.of(0, 1)]);

  const s0 = method.aggregate(first, info([true, true]));
  const s1 = method.aggregate(second, info([true, true]));
  const s2 = method.aggregate(second, info([true, true]));

  assertClose(s0.weights ?? [], [1, 0.5], 1e-7, 'step 0 solves');
  assertClose(s1.weights ?? [], [1, 0.5], 1e-7, 'step 1 reuses');
  assertClose(s1.direction, [4, 0.5], 1e-6, 'reused α on the new gradients');
  assertClose(s2.weights ?? [], [0.25, 1], 1e-7, 'step 2 solves again');
});

test('identical rows: αᵢ = 1/(‖g‖√m)', () => {
  const g = Float32Array.of(3, 4);

  const out = make(2, { maxNorm: 0 }).aggregate(jacobianOf([g, g]), info([true, true]));

  // Gα = 25(α₁ + α₂) = 1/αᵢ with α₁ = α₂ = a: 50a² = 1.
  const a = 1 / Math.sqrt(50);
  assertClose(out.weights ?? [], [a, a], 1e-7, 'α');
});

test('cancelling gradients (no bargaining solution) give a finite step without throwing', () => {
  const g = Float32Array.of(1, -2, 0.5);
  const minus = Float32Array.from(g, (v) => -v);

  const out = make(2).aggregate(jacobianOf([g, minus]), info([true, true]));

  assert.ok(out.direction.every(Number.isFinite) && (out.weights ?? []).every(Number.isFinite));
  assert.ok(norm(out.direction) <= 1 + 1e-6);
});

// A single task, no labelled task and all-zero rows: contract.test.ts.
test('unlabelled and zero rows get weight 0; all-zero rows scale no task head', () => {
  const a = Float32Array.of(2, 0);
  const b = Float32Array.of(0, 0.5);
  const zero = new Float32Array(2);

  const masked = make(4, { maxNorm: 0 }).aggregate(jacobianOf([a, zero, b, zero]), info([true, false, true, true]));
  const none = make(2).aggregate(jacobianOf([zero, zero]), info([true, true]));

  assertClose(masked.weights ?? [], [0.5, 0, 2, 0], 1e-7, 'weights');
  assert.deepEqual(none.taskScales, [0, 0]);
});

test('options default to the official values and are strict', () => {
  assert.deepEqual(NashMtlOptionsSchema.parse({}), { updateWeightsEvery: 1, maxNorm: 1, optimNiter: 20 });
  assert.equal(NashMtlOptionsSchema.safeParse({ updateWeightsEvery: 0 }).success, false);
  assert.equal(NashMtlOptionsSchema.safeParse({ max_norm: 1 }).success, false);
  assert.deepEqual(nashMtl.optionNames, Object.keys(NashMtlOptionsSchema.parse({})));
});
