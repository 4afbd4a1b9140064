/**
 * An experiment's data from raw datasets and its data config: the test split (when there is no
 * test set), the validation split, maxTrainSamples, labelsPerClass and label noise, all seeded.
 * Pure and browser-safe: reading the files the config names is files/load.ts's job.
 */
import { DataMalformedError, ShapeMismatchError } from '../errors.js';
import { createRng, deriveSeed, permutation } from '../engine/random.js';
import { DataConfigSchema, type DataConfig, type DataConfigInput } from './config.js';
import { datasetLength, sampleSize, subset, type Dataset } from './dataset.js';
import type { FeaturePipeline } from './feature-pipeline.js';
import { applyImpute, applyScaling, fitImputeValues, fitScaling, hasMissing } from './feature-scaling.js';
import { addLabelNoise } from './label-noise.js';
import { limitLabels } from './limit-labels.js';
import { alignToSchema, schemaOf, type DataSchema } from './schema.js';
import { splitDataset } from './split.js';

/**
 * An experiment's data for one seed, as returned by {@link prepareExperimentData}: the training,
 * validation and test splits after subsetting, feature fitting and label noise, with a description.
 */
export interface ExperimentData {
  /** The training split, after maxTrainSamples, labelsPerClass and label noise. */
  train: Dataset;
  /** The validation split (clean labels); undefined when validationFraction is 0. */
  validation: Dataset | undefined;
  /** The test split (clean labels), with the training set's class indices. */
  test: Dataset;
  /** One-line description for logs and reports. */
  description: string;
  /** Label-noise rate applied to the training labels. */
  labelNoise: number;
  /** Training labels actually corrupted. */
  flippedLabels: number;
  /**
   * How raw files become the features (CSV options, columns, missing values with the training
   * means, scaling from the training split); absent when the data is used as read. Saved with
   * models (see `experimentSchema`).
   */
  pipeline?: FeaturePipeline;
}

/** The datasets as read, before any split: a training set and, when the data has one, a test set. */
export interface RawData {
  train: Dataset;
  test?: Dataset;
  /** How the files were read and encoded (CSV files), before the training statistics are fitted. */
  pipeline?: FeaturePipeline;
  /** Rows dropped for missing values (`data.missing.policy: 'drop'`), per file. */
  dropped?: { train: number; test?: number };
}

/** The schema saved with a model trained on this data: the training set's, with the feature pipeline when there is one. */
export function experimentSchema(data: ExperimentData): DataSchema {
  return { ...schemaOf(data.train), ...(data.pipeline === undefined ? {} : { pipeline: data.pipeline }) };
}

/** The splits after imputation and scaling fitted on the training split (see `prepareExperimentData`). */
function fitFeatures(splits: { train: Dataset; validation: Dataset | undefined; test: Dataset }, pipeline: FeaturePipeline | undefined, cfg: DataConfig): { train: Dataset; validation: Dataset | undefined; test: Dataset; pipeline: FeaturePipeline | undefined } {
  let { train, validation, test } = splits;
  let fitted = pipeline;
  const width = sampleSize(train.sampleShape);
  const map = (f: (values: Float32Array) => Float32Array): void => {
    train = { ...train, features: f(train.features) };
    test = { ...test, features: f(test.features) };
    if (validation !== undefined) validation = { ...validation, features: f(validation.features) };
  };
  if (fitted?.missing?.policy === 'impute') {
    const impute = fitImputeValues(train.features, width);
    map((v) => applyImpute(v, width, impute));
    fitted = { ...fitted, missing: { ...fitted.missing, impute } };
  }
  for (const [name, ds] of [['training', train], ['test', test], ['validation', validation]] as const) {
    if (ds !== undefined && hasMissing(ds.features)) throw new DataMalformedError(`the ${name} data has missing feature values`, "set data.missing.policy to 'impute' or 'drop'");
  }
  if (cfg.preprocess !== undefined && cfg.preprocess !== 'none') {
    const scaling = fitScaling(train.features, width, cfg.preprocess);
    map((v) => applyScaling(v, width, scaling));
    fitted = { ...(fitted ?? {}), scaling };
  }
  return { train, validation, test, pipeline: fitted };
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

/**
 * Splits, subsets and corrupts raw data for one seed, in this order:
 * test split (when the dataset has none), validation split, maxTrainSamples, labelsPerClass,
 * label noise. Validation and test labels stay clean; the training set has exactly the
 * configured size and labels per class.
 */
export function prepareExperimentData(raw: RawData, input: DataConfigInput | DataConfig, seed: number): ExperimentData {
  const cfg = DataConfigSchema.parse(input);
  let train = raw.train;
  let test = raw.test;
  if (cfg.classes !== undefined) {
    const classes = { numClasses: cfg.classes.length, classNames: cfg.classes };
    train = alignToSchema(train, { inputShape: [...train.sampleShape], ...classes }, { source: 'the training data', against: 'data.classes' });
    if (test !== undefined) test = alignToSchema(test, { inputShape: [...test.sampleShape], ...classes }, { source: 'the test data', against: 'data.classes' });
  }
  if (test !== undefined && train.featureNames !== undefined && test.featureNames !== undefined) {
    // Test columns in another order than the training file's are matched by name.
    test = alignToSchema(test, { ...schemaOf(test), featureNames: [...train.featureNames], inputShape: [...train.sampleShape] }, { source: 'the test data', against: 'the training data' });
  }
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
  // Statistics from the training split only (after the test and validation splits), applied unchanged to the others.
  const features = fitFeatures({ train, validation, test }, raw.pipeline, cfg);
  ({ train, validation, test } = features);
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
  const dropped = (raw.dropped?.train ?? 0) + (raw.dropped?.test ?? 0);
  if (dropped > 0) description += `, ${dropped} row${dropped === 1 ? '' : 's'} dropped (missing values)`;
  if (features.pipeline?.missing?.policy === 'impute') description += ', missing values imputed with training means';
  if ((cfg.preprocess ?? 'none') !== 'none') description += `, ${cfg.preprocess === 'standardize' ? 'standardized' : 'min-max scaled'} with training-split statistics`;
  return { train, validation, test, description, labelNoise: cfg.labelNoise.rate, flippedLabels: flipped, ...(features.pipeline === undefined ? {} : { pipeline: features.pipeline }) };
}
