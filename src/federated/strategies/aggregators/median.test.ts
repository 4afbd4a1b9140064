import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FitReply } from '../../strategy.js';
import { MedianAggregator } from './median.js';

const reply = (clientId: string, params: number[], numExamples = 1): FitReply => ({ clientId, params: Float32Array.from(params), numExamples, metrics: {}, extras: {} });

test('median: the coordinate-wise median, example counts ignored', () => {
  const out = new MedianAggregator({ name: 'median' }).aggregate({ global: new Float32Array(2), replies: [reply('a', [1, 4], 100), reply('b', [500, -2]), reply('c', [3, 0])], title: 'T' });

  // coordinate 0: 1, 3, 500 → 3; coordinate 1: −2, 0, 4 → 0
  assert.deepEqual(out.aggregate.kind === 'params' ? Array.from(out.aggregate.params) : [], [3, 0]);
  assert.equal(new MedianAggregator({ name: 'median' }).requirement().min, 1);
});
