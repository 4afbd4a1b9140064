/** A small CNN (conv, pooling, batch norm, seeded dropout) trains on the wasm backend. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { makeDataset, type Dataset } from '../data/dataset.js';
import { independentObjective } from '../mutual/methods/independent.js';
import { selectBackend } from './backend.js';
import { datasetSource } from './batch.js';
import { evaluate } from './evaluate.js';
import { createMember } from './member.js';
import { buildModel, type ModelSpecInput } from './model-spec.js';
import { createOptimizer } from './optimizer.js';
import { createRng } from './random.js';
import { readParams } from './flat-params.js';
import { assertClose } from './testing.js';
import { train } from './trainer.js';

const SIZE = 8;

/** 8x8x1 images of noise in [0, 0.5); the left (class 0) or right (class 1) half is 0.4 brighter. */
function halves(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const features = new Float32Array(n * SIZE * SIZE);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.int(2);
    for (let r = 0; r < SIZE; r++) {
      for (let c = 0; c < SIZE; c++) {
        const bright = (c < SIZE / 2) === (labels[i] === 0);
        features[i * SIZE * SIZE + r * SIZE + c] = rng.next() * 0.5 + (bright ? 0.4 : 0);
      }
    }
  }
  return makeDataset({ features, sampleShape: [SIZE, SIZE, 1], labels, numClasses: 2 }, 'halves');
}

const CNN_SPEC: ModelSpecInput = {
  type: 'cnn',
  conv: [
    { filters: 4, pool: 'max' },
    { filters: 8, pool: 'avg' },
  ],
  dense: [8],
  batchNorm: true,
  dropout: 0.1,
};

function smallCnn(): tfl.LayersModel {
  return buildModel(CNN_SPEC, { inputShape: [SIZE, SIZE, 1], numClasses: 2, seed: 1, name: 'cnn' });
}

describe('a CNN on wasm', () => {
  before(async () => {
    assert.equal((await selectBackend('wasm')).name, 'wasm');
  });

  test('reduces the loss over 3 epochs without growing numTensors', async () => {
    const model = smallCnn();
    const classes = model.layers.map((l) => l.getClassName());
    for (const cls of ['Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'BatchNormalization', 'JointlySeededDropout']) {
      assert.ok(classes.includes(cls), `${cls} missing from ${classes.join(', ')}`);
    }
    const member = createMember({ name: 'cnn', model, optimizer: createOptimizer({ name: 'adam', learningRate: 0.01 }) });
    const data = datasetSource(halves(96, 1));
    const tensorsAtEpochEnd: number[] = [];
    const records = await train({
      members: [member],
      objective: independentObjective(),
      data,
      epochs: 3,
      batchSize: 16,
      seed: 1,
      onEpochEnd: () => {
        tensorsAtEpochEnd.push(tf.memory().numTensors);
      },
    });
    const losses = records.map((r) => r.losses['ce/cnn']);
    assert.ok(losses.every(Number.isFinite), `losses ${losses.join(', ')}`);
    assert.ok(losses[1] < losses[0] && losses[2] < losses[1], `losses ${losses.join(', ')}`);
    assert.ok(losses[2] < losses[0] * 0.6, `losses ${losses.join(', ')}`);
    // the optimizer's slots exist after the first step: nothing may grow after epoch 1
    assert.equal(tensorsAtEpochEnd.length, 3);
    assert.equal(tensorsAtEpochEnd[1], tensorsAtEpochEnd[0], `numTensors at epoch ends ${tensorsAtEpochEnd.join(', ')}`);
    assert.equal(tensorsAtEpochEnd[2], tensorsAtEpochEnd[0], `numTensors at epoch ends ${tensorsAtEpochEnd.join(', ')}`);
    // evaluation (inference mode) leaks nothing either
    evaluate({ members: [member], data: datasetSource(halves(40, 2)), batchSize: 16 });
    assert.equal(tf.memory().numTensors, tensorsAtEpochEnd[0]);
  });

  test('one epoch gives the same losses and weights as on cpu', async () => {
    const run = async (backend: 'cpu' | 'wasm'): Promise<{ losses: number[]; params: Float32Array }> => {
      await selectBackend(backend);
      const model = smallCnn();
      const member = createMember({ name: 'cnn', model, optimizer: createOptimizer({ name: 'sgd', learningRate: 0.05 }) });
      const losses: number[] = [];
      await train({
        members: [member],
        objective: independentObjective(),
        data: datasetSource(halves(48, 3)),
        epochs: 1,
        batchSize: 16,
        seed: 2,
        onProgress: (p) => losses.push(p.loss),
      });
      return { losses, params: readParams(model) };
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    assert.equal(wasm.losses.length, 3);
    assertClose(wasm.losses, cpu.losses, 1e-4, 'step losses');
    assertClose(wasm.params, cpu.params, 1e-4, 'weights after one epoch');
  });
});
