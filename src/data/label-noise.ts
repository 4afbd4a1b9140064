/** Synthetic label noise for noisy-label experiments (pure, no tfjs). */
import { createRng } from '../engine/random.js';
import type { Dataset } from './dataset.js';

export const LABEL_NOISE_TYPES = ['symmetric', 'uniform', 'pairflip'] as const;
export type LabelNoiseType = (typeof LABEL_NOISE_TYPES)[number];

/** Options of {@link addLabelNoise}: how often and how training labels are corrupted, and the seed. */
export interface LabelNoiseOptions {
  /** Probability that a label is corrupted, in [0, 1). */
  rate: number;
  /**
   * `symmetric`: a corrupted label becomes one of the other classes, uniformly.
   * `uniform`: a corrupted label is drawn uniformly from all classes, so 1/classes of them stay right.
   * `pairflip`: a corrupted label of class c becomes c + 1 (mod classes), as in Han et al. (2018).
   */
  type: LabelNoiseType;
  /** Seed of the random draws; the same seed corrupts the same labels. */
  seed: number;
}

export interface NoisyLabels {
  dataset: Dataset;
  /** Number of labels actually changed. */
  flipped: number;
}

/** A copy of `ds` with corrupted labels; features are shared, not copied. */
export function addLabelNoise(ds: Dataset, opts: LabelNoiseOptions): NoisyLabels {
  const rng = createRng(opts.seed);
  const labels = Int32Array.from(ds.labels);
  let flipped = 0;
  const k = ds.numClasses;
  for (let i = 0; i < labels.length; i++) {
    if (rng.next() >= opts.rate) continue;
    const y = labels[i];
    labels[i] = opts.type === 'pairflip' ? (y + 1) % k : opts.type === 'uniform' ? rng.int(k) : (y + 1 + rng.int(k - 1)) % k;
    if (labels[i] !== y) flipped++;
  }
  return { dataset: { ...ds, labels }, flipped };
}
