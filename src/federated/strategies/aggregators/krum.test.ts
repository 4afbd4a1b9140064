import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FitReply } from '../../strategy.js';
import { KrumAggregator } from './krum.js';

const reply = (clientId: string, params: number[]): FitReply => ({ clientId, params: Float32Array.from(params), numExamples: 1, metrics: {}, extras: {} });

test('krum: a copy of the reply of lowest score, with kept, rejected and its score', () => {
  // Values 0, 1, 2, 3, 10 (sorted by client id); f = 1 → 2 neighbours; scores 5, 2, 2, 5, 113.
  const replies = [0, 1, 2, 3, 10].map((x, i) => reply(`c${i}`, [x]));
  const agg = new KrumAggregator({ name: 'krum', byzantine: 1 });

  const out = agg.aggregate({ global: new Float32Array(1), replies, title: 'T' });

  assert.ok(out.aggregate.kind === 'params');
  assert.deepEqual(Array.from(out.aggregate.params), [1]);
  assert.notEqual(out.aggregate.params, replies[1].params);
  assert.deepEqual(out.metrics, { kept: 1, rejected: 4, krumScore: 2 });
});

test('krum needs n > 2f + 2 replies and says how to get them', () => {
  assert.deepEqual(new KrumAggregator({ name: 'krum', byzantine: 2 }).requirement(), {
    min: 7,
    rule: 'more than 2f+2 = 6',
    hint: 'lower f (the byzantine option), raise the fraction of clients sampled, or lengthen the round deadline',
  });
  assert.equal(new KrumAggregator({ name: 'krum', byzantine: 1 }).title, 'Krum with f=1');
});
