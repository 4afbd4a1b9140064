import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { DataMalformedError } from '../errors.js';
import { errorLike } from '../engine/testing.js';
import { makeDataset } from './dataset.js';
import { describeFields, labelledCount, makeFieldDataset, selectRows, strata, targetWidth, toFields, type Field, type FieldDataset } from './fields.js';
import { shareFields } from './share-fields.js';
import { splitFields } from './split.js';

/** Six samples: an image-like float input, tokens, a class target with two missing labels, a regression target. */
function sample(): FieldDataset {
  return makeFieldDataset(
    {
      image: { kind: 'float', values: Float32Array.from({ length: 6 * 4 }, (_, i) => i / 10), shape: [2, 2, 1] },
      text: { kind: 'tokens', ids: Int32Array.from([5, 6, 0, 7, 0, 0, 1, 2, 3, 4, 0, 0, 9, 9, 9, 0, 0, 0]), maxLength: 3, lengths: Int32Array.from([2, 1, 3, 1, 3, 0]), vocabSize: 10 },
      label: { kind: 'classes', labels: Int32Array.from([0, 1, 2, 0, 9, 1]), numClasses: 3, mask: Uint8Array.from([1, 1, 1, 1, 0, 0]) },
      age: { kind: 'regression', values: Float32Array.from([1, 2, 3, 4, 5, NaN]), width: 1, mask: Uint8Array.from([1, 1, 1, 1, 1, 0]) },
    },
    'sample',
  );
}

test('makeFieldDataset: fields of equal length make a dataset; a masked label may hold anything', () => {
  const ds = sample();
  assert.equal(ds.length, 6);
  assert.deepEqual(describeFields(ds), {
    image: { kind: 'float', shape: [2, 2, 1], masked: false },
    text: { kind: 'tokens', maxLength: 3, vocabSize: 10, masked: false },
    label: { kind: 'classes', numClasses: 3, masked: true },
    age: { kind: 'regression', width: 1, masked: true },
  });
  assert.equal(labelledCount(ds.fields.label as Extract<Field, { kind: 'classes' }>, ds.length), 4);
  assert.equal(targetWidth(ds.fields.label), 3);
  assert.equal(targetWidth(ds.fields.image), undefined);
});

test('makeFieldDataset names the field and the sample of every inconsistency', () => {
  const base = sample().fields;
  const cases: [Record<string, Field>, RegExp][] = [
    [{}, /at least one field/],
    [{ ...base, age: { kind: 'regression', values: new Float32Array(5), width: 1 } }, /field 'age' has 5 samples but field 'image' has 6/],
    [{ ...base, label: { kind: 'classes', labels: Int32Array.from([0, 1, 2, 0, 3, 1]), numClasses: 3 } }, /field 'label': label 3 of sample 4 is outside \[0, 3\)/],
    [{ ...base, label: { kind: 'classes', labels: new Int32Array(6), numClasses: 3, mask: new Uint8Array(6).fill(2) } }, /mask entry 0 is 2/],
    [{ ...base, age: { kind: 'regression', values: Float32Array.from([1, 2, 3, NaN, 5, 6]), width: 1 } }, /value NaN of sample 3 is not finite/],
    [{ ...base, text: { kind: 'tokens', ids: new Int32Array(18).fill(1), maxLength: 3, lengths: new Int32Array(6).fill(2), vocabSize: 10 } }, /token id 1 at position 2, after its length 2/],
    [{ ...base, text: { kind: 'tokens', ids: new Int32Array(18).fill(10), maxLength: 3, lengths: new Int32Array(6).fill(3), vocabSize: 10 } }, /token id 10 of sample 0 is outside \[0, 10\)/],
    [{ ...base, flags: { kind: 'multilabel', values: new Float32Array(12).fill(0.5), width: 2 } }, /value 0.5 of sample 0 is not 0 or 1/],
    [{ ...base, image: { kind: 'float', values: Float32Array.from({ length: 24 }, (_, i) => (i === 9 ? Infinity : 0)), shape: [2, 2, 1] } }, /field 'image': value 1 of sample 2 is Infinity/],
    [{ image: { kind: 'float', values: new Float32Array(25), shape: [2, 2, 1] } }, /not a whole number of samples/],
  ];
  for (const [fields, pattern] of cases) assert.throws(() => makeFieldDataset(fields, 'bad'), errorLike(DataMalformedError, /^bad: /, pattern));
});

