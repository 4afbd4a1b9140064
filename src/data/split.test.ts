import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { splitDataset } from './split.js';

/** A dataset whose single feature is the sample's index, with `counts[c]` samples of class c, classes interleaved. */
function idDataset(counts: number[]): Dataset {
  const labels: number[] = [];
  const left = [...counts];
  while (left.some((n) => n > 0)) {
    left.forEach((n, c) => {
      if (n > 0) {
        labels.push(c);
        left[c]--;
      }
    });
  }
  return { features: Float32Array.from(labels, (_, i) => i), sampleShape: [1], labels: Int32Array.from(labels), numClasses: counts.length };
}

function ids(ds: Dataset): number[] {
  return Array.from(ds.features);
}

function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (const y of ds.labels) counts[y]++;
  return counts;
}

test('splitDataset is stratified: each class is split in the requested proportion', () => {
  const ds = idDataset([500, 300, 200]);

  const [first, second] = splitDataset(ds, { fraction: 0.2, seed: 7 });

  assert.deepEqual(classCounts(second), [100, 60, 40]);
  assert.deepEqual(classCounts(first), [400, 240, 160]);
});

test('splitDataset parts are disjoint, cover every sample, and keep each sample with its label', () => {
  const ds = idDataset([37, 51, 12, 100]);

  const [first, second] = splitDataset(ds, { fraction: 0.3, seed: 1 });

  const a = ids(first);
  const b = ids(second);
  assert.equal(new Set([...a, ...b]).size, a.length + b.length, 'parts overlap or repeat a sample');
  assert.deepEqual([...a, ...b].sort((x, y) => x - y), ids(ds));
  for (const part of [first, second]) {
    part.labels.forEach((y, i) => assert.equal(y, ds.labels[part.features[i]], `sample ${part.features[i]} lost its label`));
    assert.equal(part.numClasses, ds.numClasses);
    assert.deepEqual(part.sampleShape, ds.sampleShape);
  }
});

test('splitDataset is seeded: the same seed gives the same split, another seed another one', () => {
  const ds = idDataset([200, 200, 200]);

  const [a1, b1] = splitDataset(ds, { fraction: 0.25, seed: 42 });
  const [a2, b2] = splitDataset(ds, { fraction: 0.25, seed: 42 });
  const [, b3] = splitDataset(ds, { fraction: 0.25, seed: 43 });

  assert.deepEqual(ids(a1), ids(a2));
  assert.deepEqual(ids(b1), ids(b2));
  assert.notDeepEqual(new Set(ids(b3)), new Set(ids(b1)));
});

test('splitDataset shuffles within each part instead of sorting by class', () => {
  const ds = idDataset([300, 300]);

  const [first] = splitDataset(ds, { fraction: 0.5, seed: 3 });

  let changes = 0;
  for (let i = 1; i < first.labels.length; i++) if (first.labels[i] !== first.labels[i - 1]) changes++;
  // A class-sorted part would change label once; a shuffled one about n/2 times.
  assert.ok(changes > first.labels.length / 4, `${changes} label changes in ${first.labels.length} samples`);
});

test('splitDataset rejects fractions outside (0, 1) and splits that leave a part empty', () => {
  const ds = idDataset([10, 10]);

  for (const fraction of [0, 1, -0.1, 1.5, Number.NaN]) {
    assert.throws(() => splitDataset(ds, { fraction, seed: 0 }), (err: unknown) => err instanceof DataMalformedError && /fraction must be in \(0, 1\)/.test(err.message));
  }
  assert.throws(() => splitDataset(idDataset([1, 1]), { fraction: 0.1, seed: 0 }), (err: unknown) => err instanceof DataMalformedError && /empty part/.test(err.message));
});
