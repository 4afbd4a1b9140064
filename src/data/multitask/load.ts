/**
 * Loading the multi-task datasets of a `data` config (Node: reads files). Every dataset comes as
 * train / optional validation / test FieldDatasets with one float input `x` and one target per
 * task. The expensive builds (the overlaid images) are cached per process; the seeded parts
 * (validation split, subsets, removed labels) are redone for every seed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ConfigError, DataMalformedError, DataMissingError } from '../../errors.js';
import { createRng, deriveSeed, permutation } from '../../engine/random.js';
import { isTarget, selectRows, strata, type ClassesField, type FieldDataset } from '../fields.js';
import { parseIdx } from '../idx.js';
import { stratifiedSplit } from '../split.js';
import { DEFAULT_FASHION_MNIST_DIR, FASHION_MNIST_CLASS_NAMES, loadFashionMnist } from '../files/fashion-mnist.js';
import { loadMnist } from '../files/mnist.js';
import { readDataFile } from '../files/read-data-file.js';
import type { MultitaskDataConfig } from './config.js';
import { fashionTaskFields } from './fashion-tasks.js';
import { mmoeSynthetic } from './mmoe-synthetic.js';
import { buildMultiDigitImages, multiDigitsFields, PAIRING_SEEDS, unitToBytes, type ItemSet, type MultiDigitImages } from './multi-digits.js';
import { featureStatistics, standardizeDataset } from '../standardize.js';
import { parseMultiTargetCsv, parseMultiTargetJsonl, type MultiTargetOptions, type MultiTargetTable } from './multi-target-tabular.js';
import { removeLabels } from './remove-labels.js';

/** The data of one seed, as the multi-task runner takes it. */
export interface MultitaskData {
  readonly train: FieldDataset;
  /** Held out of the training data; absent when validationFraction is 0. */
  readonly validation?: FieldDataset;
  readonly test: FieldDataset;
  /** One line for logs and reports, e.g. "MultiFashion: 54,000 train / 6,000 validation / 10,000 test, tasks topLeft, bottomRight". */
  readonly description: string;
  /** The target fields, in field order. */
  readonly tasks: string[];
}

/** A dataset before the seeded steps: its fixed train and test parts. */
interface BaseData {
  readonly title: string;
  readonly train: FieldDataset;
  /** Absent when the test part is held out of `train` (by testFraction). */
  readonly test?: FieldDataset;
  /** The rows `indices` of `part` (train or test) with every field; default `selectRows`. */
  readonly select?: (part: FieldDataset, indices: Int32Array) => FieldDataset;
}

/** The MNIST digits of the `mnist` package are held out 8,000 / 2,000 with this fixed seed (the package has no test split). */
export const MNIST_TEST_SPLIT = { fraction: 0.2, seed: 0x6d6e6973 } as const;

const FASHION_HINT = 'on Debian/Ubuntu: apt-get install dataset-fashion-mnist (files in /usr/share/datasets/fashion-mnist), or set data.dataDir to a folder with the four IDX files of Fashion-MNIST';

const cache = new Map<string, unknown>();

/** The value cached under `key`, built once per process. */
function cached<T>(key: string, build: () => T): T {
  if (!cache.has(key)) cache.set(key, build());
  return cache.get(key) as T;
}

/** Reads one Fashion-MNIST IDX file (name or name.gz in dir) with the native gunzip (faster than a JS one). */
function readFashionIdx(dir: string, name: string): { dims: number[]; data: Uint8Array } {
  const path = [join(dir, name), join(dir, `${name}.gz`)].find((p) => existsSync(p));
  if (path === undefined) throw new DataMissingError(`Fashion-MNIST file ${name}[.gz] missing in ${dir}`, FASHION_HINT);
  let bytes: Uint8Array = readDataFile(path, 'IDX file', FASHION_HINT);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DataMalformedError(`${path}: cannot be unpacked (${(err as Error).message})`, 'the download is probably incomplete: download the file again');
    }
  }
  const idx = parseIdx(bytes, path);
  if (!(idx.data instanceof Uint8Array)) throw new DataMalformedError(`${path}: not a ubyte IDX file`, 'check that the folder holds Fashion-MNIST files');
  return { dims: idx.dims, data: idx.data };
}

