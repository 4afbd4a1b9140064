import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRefusedError } from '../../errors.js';
import { assertClose } from '../../engine/testing.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { Krum } from './krum.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (...global: number[]): RoundContext => ({ round: 1, global: f32(...global), numClients: 10 });
const reply = (clientId: string, params: number[]): FitReply => ({ clientId, params: f32(...params), numExamples: 1, metrics: {}, extras: {} });

// Values by client c0..c4: 0, 1, 2, 3, 10; f = 1 → 2 neighbours; scores 5, 2, 2, 5, 113 (see
// aggregate/krum.test.ts). c1 and c2 tie; c1 comes first by client id.
const replies = [reply('c4', [10]), reply('c2', [2]), reply('c0', [0]), reply('c3', [3]), reply('c1', [1])];

test('Krum (default f = 1) returns a copy of the reply of lowest score', () => {
  const out = new Krum().aggregateFit(ctx(0), replies, []);

  assertClose(out.params, [1], 0, 'krum');
  assert.notEqual(out.params, replies[4].params);
  assert.deepEqual([out.metrics.kept, out.metrics.rejected, out.metrics.krumScore], [1, 4, 2]);
});

test('Krum refuses n ≤ 2f + 2 replies, with the rule and the hint', () => {
  const s = new Krum();
  assert.equal(s.minReplies(), 5);
  assert.throws(
    () => s.aggregateFit(ctx(0), replies.slice(0, 4), [{ clientId: 'c9', reason: 'timeout' }]),
    (err: unknown) => {
      assert.ok(err instanceof RoundRefusedError);
      assert.match(err.message, /^Krum with f=1 needs more than 2f\+2 = 4 replies, got 4; 1 sampled client\(s\) failed \(c9: timeout\)$/);
      assert.match(err.hint ?? '', /lower f .*raise the fraction of clients sampled, or lengthen the round deadline/);
      return true;
    },
  );
  assert.equal(new Krum({ byzantine: 3 }).minReplies(), 9);
});
