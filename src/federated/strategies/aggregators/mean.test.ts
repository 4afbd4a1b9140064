import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRefusedError } from '../../../errors.js';
import { errorLike } from '../../../engine/testing.js';
import { weightedMean } from '../../aggregate/weighted-mean.js';
import type { FitReply } from '../../strategy.js';
import { MeanAggregator } from './mean.js';
import { MeanAggregatorSchema } from './options.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const reply = (clientId: string, params: number[], numExamples: number): FitReply => ({ clientId, params: f32(...params), numExamples, metrics: {}, extras: {} });
const mean = (options: object = {}): MeanAggregator => new MeanAggregator(MeanAggregatorSchema.parse({ name: 'mean', ...options }));
const replies = [reply('a', [1, 2], 1), reply('b', [3, 6], 3)];
const global = f32(0, 1);

test('mean (defaults: examples, parameters) is weightedMean of the parameters, bit for bit', () => {
  const out = mean().aggregate({ global, replies, title: 'T' });

  assert.equal(out.aggregate.kind, 'params');
  assert.deepEqual(out.aggregate.kind === 'params' ? out.aggregate.params : undefined, weightedMean([replies[0].params, replies[1].params], [1, 3]));
  assert.deepEqual(out.metrics, {});
  assert.equal(mean().title, 'example-weighted mean');
  assert.deepEqual(mean().requirement(), { min: 1, rule: 'at least 1', hint: 'raise the fraction of clients sampled, or lengthen the round deadline' });
});

test('mean over updates, uniform: the unrounded Σ(yᵢ − x) and |S|', () => {
  const m = mean({ weighting: 'uniform', over: 'updates' });

  const out = m.aggregate({ global, replies, title: 'T' });

  // (1, 2) − (0, 1) + (3, 6) − (0, 1) = (4, 6), two replies of weight 1
  assert.equal(out.aggregate.kind, 'update');
  if (out.aggregate.kind === 'update') {
    assert.deepEqual(Array.from(out.aggregate.sum), [4, 6]);
    assert.equal(out.aggregate.total, 2);
  }
  assert.equal(m.title, 'uniform mean of the updates');
  assert.deepEqual([m.weight({ numExamples: 50 }), mean().weight({ numExamples: 50 })], [1, 50]);
});

test('mean by example counts refuses a round whose counts are all 0; uniform does not', () => {
  const zero = [reply('a', [1, 1], 0), reply('b', [2, 2], 0)];
  assert.throws(() => mean().aggregate({ global, replies: zero, title: 'FedAvg' }), errorLike(RoundRefusedError, /^FedAvg weights replies by their example counts, and all 2 replies reported 0 examples$/));
  const uniform = mean({ weighting: 'uniform' }).aggregate({ global, replies: zero, title: 'T' });
  assert.deepEqual(uniform.aggregate.kind === 'params' ? Array.from(uniform.aggregate.params) : [], [1.5, 1.5]);
});

test('fromSum (the path of a secure or private sum) gives what aggregate gives over updates', () => {
  const m = mean({ over: 'updates' });
  const sum = { sum: Float64Array.from([10, 18]), total: 4, count: 2 };

  const fromSum = m.fromSum(sum, { global, title: 'T' });
  const direct = m.aggregate({ global, replies, title: 'T' });

  // 1·((1, 2) − (0, 1)) + 3·((3, 6) − (0, 1)) = (10, 16)
  assert.deepEqual(direct.aggregate.kind === 'update' ? Array.from(direct.aggregate.sum) : [], [10, 16]);
  assert.deepEqual(fromSum.aggregate, { kind: 'update', sum: sum.sum, total: 4 });
  assert.throws(() => m.fromSum({ sum: new Float64Array(2), total: 0, count: 2 }, { global, title: 'T' }), RoundRefusedError);
});
