/** Loads an experiment's data from its config: train / validation / test, seeded. */
import { DataMalformedError, DataMissingError, ShapeMismatchError } from '../errors.js';
import { createRng, deriveSeed, permutation } from '../engine/random.js';
import { loadCsv } from './csv.js';
import { DataConfigSchema, type DataConfigInput } from './config.js';
import { datasetLength, subset, type Dataset } from './dataset.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { loadIdxPair } from './idx.js';
import { loadJsonl } from './jsonl.js';
import { addLabelNoise } from './label-noise.js';
import { limitLabels } from './limit-labels.js';
import { loadMnist } from './mnist.js';
import { splitDataset } from './split.js';

export interface ExperimentData {
  train: Dataset;
  /** Empty when validationFraction is 0. */
  validation: Dataset | undefined;
  test: Dataset;
  /** One-line description for logs and reports. */
  description: string;
  /** Label-noise rate applied to the training labels. */
  labelNoise: number;
  /** Training labels actually corrupted. */
  flippedLabels: number;
}

function need(path: string | undefined, field: string, dataset: string): string {
  if (path === undefined) {
    throw new DataMissingError(`data.${field} is required for dataset '${dataset}'`, `set data.${field} to the path of the file`);
  }
  return path;
}

function loadRaw(cfg: ReturnType<typeof DataConfigSchema.parse>): { train: Dataset; test?: Dataset } {
  switch (cfg.dataset) {
    case 'mnist':
      return { train: loadMnist() };
    case 'fashion-mnist':
      return loadFashionMnist(cfg.dataDir);
    case 'idx': {
      const train = loadIdxPair(need(cfg.train, 'train', 'idx'), need(cfg.trainLabels, 'trainLabels', 'idx'));
      const test = cfg.test === undefined ? undefined : loadIdxPair(cfg.test, need(cfg.testLabels, 'testLabels', 'idx'));
      return test === undefined ? { train } : { train, test };
    }
    case 'csv': {
      const opts = cfg.labelColumn === undefined ? {} : { labelColumn: cfg.labelColumn };
      const train = loadCsv(need(cfg.train, 'train', 'csv'), opts);
      return cfg.test === undefined ? { train } : { train, test: loadCsv(cfg.test, opts) };
    }
    case 'jsonl': {
      const train = loadJsonl(need(cfg.train, 'train', 'jsonl'));
      return cfg.test === undefined ? { train } : { train, test: loadJsonl(cfg.test) };
    }
  }
}

/**
 * The test set with the training set's class indices: files with string labels are encoded on
 * their own (sorted names), so a test file that lacks a class would otherwise shift the indices.
 */
function withTrainClasses(test: Dataset, train: Dataset): Dataset {
  if (test.classNames === undefined && train.classNames === undefined) return { ...test, numClasses: train.numClasses };
  if (test.classNames === undefined || train.classNames === undefined) {
    throw new DataMalformedError('the training labels are class names and the test labels class indices (or the other way round)', 'label both files the same way');
  }
  const index = new Map(train.classNames.map((name, k) => [name, k]));
  const names = test.classNames;
  const unknown = names.filter((name) => !index.has(name));
  if (unknown.length > 0) {
    throw new DataMalformedError(`test label(s) ${unknown.map((n) => `'${n}'`).join(', ')} do not occur in the training data`, 'use train and test files of the same dataset');
  }
  const labels = Int32Array.from(test.labels, (y) => index.get(names[y]) as number);
  return { ...test, labels, numClasses: train.numClasses, classNames: train.classNames };
}

/** Parsed files kept between the seeds of one run (keyed by the data config), so they are read once. */
export type RawDataCache = Map<string, { train: Dataset; test?: Dataset }>;

/**
 * Loads, splits, subsets and corrupts the data of an experiment for one seed, in this order:
 * test split (when the dataset has none), validation split, maxTrainSamples, labelsPerClass,
 * label noise. Validation and test labels stay clean; the training set has exactly the
 * configured size and labels per class.
 */
export function loadExperimentData(input: DataConfigInput, seed: number, opts: { cache?: RawDataCache } = {}): ExperimentData {
  const cfg = DataConfigSchema.parse(input);
  const key = JSON.stringify([cfg.dataset, cfg.dataDir, cfg.train, cfg.trainLabels, cfg.test, cfg.testLabels, cfg.labelColumn]);
  const raw = opts.cache?.get(key) ?? loadRaw(cfg);
  opts.cache?.set(key, raw);
  let train = raw.train;
  let test = raw.test;
  if (test === undefined) {
    [train, test] = splitDataset(train, { fraction: cfg.testFraction, seed: deriveSeed(seed, 'test-split') });
  } else if (test.sampleShape.join('x') !== train.sampleShape.join('x') || test.numClasses > train.numClasses) {
    throw new ShapeMismatchError(
      `test samples have shape [${test.sampleShape.join(', ')}] and ${test.numClasses} classes; training samples [${train.sampleShape.join(', ')}] and ${train.numClasses}`,
      'use train and test files of the same dataset',
    );
  } else {
    test = withTrainClasses(test, train);
  }
  let validation: Dataset | undefined;
  if (cfg.validationFraction > 0) {
    [train, validation] = splitDataset(train, { fraction: cfg.validationFraction, seed: deriveSeed(seed, 'validation-split') });
  }
  if (cfg.maxTrainSamples !== undefined && cfg.maxTrainSamples < datasetLength(train)) {
    const order = permutation(datasetLength(train), createRng(deriveSeed(seed, 'max-train')));
    train = subset(train, order.subarray(0, cfg.maxTrainSamples));
  }
  if (cfg.labelsPerClass !== undefined) train = limitLabels(train, { perClass: cfg.labelsPerClass, seed: deriveSeed(seed, 'limit-labels') });
  if (new Set(train.labels).size < 2) {
    throw new DataMalformedError(`the training data of '${cfg.dataset}' has a single class`, 'a classifier needs examples of at least 2 classes; check the label column and the files');
  }
  // Noise after the validation split: validation and test stay clean, so curves show true accuracy.
  let flipped = 0;
  if (cfg.labelNoise.rate > 0) {
    const noisy = addLabelNoise(train, { ...cfg.labelNoise, seed: deriveSeed(seed, 'label-noise') });
    train = noisy.dataset;
    flipped = noisy.flipped;
  }
  const parts = [
    `${cfg.dataset}: ${datasetLength(train)} train`,
    validation === undefined ? '' : `${datasetLength(validation)} validation`,
    `${datasetLength(test)} test`,
  ].filter((s) => s !== '');
  let description = parts.join(' / ');
  if (cfg.labelNoise.rate > 0) description += `, ${Math.round(cfg.labelNoise.rate * 100)}% ${cfg.labelNoise.type} label noise`;
  if (cfg.labelsPerClass !== undefined) description += `, ${cfg.labelsPerClass} labels per class`;
  return { train, validation, test, description, labelNoise: cfg.labelNoise.rate, flippedLabels: flipped };
}
