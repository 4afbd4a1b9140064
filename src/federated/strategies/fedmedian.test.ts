import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../engine/testing.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { FedMedian } from './fedmedian.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (...global: number[]): RoundContext => ({ round: 1, global: f32(...global), numClients: 10 });
const reply = (clientId: string, params: number[], numExamples = 1): FitReply => ({ clientId, params: f32(...params), numExamples, metrics: {}, extras: {} });

test('FedMedian is the unweighted coordinate-wise median', () => {
  // coordinate 0: 1, 3, 500 → 3; coordinate 1: −2, 0, 4 → 0 (example counts are ignored)
  const out = new FedMedian().aggregateFit(ctx(0, 0), [reply('a', [1, 4], 100), reply('b', [500, -2]), reply('c', [3, 0])], []);
  assertClose(out.params, [3, 0], 0, 'median');
  assert.equal(new FedMedian().minReplies(), 1);
});
