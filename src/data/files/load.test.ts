import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataMalformedError, DataMissingError } from '../../errors.js';
import { sampleSize, type Dataset } from '../dataset.js';
import { loadExperimentData } from './load.js';
import { loadMnist } from './mnist.js';
import { tempDirFactory } from '../../engine/testing.js';

const tempDir = tempDirFactory('jointly-load-');

/** A 64-bit key of each sample's feature bytes (two FNV-1a hashes), to find samples in the source. */
function sampleKeys(ds: Dataset): string[] {
  const size = sampleSize(ds.sampleShape) * 4;
  const bytes = new Uint8Array(ds.features.buffer, ds.features.byteOffset, ds.features.byteLength);
  return Array.from(ds.labels, (_, i) => {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let j = i * size; j < (i + 1) * size; j++) {
      h1 = Math.imul(h1 ^ bytes[j], 16777619);
      h2 = Math.imul(h2 ^ bytes[j], 2246822519);
    }
    return `${(h1 >>> 0).toString(16)}-${(h2 >>> 0).toString(16)}`;
  });
}

/** The original label of every MNIST sample, by feature key (the package's digits are all distinct). */
function mnistLabelsByKey(): Map<string, number> {
  const ds = loadMnist();
  const map = new Map<string, number>();
  sampleKeys(ds).forEach((k, i) => map.set(k, ds.labels[i]));
  assert.equal(map.size, ds.labels.length, 'MNIST samples are expected to be distinct');
  return map;
}

function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (const y of ds.labels) counts[y]++;
  return counts;
}

/** Labels that differ from the source's label for the same sample. */
function wrongLabels(ds: Dataset, truth: Map<string, number>): number {
  return sampleKeys(ds).filter((k, i) => {
    const y = truth.get(k);
    assert.notEqual(y, undefined, `sample ${i} is not an MNIST sample`);
    return y !== ds.labels[i];
  }).length;
}

const MNIST_CONFIG = {
  dataset: 'mnist',
  maxTrainSamples: 500,
  validationFraction: 0.2,
  labelNoise: { rate: 0.3, type: 'symmetric' },
} as const;

test('loadExperimentData on mnist: sizes follow maxTrainSamples, validationFraction and the default test fraction', () => {
  const mnist = loadMnist();
  const expectedTest = classCounts(mnist).reduce((s, n) => s + Math.round(n * 0.2), 0);

  const data = loadExperimentData(MNIST_CONFIG, 0);

  // Validation is split first (20% of the 8,000 non-test digits), then the training part is cut to 500.
  assert.ok(data.validation !== undefined);
  assert.equal(data.train.labels.length, 500);
  assert.equal(data.test.labels.length, expectedTest);
  assert.ok(Math.abs(data.validation.labels.length - 0.2 * (10000 - expectedTest)) <= 10, `${data.validation.labels.length} validation samples`);
  assert.deepEqual(data.train.sampleShape, [28, 28, 1]);
  assert.equal(data.train.numClasses, 10);
  assert.equal(data.test.features.length, data.test.labels.length * 784);
  assert.match(data.description, new RegExp(`^mnist: ${data.train.labels.length} train / ${data.validation.labels.length} validation / ${expectedTest} test, 30% symmetric label noise$`));
  assert.equal(data.labelNoise, 0.3);
});

test('loadExperimentData corrupts only the training labels: validation and test stay clean, parts are disjoint', () => {
  const truth = mnistLabelsByKey();

  const data = loadExperimentData(MNIST_CONFIG, 0);

  assert.ok(data.validation !== undefined);
  assert.equal(wrongLabels(data.test, truth), 0, 'test labels must be clean');
  assert.equal(wrongLabels(data.validation, truth), 0, 'validation labels must be clean');
  const wrong = wrongLabels(data.train, truth);
  assert.equal(wrong, data.flippedLabels);
  const rate = wrong / data.train.labels.length;
  assert.ok(Math.abs(rate - 0.3) < 0.08, `noise rate ${rate}`);
  const train = new Set(sampleKeys(data.train));
  const validation = new Set(sampleKeys(data.validation));
  const test = sampleKeys(data.test);
  assert.equal(train.size, 500, 'a training sample appears twice');
  assert.ok(![...validation].some((k) => train.has(k)), 'validation overlaps train');
  assert.ok(!test.some((k) => train.has(k) || validation.has(k)), 'test overlaps train or validation');
});

test('loadExperimentData is seeded: the same seed gives the same data, another seed other data', () => {
  const a = loadExperimentData(MNIST_CONFIG, 4);
  const b = loadExperimentData(MNIST_CONFIG, 4);
  const c = loadExperimentData(MNIST_CONFIG, 5);

  assert.deepEqual(a.train.labels, b.train.labels);
  assert.deepEqual(a.train.features, b.train.features);
  assert.deepEqual(a.validation?.features, b.validation?.features);
  assert.deepEqual(a.test.labels, b.test.labels);
  assert.deepEqual(sampleKeys(a.test), sampleKeys(b.test));
  assert.equal(a.flippedLabels, b.flippedLabels);
  assert.notDeepEqual(sampleKeys(a.train), sampleKeys(c.train));
});