/** One Fashion-MNIST split as bytes. */
function fashionItems(dir: string, prefix: 'train' | 't10k'): ItemSet {
  const images = readFashionIdx(dir, `${prefix}-images-idx3-ubyte`);
  const labels = readFashionIdx(dir, `${prefix}-labels-idx1-ubyte`);
  if (images.dims.join('x') !== `${images.dims[0]}x28x28` || labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
    throw new DataMalformedError(`${dir}: ${prefix} images [${images.dims.join(', ')}] and labels [${labels.dims.join(', ')}] are not Fashion-MNIST (N×28×28 and N)`, 'check that the folder holds Fashion-MNIST files');
  }
  const y = Int32Array.from(labels.data);
  const bad = y.findIndex((v) => v > 9);
  if (bad >= 0) throw new DataMalformedError(`${dir}: ${prefix} label ${y[bad]} of sample ${bad} is not a Fashion-MNIST class (0..9)`);
  return { images: images.data, labels: y, numClasses: 10, classNames: FASHION_MNIST_CLASS_NAMES };
}

/** Fashion-MNIST train and test as bytes (cached). */
function fashionBytes(dir: string): { train: ItemSet; test: ItemSet } {
  return cached(`fashion-bytes:${dir}`, () => ({ train: fashionItems(dir, 'train'), test: fashionItems(dir, 't10k') }));
}

/** The `mnist` package's 10,000 digits as bytes (round(v·255)), split 8,000 / 2,000 by MNIST_TEST_SPLIT, stratified by digit (cached). */
function mnistBytes(): { train: ItemSet; test: ItemSet } {
  return cached('mnist-bytes', () => {
    const ds = loadMnist();
    const all: ItemSet = { images: unitToBytes(ds.features), labels: ds.labels, numClasses: 10, classNames: ds.classNames };
    const [train, test] = stratifiedSplit(ds.labels, 10, MNIST_TEST_SPLIT);
    const pick = (idx: Int32Array): ItemSet => {
      const images = new Uint8Array(idx.length * 784);
      idx.forEach((j, i) => images.set(all.images.subarray(j * 784, (j + 1) * 784), i * 784));
      return { ...all, images, labels: Int32Array.from(idx, (j) => all.labels[j]) };
    };
    return { train: pick(train), test: pick(test) };
  });
}

/** Which overlaid dataset, and the item sets of its two positions per split. */
type MultiDigitsName = 'multi-fashion' | 'multi-mnist' | 'multi-fashion-mnist';

function multiDigitsItems(name: MultiDigitsName, dir: string): { train: [ItemSet, ItemSet]; test: [ItemSet, ItemSet] } {
  if (name === 'multi-fashion') {
    const f = fashionBytes(dir);
    return { train: [f.train, f.train], test: [f.test, f.test] };
  }
  const m = mnistBytes();
  if (name === 'multi-mnist') return { train: [m.train, m.train], test: [m.test, m.test] };
  const f = fashionBytes(dir);
  return { train: [m.train, f.train], test: [m.test, f.test] };
}

/**
 * The overlaid byte images (after the resize, before normalization) of the training and test
 * splits of `name`, paired with seed 0 (train) and 1 (test); cached per process.
 */
export function multiDigitImages(name: MultiDigitsName, dataDir: string = DEFAULT_FASHION_MNIST_DIR): { train: MultiDigitImages; test: MultiDigitImages } {
  return cached(`images:${name}:${name === 'multi-mnist' ? '' : dataDir}`, () => {
    const items = multiDigitsItems(name, dataDir);
    return {
      train: buildMultiDigitImages(items.train[0], items.train[1], PAIRING_SEEDS.train),
      test: buildMultiDigitImages(items.test[0], items.test[1], PAIRING_SEEDS.test),
    };
  });
}

const TITLES: Record<MultiDigitsName, string> = { 'multi-fashion': 'MultiFashion', 'multi-mnist': 'MultiMNIST', 'multi-fashion-mnist': 'Multi-(Fashion+MNIST)' };

/**
 * The overlaid dataset: its targets as fields (for splitting), and a `select` that gathers and
 * normalizes the chosen images from the cached bytes in one pass.
 */
