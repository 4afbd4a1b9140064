import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataMalformedError } from '../../errors.js';
import { labelledCount, makeFieldDataset, type FieldDataset, type TargetField } from '../fields.js';
import { removeLabels } from './remove-labels.js';

/** n samples, input x = index, a classes task `a` and a binary task `b` (optionally masked). */
function data(n: number, maskB?: Uint8Array): FieldDataset {
  return makeFieldDataset(
    {
      x: { kind: 'float', values: Float32Array.from({ length: n }, (_, i) => i), shape: [1] },
      a: { kind: 'classes', labels: Int32Array.from({ length: n }, (_, i) => i % 3), numClasses: 3 },
      b: { kind: 'binary', values: Float32Array.from({ length: n }, (_, i) => i % 2), ...(maskB === undefined ? {} : { mask: maskB }) },
    },
    'test',
  );
}

test('removeLabels unlabels exactly round(rate·n) samples of the task and leaves the others alone', () => {
  const ds = data(101);

  const out = removeLabels(ds, { task: 'a', rate: 0.3, seed: 5 });

  assert.equal(labelledCount(out.fields.a as TargetField, 101), 101 - 30);
  assert.equal((out.fields.b as TargetField).mask, undefined);
  assert.equal(out.fields.x, ds.fields.x);
  assert.equal((ds.fields.a as TargetField).mask, undefined, 'the input was modified');
  makeFieldDataset(out.fields, 'out');
});

test('removeLabels is seeded: the same seed removes the same samples, another seed others', () => {
  const ds = data(200);

  const m = (seed: number): number[] => Array.from((removeLabels(ds, { task: 'a', rate: 0.5, seed }).fields.a as TargetField).mask ?? []);

  assert.deepEqual(m(1), m(1));
  assert.notDeepEqual(m(1), m(2));
});

test('removeLabels combines with an existing mask: missing labels stay missing and the rate applies to the labelled ones', () => {
  const mask = Uint8Array.from({ length: 100 }, (_, i) => (i < 40 ? 0 : 1));
  const ds = data(100, mask);

  const out = removeLabels(ds, { task: 'b', rate: 0.25, seed: 0 });
  const outMask = (out.fields.b as TargetField).mask as Uint8Array;

  assert.equal(labelledCount(out.fields.b as TargetField, 100), 60 - 15);
  assert.ok(outMask.subarray(0, 40).every((v) => v === 0));
  assert.equal(mask[50], 1, 'the input mask was modified');
});

test('removeLabels with rate 0 keeps every label', () => {
  const out = removeLabels(data(10), { task: 'a', rate: 0, seed: 0 });

  assert.equal(labelledCount(out.fields.a as TargetField, 10), 10);
});

test('removeLabels refuses an unknown task, an input field and a rate outside [0, 1)', () => {
  const ds = data(10);

  assert.throws(() => removeLabels(ds, { task: 'c', rate: 0.1, seed: 0 }), (err: unknown) => err instanceof DataMalformedError && /no field 'c'/.test(err.message) && /a, b/.test(err.hint ?? ''));
  assert.throws(() => removeLabels(ds, { task: 'x', rate: 0.1, seed: 0 }), DataMalformedError);
  assert.throws(() => removeLabels(ds, { task: 'a', rate: 1, seed: 0 }), (err: unknown) => err instanceof ConfigError && err.path === 'missingLabels.a');
});