test('loadExperimentData with labelsPerClass and no validation keeps n labels per class and no validation set', () => {
  const data = loadExperimentData({ dataset: 'mnist', labelsPerClass: 5, validationFraction: 0 }, 1);

  assert.equal(data.validation, undefined);
  assert.deepEqual(classCounts(data.train), new Array<number>(10).fill(5));
  assert.equal(data.flippedLabels, 0);
  assert.match(data.description, /5 labels per class/);
});

/** A CSV of `perClass` rows of each of cat, dog, eel with 3 numeric features that encode the row. */
function writeCsv(path: string, classes: string[], perClass: number): void {
  const rows = ['f1,f2,f3,animal'];
  for (let i = 0; i < perClass; i++) classes.forEach((c, k) => rows.push(`${i},${k},${(i * 3 + k) / 10},${c}`));
  writeFileSync(path, `${rows.join('\n')}\n`);
}

test('loadExperimentData reads a csv file and splits it into train, validation and test', () => {
  const dir = tempDir();
  const path = join(dir, 'animals.csv');
  writeCsv(path, ['cat', 'dog', 'eel'], 100);

  const data = loadExperimentData({ dataset: 'csv', train: path, testFraction: 0.2, validationFraction: 0.25 }, 0);

  assert.equal(data.test.labels.length, 60);
  assert.equal(data.validation?.labels.length, 60);
  assert.equal(data.train.labels.length, 180);
  assert.deepEqual(classCounts(data.test), [20, 20, 20]);
  assert.deepEqual(data.train.classNames, ['cat', 'dog', 'eel']);
  assert.deepEqual(data.train.sampleShape, [3]);
  for (const part of [data.train, data.validation as Dataset, data.test]) {
    // Feature f2 is the class index the row was written with.
    part.labels.forEach((y, i) => assert.equal(part.features[i * 3 + 1], y));
  }
  assert.match(data.description, /^csv: 180 train \/ 60 validation \/ 60 test$/);
});

test('loadExperimentData with a separate csv test file keeps the training class indices', () => {
  const dir = tempDir();
  const trainPath = join(dir, 'train.csv');
  const testPath = join(dir, 'test.csv');
  writeCsv(trainPath, ['cat', 'dog', 'eel'], 20);
  // The test file has no dog: on its own it would encode eel as class 1.
  writeFileSync(testPath, 'f1,f2,f3,animal\n0,0,0,cat\n1,2,0.5,eel\n2,2,0.8,eel\n');

  const data = loadExperimentData({ dataset: 'csv', train: trainPath, test: testPath, validationFraction: 0 }, 0);

  assert.equal(data.test.labels.length, 3);
  assert.equal(data.train.labels.length, 60);
  assert.deepEqual(Array.from(data.test.labels), [0, 2, 2]);
  assert.equal(data.test.numClasses, data.train.numClasses);
  assert.deepEqual(data.test.classNames, data.train.classNames);
});

test('loadExperimentData gives a csv test file with integer labels the training set\'s number of classes', () => {
  const dir = tempDir();
  const trainPath = join(dir, 'train.csv');
  const testPath = join(dir, 'test.csv');
  writeFileSync(trainPath, 'a,b,y\n0,0,0\n1,1,1\n2,2,2\n3,3,3\n0,1,0\n1,2,1\n2,3,2\n3,4,3\n');
  writeFileSync(testPath, 'a,b,y\n0,0,0\n1,1,1\n');

  const data = loadExperimentData({ dataset: 'csv', train: trainPath, test: testPath, validationFraction: 0 }, 0);

  assert.equal(data.train.numClasses, 4);
  assert.equal(data.test.numClasses, 4);
  assert.deepEqual(Array.from(data.test.labels), [0, 1]);
});

test('loadExperimentData rejects a csv test file with a class the training file lacks', () => {
  const dir = tempDir();
  const trainPath = join(dir, 'train.csv');
  const testPath = join(dir, 'test.csv');
  writeCsv(trainPath, ['cat', 'dog', 'eel'], 5);
  writeFileSync(testPath, 'f1,f2,f3,animal\n0,0,0,cat\n1,2,0.5,fox\n');

  assert.throws(
    () => loadExperimentData({ dataset: 'csv', train: trainPath, test: testPath, validationFraction: 0 }, 0),
    (err: unknown) => err instanceof DataMalformedError && /'fox'/.test(err.message),
  );
});

test('loadExperimentData names the missing field when a csv dataset has no training file', () => {
  assert.throws(
    () => loadExperimentData({ dataset: 'csv' }, 0),
    (err: unknown) => err instanceof DataMissingError && /data\.train is required for dataset 'csv'/.test(err.message),
  );
});
