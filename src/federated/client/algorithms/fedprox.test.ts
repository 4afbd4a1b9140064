import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../engine/backend-registry.js';
import { parseClientTrainConfig } from '../../client-config.js';
import type { TrainableSlice } from './algorithm.js';
import { fedproxAlgorithm } from './fedprox.js';

before(async () => {
  await selectBackend('cpu');
});

test('the server half sends μ under proximalMu, and 0 when off', () => {
  const server = fedproxAlgorithm.server({ name: 'fedprox', proximalMu: 0.1 }, { strategy: 's' });
  assert.deepEqual(server.config(), { proximalMu: 0.1 });
  assert.deepEqual(fedproxAlgorithm.configOff, { proximalMu: 0 });
  assert.equal(server.title, 'FedProx clients (μ=0.1)');
  const ctx = { round: 1, global: new Float32Array(2), numClients: 2 };
  assert.deepEqual([server.extras(ctx), server.replyExtras(ctx)], [{}, {}]);
});

test('the client half adds (μ/2)·‖w − x‖² over the trainable weights, and frees its tensors', () => {
  // Two trainable slices at offsets 0 and 3 of a 5-value vector: w = (1, 2, 3 | 4, 5), x = (0, 0, 0 | 4, 7).
  const a = tf.variable(tf.tensor([1, 2, 3], [3]));
  const b = tf.variable(tf.tensor([4, 5], [2]));
  const trainable: TrainableSlice[] = [
    { variable: a, offset: 0, size: 3, shape: [3] },
    { variable: b, offset: 3, size: 2, shape: [2] },
  ];
  const config = parseClientTrainConfig({ localEpochs: 1, batchSize: 1, proximalMu: 0.5 });
  const tensors = tf.memory().numTensors;

  assert.equal(fedproxAlgorithm.client.active(config), true);
  const round = fedproxAlgorithm.client.begin({ clientId: 'c', config, global: Float32Array.from([0, 0, 0, 4, 7]), extras: {}, state: {}, trainable, paramCount: 5, learningRate: 0.1, steps: 1 });
  const proximal = tf.tidy(() => round.losses?.().proximal.dataSync()[0]);
  const end = round.finish(Float32Array.from([1, 2, 3, 4, 5]));
  round.dispose();

  // ‖w − x‖² = 1 + 4 + 9 + 0 + 4 = 18; (0.5/2)·18 = 4.5
  assert.ok(proximal !== undefined && Math.abs(proximal - 4.5) < 1e-6, `proximal ${proximal}`);
  assert.deepEqual(end, { extras: {}, state: {} });
  assert.equal(tf.memory().numTensors, tensors, 'no tensors left behind');
  a.dispose();
  b.dispose();
});
