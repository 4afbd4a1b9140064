import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, randomValues } from '../../engine/testing.js';
import { jacobianOf } from '../jacobian/jacobian.js';
import { dot, gram, norm, solveLinear } from '../jacobian/linalg.js';
import { imtl, imtlWeights, ImtlOptionsSchema } from './imtl.js';
import type { GradientMethod } from '../weighting.js';

const at = { epoch: 0, step: 0, stepsPerEpoch: 1, epochs: 1 };
const make = (tasks: number): GradientMethod =>
  imtl.create(ImtlOptionsSchema.parse({}), { tasks: Array.from({ length: tasks }, (_, i) => `t${i}`), seed: 1 }) as GradientMethod;
const info = (labelled: boolean[]) => ({ losses: labelled.map(() => 1), labelled, at });

/** LibMTL's IMTL-G (`LibMTL/weighting/IMTL.py`) written out on explicit vectors: α₂..ₘ = g₁Uᵀ(DUᵀ)⁻¹. */
function libmtlAlpha(rows: Float32Array[]): number[] {
  const m = rows.length;
  const units = rows.map((r) => Float32Array.from(r, (v) => v / norm(r)));
  const d = rows.slice(1).map((r) => Float32Array.from(r, (v, i) => rows[0][i] - v));
  const u = units.slice(1).map((r) => Float32Array.from(r, (v, i) => units[0][i] - v));
  // x (D Uᵀ) = g₁ Uᵀ  ⇔  (U Dᵀ) xᵀ = U g₁ᵀ.
  const udt: number[] = [];
  for (let a = 0; a < m - 1; a++) for (let b = 0; b < m - 1; b++) udt.push(dot(u[a], d[b]));
  const x = solveLinear(udt, u.map((ua) => dot(ua, rows[0])));
  return [1 - x.reduce((s, v) => s + v, 0), ...x];
}

test('orthogonal gradients of norms 2 and 1: α = (1/3, 2/3), worked out by hand', () => {
  // g·u₁ = 2α₁ and g·u₂ = α₂ must be equal with α₁ + α₂ = 1.
  const out = make(2).aggregate(jacobianOf([Float32Array.of(2, 0), Float32Array.of(0, 1)]), info([true, true]));

  assertClose(out.weights ?? [], [1 / 3, 2 / 3], 1e-9, 'α');
  assertClose(out.direction, [2 / 3, 2 / 3], 1e-6, 'direction');
});

test('the update projects equally on every unit gradient and matches LibMTL’s closed form', () => {
  for (const seed of [1, 2, 3]) {
    const rows = [0, 1, 2, 3].map((k) => Float32Array.from(randomValues(6, seed * 10 + k), (v) => v * (k + 1)));
    const j = jacobianOf(rows);

    const alpha = imtlWeights(gram(j), 4);
    const out = make(4).aggregate(j, info([true, true, true, true]));

    assertClose(alpha, libmtlAlpha(rows), 1e-4, `seed ${seed}: LibMTL`);
    assertClose([alpha.reduce((s, v) => s + v, 0)], [1], 1e-9, 'Σα');
    const projections = rows.map((r) => dot(out.direction, r) / norm(r));
    assertClose(projections, projections.map(() => projections[0]), 1e-4, `seed ${seed}: equal projections`);
  }
});

test('identical and parallel rows share the weight equally (minimum-norm solution of singular equations)', () => {
  const g = Float32Array.of(1, -2);

  const same = make(2).aggregate(jacobianOf([g, g]), info([true, true]));
  const parallel = imtlWeights(gram(jacobianOf([g, Float32Array.from(g, (v) => 3 * v)])), 2);

  assertClose(same.weights ?? [], [0.5, 0.5], 1e-9, 'identical');
  assertClose(same.direction, g, 1e-6, 'direction');
  assertClose(parallel, [0.5, 0.5], 1e-9, 'parallel');
});

// A single task, no labelled task and all-zero rows: contract.test.ts.
test('unlabelled rows and labelled zero rows get weight 0, the others as if alone', () => {
  const a = Float32Array.of(2, 0);
  const b = Float32Array.of(0, 1);
  const zero = new Float32Array(2);

  const masked = make(4).aggregate(jacobianOf([a, zero, b, zero]), info([true, false, true, true]));

  assertClose(masked.weights ?? [], [1 / 3, 0, 2 / 3, 0], 1e-9, 'weights');
  assert.ok(masked.direction.every(Number.isFinite));
});

test('imtl has no options and refuses unknown ones', () => {
  assert.deepEqual(ImtlOptionsSchema.parse({}), {});
  assert.equal(ImtlOptionsSchema.safeParse({ lossScale: true }).success, false);
  assert.deepEqual(make(3).weights(), [1 / 3, 1 / 3, 1 / 3]);
});
