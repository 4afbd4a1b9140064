import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { FedProx } from './fedprox.js';
import { DP_SGD_CONFIG_OFF } from '../client/algorithms/options.js';
import { TRANSFORMS_CONFIG_OFF } from '../client/transforms/options.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (...global: number[]): RoundContext => ({ round: 1, global: f32(...global), numClients: 10 });
const reply = (clientId: string, params: number[], numExamples: number): FitReply => ({ clientId, params: f32(...params), numExamples, metrics: {}, extras: {} });

test('FedProx sends proximalMu (default 0.01) to its clients', () => {
  assert.deepEqual(new FedProx().configureFit(ctx(0)).config, { localEpochs: 1, batchSize: 32, proximalMu: 0.01, scaffold: false, ...DP_SGD_CONFIG_OFF, ...TRANSFORMS_CONFIG_OFF });
  assert.equal(new FedProx({ proximalMu: 0.1 }).configureFit(ctx(0)).config.proximalMu, 0.1);
});

test('FedProx aggregates as FedAvg', () => {
  // (2·0 + 2·4)/4 = 2 and (2·10 + 2·2)/4 = 6
  const out = new FedProx().aggregateFit(ctx(1, 1), [reply('a', [0, 10], 2), reply('b', [4, 2], 2)], []);
  assertClose(out.params, [2, 6], 1e-7, 'params');
});

test('FedProx refuses μ ≤ 0 (use FedAvg for no proximal term)', () => {
  assert.throws(() => new FedProx({ proximalMu: 0 }), errorLike(ConfigError, /^proximalMu: /));
});