test('toFields views a classification dataset as input x and class target y, without copying', () => {
  const ds = makeDataset({ features: Float32Array.from([1, 2, 3, 4, 5, 6]), sampleShape: [2], labels: Int32Array.from([0, 1, 0]), numClasses: 2, classNames: ['a', 'b'] }, 'tiny');
  const fields = toFields(ds);
  assert.equal(fields.length, 3);
  assert.equal((fields.fields.x as Extract<Field, { kind: 'float' }>).values, ds.features);
  assert.deepEqual(describeFields(fields).y, { kind: 'classes', numClasses: 2, classNames: ['a', 'b'], masked: false });
  assert.deepEqual(Object.keys(toFields(ds, { input: 'pixels', target: 'digit' }).fields), ['pixels', 'digit']);
  assert.throws(() => toFields(ds, { input: 'z', target: 'z' }), /cannot both be named 'z'/);
});

test('selectRows copies the chosen samples of every field, masks included, in order', () => {
  const ds = sample();
  const picked = selectRows(ds, [4, 0]);
  assert.equal(picked.length, 2);
  const f = picked.fields;
  assert.deepEqual(Array.from((f.image as Extract<Field, { kind: 'float' }>).values), [1.6, 1.7, 1.8, 1.9, 0, 0.1, 0.2, 0.3].map(Math.fround));
  const text = f.text as Extract<Field, { kind: 'tokens' }>;
  assert.deepEqual(Array.from(text.ids), [9, 9, 9, 5, 6, 0]);
  assert.deepEqual(Array.from(text.lengths), [3, 2]);
  const label = f.label as Extract<Field, { kind: 'classes' }>;
  assert.deepEqual(Array.from(label.labels), [9, 0]);
  assert.deepEqual(Array.from(label.mask ?? []), [0, 1]);
});

test('strata puts unlabelled samples in a group of their own; only classes and binary targets stratify', () => {
  const ds = sample();
  assert.deepEqual(strata(ds, 'label'), { groups: Int32Array.from([0, 1, 2, 0, 3, 3]), count: 4 });
  assert.throws(() => strata(ds, 'age'), errorLike(DataMalformedError, /cannot stratify on 'age': it is a regression field/));
  assert.throws(() => strata(ds, 'nope'), errorLike(DataMalformedError, /no such field \(fields: image, text, label, age\)/));
});

test('splitFields stratified on a target splits every class and the unlabelled samples in proportion, seeded', () => {
  const n = 200;
  // 90% unlabelled; the 20 labelled samples (every tenth) have 5 of each of 4 classes
  const labels = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 10) % 4);
  const mask = Uint8Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0));
  const ds = makeFieldDataset(
    { x: { kind: 'float', values: Float32Array.from({ length: n }, (_, i) => i), shape: [1] }, y: { kind: 'classes', labels, numClasses: 4, mask } },
    'tasks',
  );
  const [a, b] = splitFields(ds, { fraction: 0.25, seed: 3, stratify: 'y' });
  assert.equal(a.length + b.length, n);
  // per group: round(5 · 0.25) = 1 of each class, round(180 · 0.25) = 45 unlabelled
  assert.equal(b.length, 49);
  const ids = (part: FieldDataset): number[] => Array.from((part.fields.x as Extract<Field, { kind: 'float' }>).values);
  assert.equal(new Set([...ids(a), ...ids(b)]).size, n, 'disjoint and complete');
  const labelled = (part: FieldDataset): number => labelledCount(part.fields.y as Extract<Field, { kind: 'classes' }>, part.length);
  assert.equal(labelled(b), 4, 'one labelled sample of each class');
  assert.deepEqual(new Set(Array.from((b.fields.y as Extract<Field, { kind: 'classes' }>).labels).filter((_, i) => (b.fields.y as Extract<Field, { kind: 'classes' }>).mask?.[i] === 1)), new Set([0, 1, 2, 3]));
  assert.deepEqual(ids(splitFields(ds, { fraction: 0.25, seed: 3, stratify: 'y' })[1]), ids(b), 'seeded');
  assert.notDeepEqual(ids(splitFields(ds, { fraction: 0.25, seed: 4, stratify: 'y' })[1]), ids(b));
  const [, plain] = splitFields(ds, { fraction: 0.25, seed: 3 });
  assert.equal(plain.length, 50);
});

test('shareFields puts every array in shared memory once; a worker thread reads and writes the same bytes', async () => {
  const ds = shareFields(sample());
  for (const field of Object.values(ds.fields)) {
    for (const value of Object.values(field)) {
      if (ArrayBuffer.isView(value)) assert.ok(value.buffer instanceof SharedArrayBuffer);
    }
  }
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const age = workerData.fields.age.values;
     parentPort.postMessage(age[2]);
     age[2] = 42;
     parentPort.postMessage('done');`,
    { eval: true, workerData: ds },
  );
  const messages: unknown[] = [];
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m) => {
      messages.push(m);
      if (m === 'done') resolve();
    });
    worker.on('error', reject);
  });
  await worker.terminate();
  assert.equal(messages[0], 3);
  assert.equal((ds.fields.age as Extract<Field, { kind: 'regression' }>).values[2], 42, 'the worker wrote into the same memory');
});
