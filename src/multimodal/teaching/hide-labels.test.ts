import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassesField, FieldDataset } from '../../data/fields.js';
import { DataMalformedError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { hideLabels } from './hide-labels.js';

const data = (labels: number[]): FieldDataset => ({
  length: labels.length,
  fields: {
    view1: { kind: 'float', values: new Float32Array(labels.length), shape: [1] },
    label: { kind: 'classes', labels: Int32Array.from(labels), numClasses: 3 },
  },
});

test('hideLabels keeps perClass labels of each class and hides the rest behind the mask, values zeroed', () => {
  const ds = data([0, 1, 2, 0, 1, 2, 0, 1, 2, 2]);
  const { data: out, truth, labelled } = hideLabels(ds, { perClass: 2, seed: 5 });
  const label = out.fields.label as ClassesField;
  assert.equal(labelled.length, 6);
  assert.deepEqual(Array.from(truth), [0, 1, 2, 0, 1, 2, 0, 1, 2, 2]);
  const perClass = [0, 0, 0];
  for (let i = 0; i < ds.length; i++) {
    const kept = label.mask?.[i] === 1;
    assert.equal(kept, labelled.includes(i));
    if (kept) {
      perClass[truth[i]]++;
      assert.equal(label.labels[i], truth[i]);
    } else {
      assert.equal(label.labels[i], 0, `hidden label ${i} is the placeholder`);
    }
  }
  assert.deepEqual(perClass, [2, 2, 2]);
  assert.equal(out.fields.view1, ds.fields.view1);
  // seeded: the same seed hides the same samples
  assert.deepEqual(Array.from(hideLabels(ds, { perClass: 2, seed: 5 }).labelled), Array.from(labelled));
});

test('hideLabels refuses a class with too few labels', () => {
  assert.throws(() => hideLabels(data([0, 0, 1, 2]), { perClass: 2, seed: 0 }), errorLike(DataMalformedError, /class\(es\) 1, 2/));
});
