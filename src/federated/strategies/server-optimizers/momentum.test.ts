import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointError } from '../../../errors.js';
import { errorLike } from '../../../engine/testing.js';
import { serverMomentumStep } from '../../aggregate/server-momentum.js';
import { MomentumOptimizer } from './momentum.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const spec = { name: 'momentum' as const, serverLearningRate: 0.7, serverMomentum: 0.9 };

test('momentum is serverMomentumStep, and keeps v only once committed', () => {
  const opt = new MomentumOptimizer(spec, { strategy: 'fedavgm' });
  const x = f32(1, -1);
  const a = f32(1.5, -0.25);

  const first = opt.step(x, { kind: 'params', params: a });
  const expected = serverMomentumStep({ global: x, average: a, momentum: new Float32Array(2), serverLearningRate: 0.7, serverMomentum: 0.9 });

  assert.deepEqual(first.params, expected.params);
  assert.deepEqual(opt.getState(), { scalars: {}, vectors: {} }, 'nothing kept before commit');
  first.commit();
  assert.deepEqual(opt.getState().vectors.momentum, expected.momentum);
  const second = opt.step(first.params, { kind: 'params', params: a });
  assert.deepEqual(second.params, serverMomentumStep({ global: first.params, average: a, momentum: expected.momentum, serverLearningRate: 0.7, serverMomentum: 0.9 }).params);
});

test('momentum refuses a state of another model length, naming the strategy', () => {
  const opt = new MomentumOptimizer(spec, { strategy: 'fedavgm' });
  opt.setState({ scalars: {}, vectors: { momentum: f32(1, 2) } });
  assert.throws(() => opt.step(f32(0), { kind: 'params', params: f32(1) }), errorLike(CheckpointError, /strategy 'fedavgm': 'momentum' has 2 values but the model has 1 parameters/));
});
