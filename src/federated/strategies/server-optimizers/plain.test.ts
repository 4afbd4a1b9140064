import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointError } from '../../../errors.js';
import { stepByUpdateSum, stepTowards } from '../../aggregate/server-step.js';
import { PlainOptimizer } from './plain.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = { strategy: 'test' };
const global = f32(1, 2);

test('plain with η = 1 takes the aggregate itself (FedAvg: x ← a, bit for bit)', () => {
  const a = f32(0.1, 0.7);

  const step = new PlainOptimizer({ name: 'plain', serverLearningRate: 1 }, ctx).step(global, { kind: 'params', params: a });

  assert.equal(step.params, a);
  assert.deepEqual(step.metrics, {});
});

test('plain with η ≠ 1 steps towards the aggregate; an update sum is stepped in one rounding', () => {
  const opt = new PlainOptimizer({ name: 'plain', serverLearningRate: 0.5 }, ctx);
  const sum = Float64Array.from([0.3, -0.9]);

  const towards = opt.step(global, { kind: 'params', params: f32(3, 0) });
  const bySum = opt.step(global, { kind: 'update', sum, total: 3 });
  const bySumAtOne = new PlainOptimizer({ name: 'plain', serverLearningRate: 1 }, ctx).step(global, { kind: 'update', sum, total: 3 });

  assert.deepEqual(Array.from(towards.params), [2, 1]);
  assert.deepEqual(towards.params, stepTowards(global, f32(3, 0), 0.5));
  assert.deepEqual(bySum.params, stepByUpdateSum(global, sum, 3, 0.5));
  assert.deepEqual(bySumAtOne.params, stepByUpdateSum(global, sum, 3, 1));
  assert.equal(opt.title, 'plain server step (η=0.5)');
});

test('plain has no state and refuses any', () => {
  const opt = new PlainOptimizer({ name: 'plain', serverLearningRate: 1 }, ctx);
  assert.deepEqual(opt.getState(), { scalars: {}, vectors: {} });
  assert.throws(() => opt.setState({ scalars: { steps: 1 }, vectors: {} }), CheckpointError);
});
