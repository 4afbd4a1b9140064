/** Loads an experiment's data from the files its config names (Node): see prepare.ts for the splits. */
import { DataMissingError } from '../../errors.js';
import { DataConfigSchema, type DataConfig, type DataConfigInput } from '../config.js';
import { datasetLength, type Dataset } from '../dataset.js';
import { prepareExperimentData, type ExperimentData, type RawData } from '../prepare.js';
import { alignToSchema } from '../schema.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { loadMnist } from './mnist.js';
import { loadCsv, loadIdxPair, loadJsonl } from './tabular-files.js';

function need(path: string | undefined, field: string, dataset: string): string {
  if (path === undefined) {
    throw new DataMissingError(`data.${field} is required for dataset '${dataset}'`, `set data.${field} to the path of the file`);
  }
  return path;
}

/** Reads the datasets a data config names (built-in ones from their packages, the others from its files). */
export function loadRawData(input: DataConfigInput | DataConfig): RawData {
  const cfg = DataConfigSchema.parse(input);
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

/** Parsed files kept between the seeds of one run (keyed by the data config), so they are read once. */
export type RawDataCache = Map<string, RawData>;

/**
 * Loads, splits, subsets and corrupts the data of an experiment for one seed (see
 * `prepareExperimentData`); with a cache, the files are read once for all seeds.
 */
export function loadExperimentData(input: DataConfigInput, seed: number, opts: { cache?: RawDataCache } = {}): ExperimentData {
  const cfg = DataConfigSchema.parse(input);
  const key = JSON.stringify([cfg.dataset, cfg.dataDir, cfg.train, cfg.trainLabels, cfg.test, cfg.testLabels, cfg.labelColumn]);
  const raw = opts.cache?.get(key) ?? loadRawData(cfg);
  opts.cache?.set(key, raw);
  return prepareExperimentData(raw, cfg, seed);
}

/** A held-out set to evaluate a model on, and where it came from in words. */
export interface EvaluationData {
  data: Dataset;
  /** E.g. "all 113 rows of wine-test.csv" or "the 20% test split of mnist (2,000 rows)". */
  description: string;
}

/**
 * The evaluation set a data config names: the whole `test` file when the config has one (no
 * `train` file is needed), else the dataset's test split (its own, or `testFraction` held out of
 * the training file, as an experiment would). Text labels go through `classes` when given.
 */
export function loadEvaluationData(input: DataConfigInput, seed: number): EvaluationData {
  const cfg = DataConfigSchema.parse(input);
  const file = cfg.test;
  if (file !== undefined && (cfg.dataset === 'csv' || cfg.dataset === 'jsonl' || cfg.dataset === 'idx')) {
    let data: Dataset;
    if (cfg.dataset === 'csv') data = loadCsv(file, cfg.labelColumn === undefined ? {} : { labelColumn: cfg.labelColumn });
    else if (cfg.dataset === 'jsonl') data = loadJsonl(file);
    else data = loadIdxPair(file, need(cfg.testLabels, 'testLabels', 'idx'));
    if (cfg.classes !== undefined) {
      data = alignToSchema(data, { inputShape: [...data.sampleShape], numClasses: cfg.classes.length, classNames: cfg.classes }, { source: file, against: 'data.classes' });
    }
    return { data, description: `all ${datasetLength(data)} rows of ${file}` };
  }
  const prepared = prepareExperimentData(loadRawData(cfg), { ...cfg, validationFraction: 0 }, seed);
  const n = datasetLength(prepared.test);
  const hasTestSplit = cfg.test !== undefined || cfg.dataset === 'fashion-mnist';
  const description = hasTestSplit
    ? `the ${n} test rows of ${cfg.dataset}`
    : `${n} rows held out of ${cfg.train ?? cfg.dataset} (data.testFraction ${cfg.testFraction}; set data.test to evaluate on a whole file)`;
  return { data: prepared.test, description };
}
