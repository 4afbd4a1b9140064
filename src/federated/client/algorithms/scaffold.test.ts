import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, ShapeMismatchError } from '../../../errors.js';
import { selectBackend } from '../../../engine/backend-registry.js';
import { assertClose, errorLike } from '../../../engine/testing.js';
import { controlVariateStep } from '../../aggregate/scaffold.js';
import { parseClientTrainConfig } from '../../client-config.js';
import type { FitReply, RoundContext } from '../../strategy.js';
import type { TrainableSlice } from './algorithm.js';
import { scaffoldAlgorithm } from './scaffold.js';

before(async () => {
  await selectBackend('cpu');
});

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const ctx = (numClients: number, ...global: number[]): RoundContext => ({ round: 1, global: f32(...global), numClients });
const reply = (clientId: string, controlDelta: number[]): FitReply => ({ clientId, params: f32(0, 0), numExamples: 1, metrics: {}, extras: { controlDelta: f32(...controlDelta) } });

test('the server half sends c (zeros at first), expects Δcᵢ of the model\'s length, and steps c by |S|/N', () => {
  const server = scaffoldAlgorithm.server({ name: 'scaffold' }, { strategy: 'scaffold' });
  const c = ctx(4, 1, 1);

  assert.deepEqual(server.config(), { scaffold: true });
  assert.deepEqual(Array.from(server.extras(c).serverControl), [0, 0]);
  assert.deepEqual(server.replyExtras(c), { controlDelta: 2 });
  const replies = [reply('a', [1, 1]), reply('b', [3, -1])];
  const update = server.update(c, replies);
  assert.deepEqual(Array.from(server.extras(c).serverControl), [0, 0], 'c unchanged until commit');
  update.commit();

  // c = (2/4)·mean((1, 1), (3, −1)) = (1, 0)
  const expected = controlVariateStep({ control: new Float32Array(2), controlDeltas: replies.map((r) => r.extras.controlDelta), numClients: 4 });
  assert.deepEqual(server.getState().vectors.serverControl, expected);
  assertClose(expected, [1, 0], 1e-7, 'c');
  assert.equal(update.metrics.controlNorm, 1);
});

test('the server half uses N = |S| when told fewer clients than replies, and checks its state\'s length', () => {
  const server = scaffoldAlgorithm.server({ name: 'scaffold' }, { strategy: 'scaffold' });
  server.update(ctx(1, 0), [reply('a', [1]), reply('b', [3])]).commit();
  assertClose(server.getState().vectors.serverControl, [2], 1e-7, 'c = (2/2)·2');
  server.setState({ scalars: {}, vectors: { serverControl: f32(1, 2, 3) } });
  assert.throws(() => server.extras(ctx(1, 0)), errorLike(CheckpointError, /'serverControl' has 3 values but the model has 1 parameters/));
});

test('the client half corrects every step by lr·(c − cᵢ) and returns Δcᵢ and cᵢ⁺ (option II)', () => {
  const w = tf.variable(tf.tensor([1, 1], [2]));
  const trainable: TrainableSlice[] = [{ variable: w, offset: 0, size: 2, shape: [2] }];
  const config = parseClientTrainConfig({ localEpochs: 1, batchSize: 1, scaffold: true });
  const x = f32(1, 1);
  const c = f32(0.5, -1);
  const ci = f32(0.25, 0);
  const tensors = tf.memory().numTensors;

  const round = scaffoldAlgorithm.client.begin({ clientId: 'k', config, global: x, extras: { serverControl: c }, state: { control: ci }, trainable, paramCount: 2, learningRate: 0.1, steps: 2 });
  round.afterStep?.();
  round.afterStep?.();
  const y = f32(...w.dataSync());
  const end = round.finish(y);
  round.dispose();

  // Two corrections of 0.1·(0.25, −1): y = (1 − 0.05, 1 + 0.2); cᵢ⁺ = cᵢ − c + (x − y)/(2·0.1)
  assertClose(y, [0.95, 1.2], 1e-6, 'y');
  const next = [0.25 - 0.5 + 0.05 / 0.2, 0 + 1 - 0.2 / 0.2];
  assertClose(end.state.control, next, 1e-6, 'cᵢ⁺');
  assertClose(end.extras.controlDelta, [next[0] - 0.25, next[1] - 0], 1e-6, 'Δcᵢ');
  assert.equal(tf.memory().numTensors, tensors + 0, 'only the variable remains');
  w.dispose();
});

test('the client half refuses a round without c, or with vectors of another length', () => {
  const config = parseClientTrainConfig({ localEpochs: 1, batchSize: 1, scaffold: true });
  const base = { clientId: 'k', config, global: f32(0, 0), state: {}, trainable: [], paramCount: 2, learningRate: 0.1, steps: 1 };
  assert.throws(() => scaffoldAlgorithm.client.begin({ ...base, extras: {} }), errorLike(ShapeMismatchError, /without the 'serverControl' vector/));
  assert.throws(() => scaffoldAlgorithm.client.begin({ ...base, extras: { serverControl: f32(1) } }), errorLike(ShapeMismatchError, /serverControl have 1 values/));
  assert.throws(() => scaffoldAlgorithm.client.begin({ ...base, extras: { serverControl: f32(1, 1) }, state: { control: f32(1) } }), errorLike(ShapeMismatchError, /client control variate/));
});
