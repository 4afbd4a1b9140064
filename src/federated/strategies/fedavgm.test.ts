import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { FedAvgM } from './fedavgm.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (round: number, ...global: number[]): RoundContext => ({ round, global: f32(...global), numClients: 10 });
const reply = (clientId: string, params: number[], numExamples: number): FitReply => ({ clientId, params: f32(...params), numExamples, metrics: {}, extras: {} });

test('FedAvgM applies server momentum over two rounds (defaults η = 1, β = 0.9)', () => {
  const s = new FedAvgM();

  // Round 1: x = 1, a = (1·0 + 3·2)/4 = 1.5, g = x − a = −0.5, v = −0.5, x = 1 − (−0.5) = 1.5
  const r1 = s.aggregateFit(ctx(1, 1), [reply('a', [0], 1), reply('b', [2], 3)], []);
  // Round 2: x = 1.5, a = 2, g = −0.5, v = 0.9·(−0.5) − 0.5 = −0.95, x = 1.5 + 0.95 = 2.45
  const r2 = s.aggregateFit(ctx(2, 1.5), [reply('a', [2], 1), reply('b', [2], 1)], []);

  assertClose(r1.params, [1.5], 1e-7, 'round 1');
  assertClose(r2.params, [2.45], 1e-6, 'round 2');
  assertClose(s.getState().vectors.momentum, [-0.95], 1e-6, 'momentum state');
});

test('FedAvgM with a server learning rate of 0.5', () => {
  // a = 3, g = 1 − 3 = −2, v = −2, x = 1 − 0.5·(−2) = 2
  const out = new FedAvgM({ serverLearningRate: 0.5 }).aggregateFit(ctx(1, 1), [reply('a', [3], 1)], []);
  assertClose(out.params, [2], 1e-7, 'params');
});

test('FedAvgM state refuses unknown names and a momentum of the wrong length', () => {
  const s = new FedAvgM();
  assert.deepEqual(s.getState(), { scalars: {}, vectors: {} });
  assert.throws(() => s.setState({ scalars: {}, vectors: { velocity: f32(1) } }), errorLike(CheckpointError, /unknown vector 'velocity'/));
  s.setState({ scalars: {}, vectors: { momentum: f32(1, 2) } });
  assert.throws(() => s.aggregateFit(ctx(1, 0), [reply('a', [1], 1)], []), errorLike(CheckpointError, /'momentum' has 2 values but the model has 1 parameters/));
});
