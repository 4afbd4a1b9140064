import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { limitLabels } from './limit-labels.js';

/** `counts[c]` samples of class c (in class order); the single feature is the sample's index. */
function dataset(counts: number[]): Dataset {
  const labels = counts.flatMap((n, c) => new Array<number>(n).fill(c));
  return { features: Float32Array.from(labels, (_, i) => i), sampleShape: [1], labels: Int32Array.from(labels), numClasses: counts.length };
}

test('limitLabels keeps exactly perClass samples of each class, each with its own label', () => {
  const ds = dataset([50, 30, 20, 11]);

  const limited = limitLabels(ds, { perClass: 10, seed: 3 });

  const counts = [0, 0, 0, 0];
  for (const y of limited.labels) counts[y]++;
  assert.deepEqual(counts, [10, 10, 10, 10]);
  limited.labels.forEach((y, i) => assert.equal(ds.labels[limited.features[i]], y));
  assert.equal(new Set(limited.features).size, 40, 'a sample was kept twice');
});

test('limitLabels picks a seeded random subset, not the first samples of each class', () => {
  const ds = dataset([100, 100]);

  const a = limitLabels(ds, { perClass: 5, seed: 1 });
  const b = limitLabels(ds, { perClass: 5, seed: 1 });
  const c = limitLabels(ds, { perClass: 5, seed: 2 });

  assert.deepEqual(a.features, b.features);
  assert.notDeepEqual(new Set(a.features), new Set(c.features));
  const firstFive = [0, 1, 2, 3, 4];
  assert.notDeepEqual(Array.from(a.features).filter((i) => i < 100).sort((x, y) => x - y), firstFive);
});

test('limitLabels keeps a whole class when perClass equals its size', () => {
  const ds = dataset([7, 9]);

  const limited = limitLabels(ds, { perClass: 7, seed: 0 });

  assert.equal(limited.labels.length, 14);
  assert.deepEqual(Array.from(limited.features).filter((i) => i < 7).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6]);
});

test('limitLabels names the short classes and the config field when a class has too few samples', () => {
  const ds = dataset([50, 4, 20, 2]);

  assert.throws(
    () => limitLabels(ds, { perClass: 5, seed: 0 }),
    (err: unknown) => {
      assert.ok(err instanceof DataMalformedError, String(err));
      assert.match(err.message, /class\(es\) 1, 3 have fewer than 5/);
      assert.match(err.hint ?? '', /labelsPerClass/);
      return true;
    },
  );
});
