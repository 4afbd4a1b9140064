import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { makeDataset } from '../data/dataset.js';
import { makeFieldDataset } from '../data/fields.js';
import { selectBackend } from './backend-registry.js';
import { datasetSource, fieldSource } from './batch.js';

before(async () => {
  await selectBackend('cpu');
});

const ds = makeFieldDataset(
  {
    image: { kind: 'float', values: Float32Array.from({ length: 3 * 2 }, (_, i) => i), shape: [2, 1] },
    text: { kind: 'tokens', ids: Int32Array.from([3, 1, 2, 0, 4, 4]), maxLength: 2, lengths: Int32Array.from([2, 1, 2]), vocabSize: 5 },
    digit: { kind: 'classes', labels: Int32Array.from([2, 0, 1]), numClasses: 3, mask: Uint8Array.from([1, 0, 1]) },
    spam: { kind: 'binary', values: Float32Array.from([1, 0, 1]) },
    tags: { kind: 'multilabel', values: Float32Array.from([1, 0, 0, 1, 1, 1]), width: 2 },
    age: { kind: 'regression', values: Float32Array.from([30, NaN, 45]), width: 1, mask: Uint8Array.from([1, 0, 1]) },
  },
  'many',
);

test('fieldSource: a batch carries every field with its dtype and shape; token lengths and label masks ride along', () => {
  const source = fieldSource(ds);
  assert.equal(source.length, 3);
  assert.deepEqual(Object.keys(source.fields ?? {}), ['image', 'text', 'digit', 'spam', 'tags', 'age']);
  const out = tf.tidy(() => {
    const b = source.batch([2, 0]);
    const read = (t: tf.Tensor): { dtype: string; shape: number[]; values: number[] } => ({ dtype: t.dtype, shape: t.shape, values: Array.from(t.dataSync()) });
    return {
      size: b.size,
      inputs: Object.keys(b.inputs),
      targets: Object.keys(b.targets),
      image: read(b.inputs.image),
      text: read(b.inputs.text),
      lengths: Array.from(b.lengths?.text ?? []),
      digit: read(b.targets.digit),
      digitLabels: Array.from(b.labels.digit),
      spam: read(b.targets.spam),
      tags: read(b.targets.tags),
      age: read(b.targets.age),
      masks: Object.fromEntries(Object.entries(b.masks ?? {}).map(([k, m]) => [k, Array.from(m.dataSync())])),
    };
  });
  assert.equal(out.size, 2);
  assert.deepEqual(out.inputs, ['image', 'text']);
  assert.deepEqual(out.targets, ['digit', 'spam', 'tags', 'age']);
  assert.deepEqual(out.image, { dtype: 'float32', shape: [2, 2, 1], values: [4, 5, 0, 1] });
  assert.deepEqual(out.text, { dtype: 'int32', shape: [2, 2], values: [4, 4, 3, 1] });
  assert.deepEqual(out.lengths, [2, 2]);
  assert.deepEqual(out.digit, { dtype: 'float32', shape: [2, 3], values: [0, 1, 0, 0, 0, 1] });
  assert.deepEqual(out.digitLabels, [1, 2]);
  assert.deepEqual(out.spam, { dtype: 'float32', shape: [2, 1], values: [1, 1] });
  assert.deepEqual(out.tags, { dtype: 'float32', shape: [2, 2], values: [1, 1, 1, 0] });
  assert.deepEqual(out.age.values, [45, 30]);
  assert.deepEqual(out.masks, { digit: [1, 1], age: [1, 1] });
});

test('fieldSource: an unlabelled sample has an all-zero one-hot row and a zero (not NaN) value', () => {
  const out = tf.tidy(() => {
    const b = fieldSource(ds).batch([1]);
    return { digit: Array.from(b.targets.digit.dataSync()), age: Array.from(b.targets.age.dataSync()), digitMask: Array.from(b.masks?.digit.dataSync() ?? []), ageMask: Array.from(b.masks?.age.dataSync() ?? []) };
  });
  assert.deepEqual(out, { digit: [0, 0, 0], age: [0], digitMask: [0], ageMask: [0] });
});

test('datasetSource is the one-field case: input x, one-hot head y, class ids on the JS side', () => {
  const classic = makeDataset({ features: Float32Array.from([1, 2, 3, 4]), sampleShape: [2], labels: Int32Array.from([1, 0]), numClasses: 2 }, 'classic');
  const source = datasetSource(classic, { head: 'digit' });
  assert.deepEqual(source.fields, { x: { kind: 'float', shape: [2], masked: false }, digit: { kind: 'classes', numClasses: 2, masked: false } });
  const out = tf.tidy(() => {
    const b = source.batch([1, 0]);
    return { x: Array.from(b.inputs.x.dataSync()), y: Array.from(b.targets.digit.dataSync()), labels: Array.from(b.labels.digit), masks: Object.keys(b.masks ?? {}) };
  });
  assert.deepEqual(out, { x: [3, 4, 1, 2], y: [1, 0, 0, 1], labels: [0, 1], masks: [] });
});
