import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointError } from '../../../errors.js';
import { errorLike, randomValues } from '../../../engine/testing.js';
import { adaptiveStep } from '../../aggregate/adaptive.js';
import { AdamOptimizer } from './adam.js';
import { ServerOptimizerSpecSchema, type ServerOptimizerSpecOf } from './options.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);

test('an adaptive optimizer counts its steps and keeps m and v only once committed', () => {
  const opt = new AdamOptimizer({ name: 'adam', serverLearningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3, biasCorrection: false }, { strategy: 'x' });
  const x = randomValues(4, 1);
  const a = randomValues(4, 2);

  const step = opt.step(x, { kind: 'params', params: a });
  assert.deepEqual(opt.getState(), { scalars: { steps: 0 }, vectors: {} });
  step.commit();

  const out = adaptiveStep({ rule: 'adam', global: x, average: a, m: new Float32Array(4), v: new Float32Array(4), serverLearningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3 });
  assert.deepEqual(step.params, out.params);
  assert.deepEqual(step.metrics, { serverStep: 1 });
  assert.deepEqual(opt.getState(), { scalars: { steps: 1 }, vectors: { m: out.m, v: out.v } });
});

test('an update-sum aggregate is first made parameters (x + sum/total), then stepped', () => {
  const opt = new AdamOptimizer({ name: 'adam', serverLearningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3, biasCorrection: false }, { strategy: 'x' });
  const x = f32(1, 2);

  const step = opt.step(x, { kind: 'update', sum: Float64Array.from([1, -2]), total: 2 });

  const out = adaptiveStep({ rule: 'adam', global: x, average: f32(1.5, 1), m: new Float32Array(2), v: new Float32Array(2), serverLearningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3 });
  assert.deepEqual(step.params, out.params);
});

test('the adaptive state refuses half the moments, a bad step count, and moments of another length', () => {
  const opt = new AdamOptimizer(ServerOptimizerSpecSchema.parse({ name: 'adam' }) as ServerOptimizerSpecOf<'adam'>, { strategy: 'fedadam' });
  assert.throws(() => opt.setState({ scalars: { steps: 1 }, vectors: { m: f32(1) } }), errorLike(CheckpointError, /both moments m and v/));
  assert.throws(() => opt.setState({ scalars: { steps: -1 }, vectors: {} }), CheckpointError);
  opt.setState({ scalars: { steps: 3 }, vectors: { m: f32(1, 2), v: f32(1, 2) } });
  assert.throws(() => opt.step(f32(0), { kind: 'params', params: f32(1) }), errorLike(CheckpointError, /'m' has 2 values but the model has 1 parameters/));
});
