import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../engine/random.js';
import type { Dataset } from './dataset.js';
import { addLabelNoise } from './label-noise.js';

/** `n` samples of `k` classes with uniform labels and 2 features each. */
function dataset(n: number, k: number, seed = 99): Dataset {
  const rng = createRng(seed);
  const labels = Int32Array.from({ length: n }, () => rng.int(k));
  return { features: Float32Array.from({ length: n * 2 }, (_, i) => i / 7), sampleShape: [2], labels, numClasses: k };
}

/** How many labels differ between two label arrays. */
function countChanged(before: Int32Array, after: Int32Array): number {
  return before.reduce((n, y, i) => n + (y === after[i] ? 0 : 1), 0);
}

test('symmetric noise flips about `rate` of the labels, each to another class, about uniformly', () => {
  const ds = dataset(10_000, 10);
  const before = Int32Array.from(ds.labels);

  const { dataset: noisy, flipped } = addLabelNoise(ds, { rate: 0.3, type: 'symmetric', seed: 5 });

  let changed = 0;
  const byOffset = new Array<number>(10).fill(0);
  noisy.labels.forEach((y, i) => {
    if (y !== ds.labels[i]) {
      changed++;
      byOffset[(y - ds.labels[i] + 10) % 10]++;
    }
  });
  assert.equal(flipped, changed, 'flipped must count the changed labels');
  assert.ok(Math.abs(changed / 10_000 - 0.3) < 0.02, `flipped ${changed} of 10,000`);
  assert.equal(byOffset[0], 0);
  for (let d = 1; d < 10; d++) {
    assert.ok(Math.abs(byOffset[d] / changed - 1 / 9) < 0.03, `offset ${d}: ${byOffset[d]} of ${changed}`);
  }
  assert.ok(noisy.labels.every((y) => y >= 0 && y < 10));
  assert.deepEqual(ds.labels, before, 'the input labels must not change');
});

test('symmetric noise never keeps the class of a corrupted label, even with 2 classes', () => {
  const ds = dataset(2_000, 2);

  const { dataset: noisy, flipped } = addLabelNoise(ds, { rate: 0.5, type: 'symmetric', seed: 1 });

  const changed = countChanged(ds.labels, noisy.labels);
  assert.equal(changed, flipped);
  assert.ok(Math.abs(changed / 2_000 - 0.5) < 0.05, `flipped ${changed} of 2,000`);
});

test('pairflip noise sends every corrupted label y to (y + 1) mod k', () => {
  const ds = dataset(10_000, 4);

  const { dataset: noisy, flipped } = addLabelNoise(ds, { rate: 0.45, type: 'pairflip', seed: 11 });

  let changed = 0;
  noisy.labels.forEach((y, i) => {
    if (y !== ds.labels[i]) {
      changed++;
      assert.equal(y, (ds.labels[i] + 1) % 4, `sample ${i}: ${ds.labels[i]} became ${y}`);
    }
  });
  assert.equal(changed, flipped);
  assert.ok(Math.abs(changed / 10_000 - 0.45) < 0.02, `flipped ${changed} of 10,000`);
});

test('label noise leaves the features and the rest of the dataset untouched', () => {
  const ds = dataset(500, 3);
  const features = Float32Array.from(ds.features);

  const { dataset: noisy } = addLabelNoise(ds, { rate: 0.4, type: 'symmetric', seed: 2 });

  assert.deepEqual(noisy.features, features);
  assert.deepEqual(ds.features, features);
  assert.equal(noisy.numClasses, 3);
  assert.deepEqual(noisy.sampleShape, [2]);
  assert.notEqual(noisy.labels, ds.labels, 'labels must be a copy');
});

test('label noise is seeded, and rate 0 flips nothing', () => {
  const ds = dataset(3_000, 5);

  const a = addLabelNoise(ds, { rate: 0.2, type: 'symmetric', seed: 8 });
  const b = addLabelNoise(ds, { rate: 0.2, type: 'symmetric', seed: 8 });
  const c = addLabelNoise(ds, { rate: 0.2, type: 'symmetric', seed: 9 });
  const none = addLabelNoise(ds, { rate: 0, type: 'pairflip', seed: 8 });

  assert.deepEqual(a.dataset.labels, b.dataset.labels);
  assert.notDeepEqual(a.dataset.labels, c.dataset.labels);
  assert.equal(none.flipped, 0);
  assert.deepEqual(none.dataset.labels, ds.labels);
});

test('uniform noise redraws about `rate` of the labels from all classes, so 1/k of them stay right', () => {
  const ds = dataset(20_000, 10);

  const { dataset: noisy, flipped } = addLabelNoise(ds, { rate: 0.4, type: 'uniform', seed: 6 });

  const changed = countChanged(ds.labels, noisy.labels);
  assert.equal(flipped, changed, 'flipped counts only labels that changed');
  // 40% redrawn, of which 9/10 land on another class: 36% wrong.
  assert.ok(Math.abs(changed / 20_000 - 0.36) < 0.015, `changed ${changed} of 20,000`);
});
