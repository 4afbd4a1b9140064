import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../../engine/testing.js';
import type { FitReply } from '../../strategy.js';
import { MultiKrumAggregator } from './multikrum.js';

const reply = (clientId: string, params: number[], numExamples = 1): FitReply => ({ clientId, params: Float32Array.from(params), numExamples, metrics: {}, extras: {} });
const replies = [0, 1, 2, 3, 10].map((x, i) => reply(`c${i}`, [x], i === 0 ? 50 : 1));

test('multikrum: the uniform mean of the n − f best, or of m', () => {
  const byDefault = new MultiKrumAggregator({ name: 'multikrum', byzantine: 1 }).aggregate({ global: new Float32Array(1), replies, title: 'T' });
  const three = new MultiKrumAggregator({ name: 'multikrum', byzantine: 1, keep: 3 }).aggregate({ global: new Float32Array(1), replies, title: 'T' });

  // scores 5, 2, 2, 5, 113: keep 4 → (0 + 1 + 2 + 3)/4 = 1.5 (c0's 50 examples do not weigh more); keep 3 → 1
  assertClose(byDefault.aggregate.kind === 'params' ? byDefault.aggregate.params : [], [1.5], 1e-7, 'keep 4');
  assert.deepEqual(byDefault.metrics, { kept: 4, rejected: 1 });
  assertClose(three.aggregate.kind === 'params' ? three.aggregate.params : [], [1], 1e-7, 'keep 3');
});

test('multikrum needs max(2f + 3, m) replies; with m the hint names it', () => {
  assert.deepEqual(new MultiKrumAggregator({ name: 'multikrum', byzantine: 1 }).requirement().min, 5);
  const big = new MultiKrumAggregator({ name: 'multikrum', byzantine: 1, keep: 10 }).requirement();
  assert.equal(big.min, 10);
  assert.equal(big.rule, 'at least m = 10');
  assert.match(big.hint, /^lower m \(the keep option\)/);
  assert.equal(new MultiKrumAggregator({ name: 'multikrum', byzantine: 2, keep: 3 }).title, 'Multi-Krum with f=2 and m=3');
});
