/** Loads an experiment's data from the files its config names (Node): see prepare.ts for the splits. */
import { ConfigError, DataMissingError } from '../../errors.js';
import { DataConfigSchema, type DataConfig, type DataConfigInput } from '../config.js';
import { datasetWithMissing, encodeLabels, type CsvOptions } from '../csv.js';
import { datasetLength, type Dataset } from '../dataset.js';
import { prepareExperimentData, type ExperimentData, type RawData } from '../prepare.js';
import type { FeaturePipeline } from '../feature-pipeline.js';
import { alignToSchema, schemaOf, type DataSchema } from '../schema.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { loadMnist } from './mnist.js';
import { loadCsvDataset, loadCsvWithPipeline, loadIdxPair, loadJsonl } from './tabular-files.js';

function need(path: string | undefined, field: string, dataset: string): string {
  if (path === undefined) {
    throw new DataMissingError(`data.${field} is required for dataset '${dataset}'`, `set data.${field} to the path of the file`);
  }
  return path;
}

/** The CSV reading options of a data config. */
export function csvOptionsOf(cfg: DataConfig): CsvOptions {
  return {
    ...(cfg.header === undefined ? {} : { header: cfg.header }),
    ...(cfg.missing === undefined ? {} : { missing: cfg.missing }),
    ...(cfg.labelColumn === undefined ? {} : { labelColumn: cfg.labelColumn }),
    ...(cfg.delimiter === undefined ? {} : { delimiter: cfg.delimiter }),
    ...(cfg.featureColumns === undefined ? {} : { featureColumns: cfg.featureColumns }),
    ...(cfg.categorical === undefined ? {} : { categorical: cfg.categorical }),
  };
}

/** Throws a ConfigError when CSV-only options are set for another dataset (they would be ignored). */
function checkCsvOnly(cfg: DataConfig): void {
  if (cfg.dataset === 'csv') return;
  const set = [
    (cfg.header ?? 'auto') !== 'auto' ? 'header' : '',
    cfg.delimiter !== undefined ? 'delimiter' : '',
    cfg.featureColumns !== undefined ? 'featureColumns' : '',
    cfg.categorical !== undefined ? 'categorical' : '',
    (cfg.missing?.policy ?? 'refuse') !== 'refuse' ? 'missing' : '',
  ].filter((f) => f !== '');
  if (set.length > 0) throw new ConfigError(`data.${set[0]}`, `applies to CSV files, not to dataset '${cfg.dataset}'`, `remove ${set.map((f) => `data.${f}`).join(', ')}, or set data.dataset to 'csv'`);
}

/** Reads a CSV training file and, when given, its test file encoded the same way (the training file's columns and levels). */
function loadCsvData(cfg: DataConfig): RawData {
  const read = loadCsvDataset(need(cfg.train, 'train', 'csv'), csvOptionsOf(cfg));
  if (cfg.test === undefined) return { train: read.dataset, pipeline: read.pipeline, dropped: { train: read.dropped } };
  const enc = loadCsvWithPipeline(cfg.test, read.pipeline, { requireLabels: true });
  const test = datasetWithMissing({ features: enc.features, sampleShape: [enc.width], ...encodeLabels(enc.labelCells ?? []), ...(read.dataset.featureNames === undefined ? {} : { featureNames: read.dataset.featureNames }) }, cfg.test);
  return { train: read.dataset, test, pipeline: read.pipeline, dropped: { train: read.dropped, test: enc.dropped } };
}

/** Reads the datasets a data config names (built-in ones from their packages, the others from its files). */
export function loadRawData(input: DataConfigInput | DataConfig): RawData {
  const cfg = DataConfigSchema.parse(input);
  checkCsvOnly(cfg);
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
    case 'csv':
      return loadCsvData(cfg);
    case 'jsonl': {
      const train = loadJsonl(need(cfg.train, 'train', 'jsonl'));
      return cfg.test === undefined ? { train } : { train, test: loadJsonl(cfg.test) };
    }
  }
}

