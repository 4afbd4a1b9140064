import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataMalformedError } from '../errors.js';
import { checkMultimodalDataset, presenceField, type MultimodalDataset } from './modality.js';
import { prepareMultimodal } from './prepare.js';
import type { MultimodalConfig } from './config.js';

/** n samples with two image modalities of shape [2] and [3]; `b` missing on odd samples. */
function data(n: number, withMissing = false): MultimodalDataset {
  const a = Float32Array.from({ length: n * 2 }, (_, i) => i + 1);
  const b = Float32Array.from({ length: n * 3 }, (_, i) => -(i + 1));
  return checkMultimodalDataset(
    {
      length: n,
      modalities: { a: { kind: 'image', values: a, shape: [2] }, b: { kind: 'image', values: b, shape: [3] } },
      ...(withMissing ? { present: { b: Uint8Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0)) } } : {}),
      labels: Int32Array.from({ length: n }, (_, i) => i % 2),
      numClasses: 2,
      classNames: ['even', 'odd'],
    },
    'test data',
  );
}

test('prepareMultimodal: every modality becomes its fields plus a presence field, and the labels the label target', () => {
  const p = prepareMultimodal({ modalities: undefined }, data(4, true), data(2));
  assert.deepEqual(p.modalities.map((m) => [m.name, m.kind, m.encoder.type, m.preprocessor.name]), [
    ['a', 'image', 'mlp', 'image'],
    ['b', 'image', 'mlp', 'image'],
  ]);
  const b = p.train.fields.b;
  assert.equal(b.kind, 'float');
  if (b.kind !== 'float') return;
  // Sample 1 lacks b: its values are zeros, whatever the data held.
  assert.deepEqual(Array.from(b.values.subarray(3, 6)), [0, 0, 0]);
  assert.deepEqual(Array.from(b.values.subarray(0, 3)), [-1, -2, -3]);
  const present = p.train.fields[presenceField('b')];
  assert.ok(present.kind === 'float');
  if (present.kind === 'float') assert.deepEqual(Array.from(present.values), [1, 0, 1, 0]);
  const label = p.test.fields.label;
  assert.ok(label.kind === 'classes' && label.numClasses === 2 && label.mask === undefined);
  assert.deepEqual(p.classNames, ['even', 'odd']);
});

test('prepareMultimodal: a modality named in the config but absent from the data is a ConfigError naming it and the data\'s modalities', () => {
  assert.throws(
    () => prepareMultimodal({ modalities: { a: {}, image: {} } }, data(4), data(2)),
    (err: unknown) => err instanceof ConfigError && /modality 'image'.*no such modality.*a, b/.test(err.message),
  );
});

test('prepareMultimodal: an unknown encoder is refused with the fix', () => {
  assert.throws(
    // Past the schema (which would refuse the name first), prepare checks again.
    () => prepareMultimodal({ modalities: { a: { encoder: { type: 'nope', options: {} } } } as unknown as MultimodalConfig['modalities'] }, data(4), data(2)),
    (err: unknown) => err instanceof ConfigError && /no encoder 'nope'/.test(err.message),
  );
});

test('prepareMultimodal: unlabeled samples (label -1) are masked in the label target', () => {
  const train = { ...data(4), labels: Int32Array.from([0, -1, 1, -1]) };
  const p = prepareMultimodal({ modalities: undefined }, train, data(2));
  const label = p.train.fields.label;
  assert.ok(label.kind === 'classes');
  if (label.kind === 'classes') assert.deepEqual(Array.from(label.mask ?? []), [1, 0, 1, 0]);
});

test('checkMultimodalDataset: a sample with no modality is refused, never predicted', () => {
  const d = data(2);
  assert.throws(
    () => checkMultimodalDataset({ ...d, present: { a: Uint8Array.of(1, 0), b: Uint8Array.of(1, 0) } }, 'bad data'),
    (err: unknown) => err instanceof DataMalformedError && /sample 1 has none of its modalities/.test(err.message),
  );
});

test('image preprocessor: a test image of another shape is refused', () => {
  const test2 = { ...data(2), modalities: { ...data(2).modalities, a: { kind: 'image' as const, values: new Float32Array(6), shape: [3] } } };
  assert.throws(() => prepareMultimodal({ modalities: undefined }, data(4), test2), /shape \[3\].*made for \[2\]/);
});

test('prepareMultimodal: a sample that has none of the run\'s modalities is refused, even when the data has another one', () => {
  const d = { ...data(4, true) };
  // Only b is used; sample 1 lacks b (it has a, which the run leaves out).
  assert.throws(
    () => prepareMultimodal({ modalities: { b: {} } }, d, data(2)),
    (err: unknown) => err instanceof DataMalformedError && /sample 1 has none of the run's modalities \(b\)/.test(err.message),
  );
});

test('prepareMultimodal: a test split with other classes than training is refused', () => {
  assert.throws(() => prepareMultimodal({ modalities: undefined }, data(4), { ...data(2), classNames: ['odd', 'even'] }), (err: unknown) => err instanceof DataMalformedError && /same classes/.test(err.hint ?? ''));
});
