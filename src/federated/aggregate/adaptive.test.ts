import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../engine/testing.js';
import { adaptiveStep, effectiveLearningRate, type AdaptiveRule } from './adaptive.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const hyper = { serverLearningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3 };

function step(rule: AdaptiveRule, m: number, v: number, extra: { beta1?: number; biasCorrectionStep?: number } = {}) {
  // x = 1, a = 1.5 → Δ = 0.5, Δ² = 0.25
  return adaptiveStep({ rule, global: f32(1), average: f32(1.5), m: f32(m), v: f32(v), ...hyper, ...extra });
}

test('FedAdam first step from zero moments', () => {
  const out = step('adam', 0, 0);
  // m = 0.1·0.5 = 0.05; v = 0.01·0.25 = 0.0025; x = 1 + 0.1·0.05/(√0.0025 + 0.001) = 1 + 0.005/0.051
  assertClose(out.m, [0.05], 1e-7, 'm');
  assertClose(out.v, [0.0025], 1e-7, 'v');
  assertClose(out.params, [1 + 0.005 / 0.051], 1e-7, 'params');
});

test('FedAdam and FedYogi differ in the second moment on the second step', () => {
  const m0 = 0.05;
  const v0 = 0.0025;
  const adam = step('adam', m0, v0);
  const yogi = step('yogi', m0, v0);
  // m = 0.9·0.05 + 0.1·0.5 = 0.095 for both.
  // Adam: v = 0.99·0.0025 + 0.01·0.25 = 0.004975
  // Yogi: v = 0.0025 − 0.01·0.25·sign(0.0025 − 0.25) = 0.0025 + 0.0025 = 0.005
  assertClose(adam.m, [0.095], 1e-7, 'adam m');
  assertClose(yogi.m, [0.095], 1e-7, 'yogi m');
  assertClose(adam.v, [0.004975], 1e-7, 'adam v');
  assertClose(yogi.v, [0.005], 1e-7, 'yogi v');
  // x = 1 + 0.1·0.095/(√v + 0.001)
  assertClose(adam.params, [1 + 0.0095 / (Math.sqrt(0.004975) + 0.001)], 1e-6, 'adam x');
  assertClose(yogi.params, [1 + 0.0095 / (Math.sqrt(0.005) + 0.001)], 1e-6, 'yogi x');
});

test('FedYogi shrinks v additively when Δ² < v', () => {
  // v0 = 1 > Δ² = 0.25 → v = 1 − 0.01·0.25·sign(0.75) = 0.9975 (Adam would give 0.99 + 0.0025 = 0.9925)
  assertClose(step('yogi', 0, 1).v, [0.9975], 1e-7, 'yogi v');
});

test('FedAdagrad accumulates Δ² (here without momentum, as Flower)', () => {
  const out = step('adagrad', 0, 0.25, { beta1: 0 });
  // m = Δ = 0.5; v = 0.25 + 0.25 = 0.5; x = 1 + 0.1·0.5/(√0.5 + 0.001)
  assertClose(out.m, [0.5], 1e-7, 'm');
  assertClose(out.v, [0.5], 1e-7, 'v');
  assertClose(out.params, [1 + 0.05 / (Math.SQRT1_2 + 0.001)], 1e-6, 'params');
});

test('bias correction scales η by √(1 − β₂ᵗ)/(1 − β₁ᵗ)', () => {
  // t = 1: 0.1·√0.01/0.1 = 0.1; t = 2: 0.1·√(1 − 0.9801)/(1 − 0.81) = 0.1·√0.0199/0.19
  assert.ok(Math.abs(effectiveLearningRate({ ...hyper, biasCorrectionStep: 1 }) - 0.1) < 1e-15);
  assert.ok(Math.abs(effectiveLearningRate({ ...hyper, biasCorrectionStep: 2 }) - (0.1 * Math.sqrt(0.0199)) / 0.19) < 1e-15);
  assert.equal(effectiveLearningRate(hyper), 0.1);
  const corrected = step('adam', 0.05, 0.0025, { biasCorrectionStep: 2 });
  const eta2 = (0.1 * Math.sqrt(0.0199)) / 0.19;
  assertClose(corrected.params, [1 + (eta2 * 0.095) / (Math.sqrt(0.004975) + 0.001)], 1e-6, 'corrected x');
});

test('adaptiveStep does not modify its inputs', () => {
  const m = f32(0.05);
  const v = f32(0.0025);
  adaptiveStep({ rule: 'adam', global: f32(1), average: f32(1.5), m, v, ...hyper });
  assert.equal(m[0], Math.fround(0.05));
  assert.equal(v[0], Math.fround(0.0025));
});
