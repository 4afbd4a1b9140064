/** Seeded splits of a dataset into parts (pure, no tfjs). */
import { DataMalformedError } from '../errors.js';
import { createRng, permutation } from '../engine/random.js';
import { subset, type Dataset } from './dataset.js';
import { selectRows, strata, type FieldDataset } from './fields.js';

/** Options of {@link splitDataset}, {@link splitFields} and {@link stratifiedSplit}: the share of the second part and the seed. */
export interface SplitOptions {
  /** Fraction of the samples that go to the second part, in (0, 1). */
  fraction: number;
  /** Seed of the shuffle; the same seed gives the same split. */
  seed: number;
}

/**
 * Sample indices of the two parts after a seeded shuffle: `fraction` of each group (class) goes
 * to the second part, so every group is split in the same proportion. `groups[i]` is sample i's
 * group in [0, count); one group for all samples gives a plain random split.
 */
export function stratifiedSplit(groups: Int32Array, count: number, opts: SplitOptions): [Int32Array, Int32Array] {
  if (!(opts.fraction > 0 && opts.fraction < 1)) {
    throw new DataMalformedError(`split fraction must be in (0, 1), got ${opts.fraction}`);
  }
  const rng = createRng(opts.seed);
  const order = permutation(groups.length, rng);
  const byGroup: number[][] = Array.from({ length: count }, () => []);
  for (const i of order) byGroup[groups[i]].push(i);
  const first: number[] = [];
  const second: number[] = [];
  for (const members of byGroup) {
    const cut = Math.round(members.length * opts.fraction);
    second.push(...members.slice(0, cut));
    first.push(...members.slice(cut));
  }
  if (first.length === 0 || second.length === 0) {
    throw new DataMalformedError(
      `splitting ${groups.length} samples with fraction ${opts.fraction} leaves an empty part`,
      'use more data or a fraction further from 0 and 1',
    );
  }
  // Restore a shuffled (not group-sorted) order within each part.
  const shuffle = (idx: number[]): Int32Array => {
    const p = permutation(idx.length, rng);
    return Int32Array.from(p, (k) => idx[k]);
  };
  return [shuffle(first), shuffle(second)];
}

/**
 * Splits `ds` into two parts after a seeded shuffle: `fraction` of the samples go to the
 * second part (e.g. validation). Stratified: every class is split in the same proportion.
 */
export function splitDataset(ds: Dataset, opts: SplitOptions): [Dataset, Dataset] {
  const [first, second] = stratifiedSplit(ds.labels, ds.numClasses, opts);
  return [subset(ds, first), subset(ds, second)];
}

/**
 * Splits a dataset of fields into two parts: `fraction` of the samples go to the second part.
 * With `stratify` (a classes or binary target), every class, and the samples without that label,
 * are split in the same proportion; without it the split is plain random.
 */
export function splitFields(ds: FieldDataset, opts: SplitOptions & { stratify?: string }): [FieldDataset, FieldDataset] {
  const { groups, count } = opts.stratify === undefined ? { groups: new Int32Array(ds.length), count: 1 } : strata(ds, opts.stratify);
  const [first, second] = stratifiedSplit(groups, count, opts);
  return [selectRows(ds, first), selectRows(ds, second)];
}
