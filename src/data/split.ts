/** Seeded splits of a dataset into parts (pure, no tfjs). */
import { DataMalformedError } from '../errors.js';
import { createRng, permutation } from '../engine/random.js';
import { datasetLength, subset, type Dataset } from './dataset.js';

/**
 * Splits `ds` into two parts after a seeded shuffle: `fraction` of the samples go to the
 * second part (e.g. validation). Stratified: every class is split in the same proportion.
 */
export function splitDataset(ds: Dataset, opts: { fraction: number; seed: number }): [Dataset, Dataset] {
  if (!(opts.fraction > 0 && opts.fraction < 1)) {
    throw new DataMalformedError(`split fraction must be in (0, 1), got ${opts.fraction}`);
  }
  const rng = createRng(opts.seed);
  const order = permutation(datasetLength(ds), rng);
  const byClass: number[][] = Array.from({ length: ds.numClasses }, () => []);
  for (const i of order) byClass[ds.labels[i]].push(i);
  const first: number[] = [];
  const second: number[] = [];
  for (const members of byClass) {
    const cut = Math.round(members.length * opts.fraction);
    second.push(...members.slice(0, cut));
    first.push(...members.slice(cut));
  }
  if (first.length === 0 || second.length === 0) {
    throw new DataMalformedError(
      `splitting ${datasetLength(ds)} samples with fraction ${opts.fraction} leaves an empty part`,
      'use more data or a fraction further from 0 and 1',
    );
  }
  // Restore a shuffled (not class-sorted) order within each part.
  const shuffle = (idx: number[]): Int32Array => {
    const p = permutation(idx.length, rng);
    return Int32Array.from(p, (k) => idx[k]);
  };
  return [subset(ds, shuffle(first)), subset(ds, shuffle(second))];
}
