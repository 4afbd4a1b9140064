import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../../engine/testing.js';
import type { FitReply } from '../../strategy.js';
import { BulyanAggregator } from './bulyan.js';

const reply = (clientId: string, params: number[]): FitReply => ({ clientId, params: Float32Array.from(params), numExamples: 1, metrics: {}, extras: {} });

test('bulyan: repeated Krum then the mean closest to the median, with kept, rejected and β', () => {
  // Values 0..5 and 100 (see aggregate/bulyan.test.ts): θ = 5 kept, β = 3 averaged → 2.
  const replies = [0, 1, 2, 3, 4, 5, 100].map((x, i) => reply(`c${i}`, [x]));

  const out = new BulyanAggregator({ name: 'bulyan', byzantine: 1 }).aggregate({ global: new Float32Array(1), replies, title: 'T' });

  assertClose(out.aggregate.kind === 'params' ? out.aggregate.params : [], [2], 1e-7, 'bulyan');
  assert.deepEqual(out.metrics, { kept: 5, rejected: 2, averagedPerCoordinate: 3 });
});

test('bulyan needs 4f + 3 replies', () => {
  const r = new BulyanAggregator({ name: 'bulyan', byzantine: 2 }).requirement();
  assert.deepEqual([r.min, r.rule], [11, 'at least 4f+3 = 11']);
  assert.match(r.hint, /^lower f/);
});
