import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { makeDataset } from '../data/dataset.js';
import { makeFieldDataset, selectFieldRows } from '../data/fields.js';
import { errorLike } from './testing.js';
import { DataMalformedError } from '../errors.js';
import { selectBackend } from './backend-registry.js';
import { datasetSource, fieldSource, type Batch } from './batch.js';

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

/** Every tensor of a batch (inputs, targets, masks) as plain values, in order. */
function readBatch(b: Batch): number[][] {
  return [...Object.values(b.inputs), ...Object.values(b.targets), ...Object.values(b.masks ?? {})].map((t) => Array.from(t.dataSync()));
}

test('reuseArrays: every batch has the values of a fresh one; a batch of the same size is built on the previous one\'s arrays', () => {
  const fresh = fieldSource(ds);
  const reusing = fieldSource(ds, { reuseArrays: true });
  const orders = [[2, 0], [1, 2], [0], [2, 1, 0], [0, 1]];
  const arrays: unknown[] = [];
  for (const order of orders) {
    const [want, got] = tf.tidy(() => {
      const r = reusing.batch(order);
      arrays.push(r.inputs.image.dataSync());
      return [readBatch(fresh.batch(order)), readBatch(r)];
    });
    assert.deepEqual(got, want, `batch [${order.join(', ')}]`);
  }
  // Same size (2): the same array under the image input, also after batches of other sizes; another size: another array.
  assert.equal(arrays[0], arrays[1]);
  assert.notEqual(arrays[1], arrays[2]);
  assert.notEqual(arrays[2], arrays[3]);
  assert.equal(arrays[0], arrays[4]);
});

test('reuseTensors: every batch has the values of a fresh one, on the same tensors for batches of the same size, which the source frees', () => {
  const start = tf.memory().numTensors;
  const fresh = fieldSource(ds);
  const reusing = fieldSource(ds, { reuseTensors: true });
  const orders = [[2, 0], [1, 2], [0], [2, 1, 0], [0, 1]];
  const images: tf.Tensor[] = [];
  const digits: tf.Tensor[] = [];
  for (const order of orders) {
    const [want, got] = tf.tidy(() => {
      const r = reusing.batch(order);
      images.push(r.inputs.image);
      digits.push(r.targets.digit);
      return [readBatch(fresh.batch(order)), readBatch(r)];
    });
    assert.deepEqual(got, want, `batch [${order.join(', ')}]`);
  }
  // Size 2 thrice, on the same tensors (the tidy of each step left them alone); other sizes: their own.
  assert.equal(images[0], images[1]);
  assert.equal(images[0], images[4]);
  assert.equal(digits[1], digits[4]);
  assert.notEqual(images[2], images[0]);
  assert.notEqual(images[3], images[0]);
  assert.ok(images.every((t) => !t.isDisposed), 'the source keeps them');
  const kept = new Set(images).size + new Set(digits).size;
  // image, text, digit, spam, tags, age for sizes 1, 2 and 3 (the masks are made per batch, and freed by the tidy).
  assert.equal(tf.memory().numTensors - start, 6 * 3);
  assert.equal(kept, 6);

  reusing.dispose?.();

  assert.ok(images.every((t) => t.isDisposed), 'dispose frees them');
  assert.equal(tf.memory().numTensors, start);
});

test('reuseTensors: a batch tensor the caller disposed is made anew, with the new batch\'s values', () => {
  const reusing = fieldSource(ds, { reuseTensors: true });
  const first = reusing.batch([2, 0]);
  tf.dispose([...Object.values(first.inputs), ...Object.values(first.targets), ...Object.values(first.masks ?? {})]);

  const second = reusing.batch([1, 2]);

  assert.notEqual(second.inputs.image, first.inputs.image);
  assert.deepEqual(Array.from(second.inputs.image.dataSync()), [2, 3, 4, 5]);
  reusing.dispose?.();
  tf.dispose(Object.values(second.masks ?? {}));
});

test('without reuseArrays, a batch kept past the next keeps its values', () => {
  const source = fieldSource(ds);
  const first = source.batch([2, 0]);
  const second = source.batch([1, 2]);
  assert.deepEqual(Array.from(first.inputs.image.dataSync()), [4, 5, 0, 1]);
  assert.notEqual(first.inputs.image.dataSync(), second.inputs.image.dataSync());
  tf.dispose([first.inputs, first.targets, second.inputs, second.targets, first.masks ?? {}, second.masks ?? {}].flatMap((r) => Object.values(r)));
});

test('rows: a source over some rows of a dataset builds the batches of a copy of those rows; a row outside it is refused', () => {
  const rows = Int32Array.from([2, 0]);
  const inPlace = fieldSource(ds, { rows });
  const copy = fieldSource(makeFieldDataset(Object.fromEntries(Object.entries(ds.fields).map(([k, f]) => [k, selectFieldRows(f, rows)])), 'copy'));

  const [got, want] = tf.tidy(() => [readBatch(inPlace.batch([1, 0])), readBatch(copy.batch([1, 0]))]);

  assert.equal(inPlace.length, 2);
  assert.deepEqual(got, want);
  assert.throws(() => fieldSource(ds, { rows: Int32Array.from([0, 3]) }), (e: unknown) => errorLike(DataMalformedError, /row 3 \(entry 1 of the source's rows\) is not a sample of a dataset of 3 samples/)(e) && (e as DataMalformedError).hint === 'give rows from 0 to 2');
});