function multiDigitsBase(name: MultiDigitsName, dir: string): BaseData {
  const images = multiDigitImages(name, dir);
  const items = multiDigitsItems(name, dir);
  const classes = (part: 'train' | 'test') => ({ topLeft: items[part][0], bottomRight: items[part][1] });
  const targetsOnly = (part: 'train' | 'test'): FieldDataset => {
    const built = images[part];
    const target = (labels: Int32Array, set: ItemSet): ClassesField => ({ kind: 'classes', labels, numClasses: set.numClasses, ...(set.classNames === undefined ? {} : { classNames: set.classNames }) });
    return { length: built.topLeft.length, fields: { topLeft: target(built.topLeft, items[part][0]), bottomRight: target(built.bottomRight, items[part][1]) } };
  };
  const train = targetsOnly('train');
  const test = targetsOnly('test');
  return { title: TITLES[name], train, test, select: (part, indices) => {
      const which = part === train ? 'train' : 'test';
      return multiDigitsFields(images[which], classes(which), indices);
    },
  };
}

/** Reads and parses a csv/jsonl file with the given options. */
function readTable(config: MultitaskDataConfig, path: string, opts: MultiTargetOptions): MultiTargetTable {
  const text = readDataFile(path, config.dataset === 'csv' ? 'CSV file' : 'JSON Lines file').toString('utf8');
  return config.dataset === 'csv' ? parseMultiTargetCsv(text, path, opts) : parseMultiTargetJsonl(text, path, opts);
}

/** The csv/jsonl dataset: the training file, and the test file read with the training file's encoding. */
function tabularBase(config: MultitaskDataConfig): BaseData {
  const trainPath = config.train as string;
  const opts: MultiTargetOptions = {
    targets: config.targets ?? [],
    ...(config.features === undefined ? {} : { features: config.features }),
    ...(config.delimiter === undefined ? {} : { delimiter: config.delimiter }),
    ...(config.skipLines === undefined ? {} : { skipLines: config.skipLines }),
  };
  const train = readTable(config, trainPath, opts);
  const test = config.test === undefined ? undefined : readTable(config, config.test, { ...opts, targets: train.targets, features: train.features });
  return { title: trainPath, train: train.data, ...(test === undefined ? {} : { test: test.data }) };
}

/** The dataset of the config before its seeded steps. */
function baseData(config: MultitaskDataConfig, seed: number): BaseData {
  const dir = config.dataDir ?? DEFAULT_FASHION_MNIST_DIR;
  switch (config.dataset) {
    case 'multi-fashion':
    case 'multi-mnist':
    case 'multi-fashion-mnist':
      return multiDigitsBase(config.dataset, dir);
    case 'fashion-mnist-tasks':
      return cached(`fashion-tasks:${dir}`, () => {
        const { train, test } = loadFashionMnist(dir);
        return { title: 'Fashion-MNIST tasks', train: fashionTaskFields(train), test: fashionTaskFields(test) };
      });
    case 'mmoe-synthetic': {
      const s = config.synthetic;
      const { data } = mmoeSynthetic({ samples: s.samples, correlation: s.correlation, dimension: s.dimension, scale: s.scale, sinusoids: s.sinusoids, seed: deriveSeed(seed, 'multitask/mmoe-synthetic') });
      return { title: `MMoE synthetic (correlation ${s.correlation})`, train: data };
    }
    case 'csv':
    case 'jsonl':
      return tabularBase(config);
  }
}

/** The first classes (else binary) target, to stratify splits on; undefined when there is none. */
function stratifyTarget(ds: FieldDataset): string | undefined {
  const names = Object.keys(ds.fields);
  return names.find((n) => ds.fields[n].kind === 'classes') ?? names.find((n) => ds.fields[n].kind === 'binary');
}

/** Groups to stratify on: the first classes task's classes (and unlabelled), else one group. */
function splitGroups(ds: FieldDataset): { groups: Int32Array; count: number } {
  const target = stratifyTarget(ds);
  return target === undefined ? { groups: new Int32Array(ds.length), count: 1 } : strata(ds, target);
}

/**
 * The two parts of `indices` (rows of a dataset whose rows have `groups`) after a seeded split,
 * stratified on the groups: the same as `splitFields` on those rows, without copying them.
 */
function splitIndices(indices: Int32Array, strat: { groups: Int32Array; count: number }, fraction: number, seed: number): [Int32Array, Int32Array] {
  const groups = Int32Array.from(indices, (i) => strat.groups[i]);
  const [a, b] = stratifiedSplit(groups, strat.count, { fraction, seed });
  return [Int32Array.from(a, (k) => indices[k]), Int32Array.from(b, (k) => indices[k])];
}