/** Parsed files kept between the seeds of one run (keyed by the data config), so they are read once. */
export type RawDataCache = Map<string, RawData>;

/**
 * Loads, splits, subsets and corrupts the data of an experiment for one seed (see
 * `prepareExperimentData`); with a cache, the files are read once for all seeds.
 */
export function loadExperimentData(input: DataConfigInput, seed: number, opts: { cache?: RawDataCache } = {}): ExperimentData {
  const cfg = DataConfigSchema.parse(input);
  const key = JSON.stringify([cfg.dataset, cfg.dataDir, cfg.train, cfg.trainLabels, cfg.test, cfg.testLabels, cfg.labelColumn, cfg.header, cfg.delimiter, cfg.featureColumns, cfg.missing, cfg.categorical]);
  const raw = opts.cache?.get(key) ?? loadRawData(cfg);
  opts.cache?.set(key, raw);
  return prepareExperimentData(raw, cfg, seed);
}

/** A held-out set to evaluate a model on, and where it came from in words. */
export interface EvaluationData {
  data: Dataset;
  /** E.g. "all 113 rows of wine-test.csv" or "the 20% test split of mnist (2,000 rows)". */
  description: string;
  /** How the file was read (a whole CSV file), to save with a model evaluated on it (see `evaluationSchema`). */
  pipeline?: FeaturePipeline;
}

/** The schema of an evaluation set, with the pipeline its file was read with (a federated server's global models carry it). */
export function evaluationSchema(ev: EvaluationData): DataSchema {
  return { ...schemaOf(ev.data), ...(ev.pipeline === undefined ? {} : { pipeline: ev.pipeline }) };
}

/**
 * The evaluation set a data config names: the whole `test` file when the config has one (no
 * `train` file is needed), else the dataset's test split (its own, or `testFraction` held out of
 * the training file, as an experiment would). Text labels go through `classes` when given.
 */
export function loadEvaluationData(input: DataConfigInput, seed: number): EvaluationData {
  const cfg = DataConfigSchema.parse(input);
  const file = cfg.test;
  // Training statistics (impute values, scaling, categorical levels) need the training file: then the test file goes through prepareExperimentData.
  const fitted = (cfg.preprocess ?? 'none') !== 'none' || (cfg.missing?.policy ?? 'refuse') === 'impute' || (cfg.categorical !== undefined && cfg.categorical.levels === undefined);
  if (file !== undefined && !fitted && (cfg.dataset === 'csv' || cfg.dataset === 'jsonl' || cfg.dataset === 'idx')) {
    let data: Dataset;
    let pipeline: FeaturePipeline | undefined;
    if (cfg.dataset === 'csv') ({ dataset: data, pipeline } = loadCsvDataset(file, csvOptionsOf(cfg)));
    else if (cfg.dataset === 'jsonl') data = loadJsonl(file);
    else data = loadIdxPair(file, need(cfg.testLabels, 'testLabels', 'idx'));
    if (cfg.classes !== undefined) {
      data = alignToSchema(data, { inputShape: [...data.sampleShape], numClasses: cfg.classes.length, classNames: cfg.classes }, { source: file, against: 'data.classes' });
    }
    return { data, description: `all ${datasetLength(data)} rows of ${file}`, ...(pipeline === undefined ? {} : { pipeline }) };
  }
  const prepared = prepareExperimentData(loadRawData(cfg), { ...cfg, validationFraction: 0 }, seed);
  const n = datasetLength(prepared.test);
  const hasTestSplit = cfg.test !== undefined || cfg.dataset === 'fashion-mnist';
  const description = hasTestSplit
    ? `the ${n} test rows of ${cfg.dataset}`
    : `${n} rows held out of ${cfg.train ?? cfg.dataset} (data.testFraction ${cfg.testFraction}; set data.test to evaluate on a whole file)`;
  return { data: prepared.test, description };
}
