import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRefusedError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { MultiKrum } from './multikrum.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (...global: number[]): RoundContext => ({ round: 1, global: f32(...global), numClients: 10 });
const reply = (clientId: string, params: number[], numExamples = 1): FitReply => ({ clientId, params: f32(...params), numExamples, metrics: {}, extras: {} });

// Values by client c0..c4: 0, 1, 2, 3, 10; f = 1: scores 5, 2, 2, 5, 113 (see aggregate/krum.test.ts).
const replies = [reply('c4', [10]), reply('c2', [2]), reply('c0', [0], 50), reply('c3', [3]), reply('c1', [1])];

test('Multi-Krum keeps m = n − f replies by default and averages them uniformly', () => {
  const out = new MultiKrum().aggregateFit(ctx(0), replies, []);
  // keep 4: c1, c2, c0, c3 → (1 + 2 + 0 + 3)/4 = 1.5 (c0's 50 examples do not weigh more)
  assertClose(out.params, [1.5], 1e-7, 'multi-krum');
  assert.deepEqual([out.metrics.kept, out.metrics.rejected], [4, 1]);
});

test('Multi-Krum with m = 3', () => {
  // keep c1, c2, c0 → (1 + 2 + 0)/3 = 1
  assertClose(new MultiKrum({ keep: 3 }).aggregateFit(ctx(0), replies, []).params, [1], 1e-7, 'm = 3');
});

test('Multi-Krum needs max(2f + 3, m) replies', () => {
  assert.equal(new MultiKrum().minReplies(), 5);
  assert.equal(new MultiKrum({ keep: 10 }).minReplies(), 10);
  assert.throws(
    () => new MultiKrum({ keep: 10 }).aggregateFit(ctx(0), replies, []),
    errorLike(RoundRefusedError, /^Multi-Krum with f=1 and m=10 needs at least m = 10 replies, got 5$/),
  );
  assert.throws(() => new MultiKrum({ byzantine: 2 }).aggregateFit(ctx(0), replies, []), errorLike(RoundRefusedError, /Multi-Krum with f=2 needs more than 2f\+2 = 6 replies, got 5/));
});
