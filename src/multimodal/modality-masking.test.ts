import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backend-registry.js';
import { fieldSource } from '../engine/batch.js';
import { checkMultimodalDataset, presenceField, type MultimodalDataset } from './modality.js';
import { missingTemplates, withModalityDropout, withoutModality } from './modality-masking.js';
import { prepareMultimodal } from './prepare.js';

before(async () => {
  await selectBackend('cpu');
});

function data(n: number): MultimodalDataset {
  return checkMultimodalDataset(
    {
      length: n,
      modalities: { a: { kind: 'image', values: new Float32Array(n * 2).fill(1), shape: [2] }, b: { kind: 'image', values: new Float32Array(n * 2).fill(2), shape: [2] } },
      labels: Int32Array.from({ length: n }, (_, i) => i % 2),
      numClasses: 2,
    },
    'test',
  );
}

test('withoutModality: the removed modality has presence 0 and zero features; the other is untouched', () => {
  const raw = data(4);
  const p = prepareMultimodal({ modalities: undefined }, raw, raw);
  const source = withoutModality(fieldSource(p.train), missingTemplates(p.modalities, raw), 'a');
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const batch = source.batch([0, 1, 2]);
    assert.deepEqual(Array.from(batch.inputs.a.dataSync()), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(batch.inputs[presenceField('a')].dataSync()), [0, 0, 0]);
    assert.deepEqual(Array.from(batch.inputs.b.dataSync()), [2, 2, 2, 2, 2, 2]);
    assert.deepEqual(Array.from(batch.inputs[presenceField('b')].dataSync()), [1, 1, 1]);
  });
  assert.equal(tf.memory().numTensors, before);
});

test('withModalityDropout: removes about `rate` of each modality, never both of a sample, reproducibly', () => {
  const raw = data(2000);
  const p = prepareMultimodal({ modalities: undefined }, raw, raw);
  const templates = missingTemplates(p.modalities, raw);
  const indices = Int32Array.from({ length: 2000 }, (_, i) => i);
  const read = (): { a: Float32Array; b: Float32Array } =>
    tf.tidy(() => {
      const batch = withModalityDropout(fieldSource(p.train), templates, 0.3, 7).batch(indices);
      return { a: batch.inputs[presenceField('a')].dataSync() as Float32Array, b: batch.inputs[presenceField('b')].dataSync() as Float32Array };
    });
  const { a, b } = read();
  let droppedA = 0;
  for (let i = 0; i < 2000; i++) {
    assert.ok(a[i] + b[i] >= 1, `sample ${i} lost both modalities`);
    droppedA += 1 - a[i];
  }
  // P(drop a) = 0.3 minus the half of the 0.09 both-dropped cases where a is the one kept: 0.3 - 0.045.
  assert.ok(Math.abs(droppedA / 2000 - 0.255) < 0.035, `dropped ${droppedA / 2000}`);
  assert.deepEqual(read(), { a, b });
});
