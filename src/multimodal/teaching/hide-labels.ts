/**
 * The semi-supervised setting co-training starts from, made from fully labelled data: keep the
 * labels of `perClass` samples of each class (the first ones after a seeded shuffle) and hide the
 * others behind the label field's mask, their values replaced by the placeholder 0 (as
 * `prepareMultimodal` writes for unlabelled samples), so that nothing downstream can read them.
 * The true labels come back separately, for scoring the pseudo-labels only. Pure, no tfjs.
 */
import { DataMalformedError } from '../../errors.js';
import { isLabelled, type ClassesField, type FieldDataset } from '../../data/fields.js';
import { createRng, permutation } from '../../engine/random.js';
import { LABEL_FIELD } from '../modality.js';
import { labelClasses } from './view-model.js';

export interface HiddenLabels {
  /** The data with every label but `perClass` per class masked (mask 0, value 0). */
  readonly data: FieldDataset;
  /** The true label of every sample (-1 where the data had none), to score pseudo-labels with. */
  readonly truth: Int32Array;
  /** Indices of the samples that keep their label, ascending. */
  readonly labelled: Int32Array;
}

/**
 * Keeps the labels of `perClass` samples of each class (the first after a shuffle seeded by `seed`)
 * and masks the others (mask 0, value 0); returns the masked data, the true labels and the kept
 * indices. Throws a DataMalformedError when `perClass` is not a whole number of at least 1 or a
 * class has fewer labelled samples.
 */
export function hideLabels(ds: FieldDataset, opts: { perClass: number; seed: number }): HiddenLabels {
  const k = labelClasses(ds, 'training');
  const field = ds.fields[LABEL_FIELD] as ClassesField;
  if (!Number.isInteger(opts.perClass) || opts.perClass < 1) throw new DataMalformedError(`hideLabels: perClass must be a whole number of at least 1, got ${opts.perClass}`);
  const truth = Int32Array.from(field.labels, (y, i) => (isLabelled(field, i) ? y : -1));
  const counts = new Int32Array(k);
  const mask = new Uint8Array(ds.length);
  for (const i of permutation(ds.length, createRng(opts.seed))) {
    const y = truth[i];
    if (y >= 0 && counts[y] < opts.perClass) {
      counts[y]++;
      mask[i] = 1;
    }
  }
  const short = Array.from(counts.keys()).filter((c) => counts[c] < opts.perClass);
  if (short.length > 0) {
    throw new DataMalformedError(`hideLabels: class(es) ${short.join(', ')} have fewer than ${opts.perClass} labelled samples`, 'lower perClass, or give more data');
  }
  const labels = Int32Array.from(truth, (y, i) => (mask[i] === 1 ? y : 0));
  const labelled = Int32Array.from(Array.from(mask.keys()).filter((i) => mask[i] === 1));
  return { data: { length: ds.length, fields: { ...ds.fields, [LABEL_FIELD]: { ...field, labels, mask } } }, truth, labelled };
}