/** At most `max` of `indices`, a seeded random subset kept in its order of the shuffle. */
function limit(indices: Int32Array, max: number | undefined, seed: number): Int32Array {
  if (max === undefined || max >= indices.length) return indices;
  const order = permutation(indices.length, createRng(seed));
  return Int32Array.from(order.subarray(0, max), (k) => indices[k]);
}

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * The train / validation / test data of a multi-task `data` config for one seed. The test part
 * is the dataset's own test split (or file), else a `testFraction` held out of the training data
 * (stratified, seeded by `seed`); validation is `validationFraction` of the training part
 * (stratified on the first classes task when there is one); `maxTrainSamples` and
 * `maxTestSamples` subsets are drawn after the splits (validation is then kept in proportion:
 * at most maxTrainSamples·f/(1−f) samples for a validation fraction f); `missingLabels` are removed from the
 * training part only.
 */
export function loadMultitaskData(config: MultitaskDataConfig, seed: number): MultitaskData {
  const base = baseData(config, seed);
  const tasks = Object.keys(base.train.fields).filter((k) => isTarget(base.train.fields[k]));
  const select = base.select ?? selectRows;
  const pool = base.train;
  const strat = splitGroups(pool);
  let trainIdx: Int32Array = Int32Array.from({ length: pool.length }, (_, i) => i);
  let testIdx: Int32Array;
  let testPool: FieldDataset;
  if (base.test === undefined) {
    [trainIdx, testIdx] = splitIndices(trainIdx, strat, config.testFraction, deriveSeed(seed, 'multitask/test'));
    testPool = pool;
  } else {
    testPool = base.test;
    testIdx = Int32Array.from({ length: testPool.length }, (_, i) => i);
  }
  let validation: FieldDataset | undefined;
  if (config.validationFraction > 0) {
    const [t, v] = splitIndices(trainIdx, strat, config.validationFraction, deriveSeed(seed, 'multitask/validation'));
    // A training subset keeps validation in proportion, so that quick runs do not score a validation set larger than what they train on.
    const maxValidation = config.maxTrainSamples === undefined ? undefined : Math.ceil((config.maxTrainSamples * config.validationFraction) / (1 - config.validationFraction));
    validation = select(pool, limit(v, maxValidation, deriveSeed(seed, 'multitask/max-validation')));
    trainIdx = t;
  }
  let train = select(pool, limit(trainIdx, config.maxTrainSamples, deriveSeed(seed, 'multitask/max-train')));
  const test = select(testPool, limit(testIdx, config.maxTestSamples, deriveSeed(seed, 'multitask/max-test')));
  for (const [task, rate] of Object.entries(config.missingLabels)) {
    if (!tasks.includes(task)) throw new ConfigError(`data.missingLabels.${task}`, `the data has no task '${task}'`, `name one of: ${tasks.join(', ')}`);
    train = removeLabels(train, { task, rate, seed: deriveSeed(seed, `multitask/missing-labels/${task}`) });
  }
  let validationOut = validation;
  let testOut = test;
  let scaled = '';
  if ((config.dataset === 'csv' || config.dataset === 'jsonl') && config.standardize !== false) {
    const input = train.fields.x;
    if (input?.kind === 'float') {
      const stats = featureStatistics(input);
      train = standardizeDataset(train, 'x', stats);
      validationOut = validation === undefined ? undefined : standardizeDataset(validation, 'x', stats);
      testOut = standardizeDataset(test, 'x', stats);
      scaled = '; features standardized with training statistics';
    }
  }
  const parts = [`${count(train.length)} train`, ...(validation === undefined ? [] : [`${count(validation.length)} validation`]), `${count(test.length)} test`];
  const missing = Object.entries(config.missingLabels).filter(([, r]) => r > 0);
  const note = missing.length === 0 ? '' : `; labels removed: ${missing.map(([t, r]) => `${t} ${Math.round(r * 100)}%`).join(', ')}`;
  return {
    train,
    ...(validationOut === undefined ? {} : { validation: validationOut }),
    test: testOut,
    description: `${base.title}: ${parts.join(' / ')}, tasks ${tasks.join(', ')}${note}${scaled}`,
    tasks,
  };
}
