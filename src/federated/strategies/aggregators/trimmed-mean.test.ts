import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../../engine/testing.js';
import type { FitReply } from '../../strategy.js';
import { TrimmedMeanAggregator } from './trimmed-mean.js';

const reply = (clientId: string, params: number[]): FitReply => ({ clientId, params: Float32Array.from(params), numExamples: 1, metrics: {}, extras: {} });

test('trimmed-mean: cuts ⌊β·n⌋ values at each end and reports how many', () => {
  const agg = new TrimmedMeanAggregator({ name: 'trimmed-mean', beta: 0.2 });
  const replies = [reply('a', [1, 50]), reply('b', [100, 40]), reply('c', [3, 30]), reply('d', [2, -1000]), reply('e', [4, 20])];

  const out = agg.aggregate({ global: new Float32Array(2), replies, title: 'T' });

  // ⌊0.2·5⌋ = 1 per end: (2 + 3 + 4)/3 = 3 and (20 + 30 + 40)/3 = 30
  assertClose(out.aggregate.kind === 'params' ? out.aggregate.params : [], [3, 30], 1e-7, 'trimmed');
  assert.deepEqual(out.metrics, { trimmedPerEnd: 1 });
  assert.equal(agg.title, 'trimmed mean with beta=0.2');
});
