import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRefusedError } from '../../errors.js';
import { assertClose } from '../../engine/testing.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { Bulyan } from './bulyan.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (...global: number[]): RoundContext => ({ round: 1, global: f32(...global), numClients: 20 });
const reply = (clientId: string, params: number[]): FitReply => ({ clientId, params: f32(...params), numExamples: 1, metrics: {}, extras: {} });

test('Bulyan (default f = 1) on seven replies', () => {
  // Values by client c0..c6: 0, 1, 2, 3, 4, 5, 100. θ = 5, β = 3. Repeated Krum keeps c2, c3, c1, c4, c0
  // (see aggregate/bulyan.test.ts); their median is 2 and the three closest values 1, 2, 3 → 2.
  const replies = [100, 5, 4, 3, 2, 1, 0].map((x) => reply(`c${x === 100 ? 6 : x}`, [x]));

  const out = new Bulyan().aggregateFit(ctx(0), replies, []);

  assertClose(out.params, [2], 1e-7, 'bulyan');
  assert.deepEqual([out.metrics.kept, out.metrics.rejected, out.metrics.averagedPerCoordinate], [5, 2, 3]);
});

test('Bulyan refuses fewer than 4f + 3 replies, with the rule and the hint', () => {
  const s = new Bulyan({ byzantine: 2 });
  const replies = Array.from({ length: 9 }, (_, i) => reply(`c${i}`, [i]));
  assert.equal(s.minReplies(), 11);
  assert.throws(
    () => s.aggregateFit(ctx(0), replies, []),
    (err: unknown) => {
      assert.ok(err instanceof RoundRefusedError);
      assert.equal(err.message, 'Bulyan with f=2 needs at least 4f+3 = 11 replies, got 9');
      assert.equal(err.hint, 'lower f (the byzantine option), raise the fraction of clients sampled, or lengthen the round deadline');
      return true;
    },
  );
});
