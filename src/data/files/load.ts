/** Loads an experiment's data from the files its config names (Node): see prepare.ts for the splits. */
import { DataMissingError } from '../../errors.js';
import { DataConfigSchema, type DataConfig, type DataConfigInput } from '../config.js';
import { prepareExperimentData, type ExperimentData, type RawData } from '../prepare.js';
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
