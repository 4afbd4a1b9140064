import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { FedTrimmedAvg } from './fedtrimmedavg.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (...global: number[]): RoundContext => ({ round: 1, global: f32(...global), numClients: 10 });
const reply = (clientId: string, params: number[]): FitReply => ({ clientId, params: f32(...params), numExamples: 1, metrics: {}, extras: {} });

test('FedTrimmedAvg (default β = 0.2) drops the extreme value at each end of every coordinate', () => {
  const replies = [reply('a', [1, 50]), reply('b', [100, 40]), reply('c', [3, 30]), reply('d', [2, -1000]), reply('e', [4, 20])];

  const out = new FedTrimmedAvg().aggregateFit(ctx(0, 0), replies, []);

  // ⌊0.2·5⌋ = 1 per end: (2 + 3 + 4)/3 = 3 and (20 + 30 + 40)/3 = 30
  assertClose(out.params, [3, 30], 1e-7, 'trimmed');
  assert.equal(out.metrics.trimmedPerEnd, 1);
});

test('FedTrimmedAvg refuses β ≥ 0.5', () => {
  assert.throws(() => new FedTrimmedAvg({ beta: 0.5 }), errorLike(ConfigError, /^beta: /));
});
