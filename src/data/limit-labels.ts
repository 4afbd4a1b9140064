/** Keeps only a few labelled samples per class: the limited-labels setting (pure, no tfjs). */
import { DataMalformedError } from '../errors.js';
import { createRng, permutation } from '../engine/random.js';
import { subset, type Dataset } from './dataset.js';

/** The first `perClass` samples of each class after a seeded shuffle. */
export function limitLabels(ds: Dataset, opts: { perClass: number; seed: number }): Dataset {
  const order = permutation(ds.labels.length, createRng(opts.seed));
  const counts = new Int32Array(ds.numClasses);
  const kept: number[] = [];
  for (const i of order) {
    const y = ds.labels[i];
    if (counts[y] < opts.perClass) {
      counts[y]++;
      kept.push(i);
    }
  }
  const short = Array.from(counts.keys()).filter((c) => counts[c] < opts.perClass);
  if (short.length > 0) {
    throw new DataMalformedError(
      `limitLabels: class(es) ${short.join(', ')} have fewer than ${opts.perClass} training samples`,
      'lower data.labelsPerClass',
    );
  }
  return subset(ds, kept);
}
