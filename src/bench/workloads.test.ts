import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backend.js';
import { createRng } from '../engine/random.js';
import { disposeBatch, makeBatch, REFERENCE_MODELS, type ReferenceModel } from './workloads.js';

before(async () => {
  await selectBackend('cpu');
});

/** A small stand-in for the reference models (the batch does not depend on the model). */
const SMALL: ReferenceModel = { ...REFERENCE_MODELS[1], inputShape: [4, 3, 1], numClasses: 5, batchSize: 6 };

test('makeBatch is the seeded uniform inputs, then the seeded labels, one-hot, as the bench always measured', () => {
  const rng = createRng(42);
  const x = Float32Array.from({ length: 6 * 12 }, () => rng.next());
  const labels = Int32Array.from({ length: 6 }, () => rng.int(5));

  const batch = makeBatch(SMALL, 42);

  try {
    assert.equal(batch.size, 6);
    assert.deepEqual(Object.keys(batch.inputs), ['x']);
    assert.deepEqual(batch.inputs.x.shape, [6, 4, 3, 1]);
    assert.equal(batch.inputs.x.dtype, 'float32');
    assert.deepEqual(batch.inputs.x.dataSync(), x);
    assert.deepEqual(batch.labels.y, labels);
    assert.deepEqual(batch.targets.y.shape, [6, 5]);
    assert.equal(batch.targets.y.dtype, 'float32');
    const oneHot = Array.from(labels).flatMap((l) => Array.from({ length: 5 }, (_, k) => (k === l ? 1 : 0)));
    assert.deepEqual(Array.from(batch.targets.y.dataSync()), oneHot);
  } finally {
    disposeBatch(batch);
  }
});

test('makeBatch leaves only the batch tensors, and disposeBatch frees them', () => {
  const before = tf.memory().numTensors;

  const batch = makeBatch(REFERENCE_MODELS[0], 7);
  const held = tf.memory().numTensors - before;
  disposeBatch(batch);

  assert.equal(held, 2, 'inputs and targets');
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(batch.inputs.x.shape, [128, 784]);
});
