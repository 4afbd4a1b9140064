/** Removing labels of one task at a chosen rate, for missing-label experiments (pure, no tfjs). */
import { ConfigError, DataMalformedError } from '../../errors.js';
import { createRng, permutation } from '../../engine/random.js';
import { isLabelled, isTarget, type FieldDataset, type TargetField } from '../fields.js';

/** Options of `removeLabels`. */
export interface RemoveLabelsOptions {
  /** The target field whose labels are removed. */
  task: string;
  /** Fraction of its labelled samples to unlabel, in [0, 1). */
  rate: number;
  /** Seed of the choice of samples. */
  seed: number;
}

/**
 * A copy of `ds` (arrays shared, except the new mask) in which exactly round(rate·L) of the L
 * samples that have a `task` label lose it (mask 0), chosen uniformly by a seeded shuffle. Exact
 * counts rather than independent coin flips, so that a rate means the same number of labels on
 * every seed. An existing mask is kept: already missing labels stay missing and count neither in
 * L nor in the removed ones. The label values themselves are left as they are.
 */
export function removeLabels(ds: FieldDataset, opts: RemoveLabelsOptions): FieldDataset {
  const field = ds.fields[opts.task];
  if (field === undefined) {
    throw new DataMalformedError(`removeLabels: the data has no field '${opts.task}'`, `name one of its targets: ${Object.keys(ds.fields).filter((k) => isTarget(ds.fields[k])).join(', ')}`);
  }
  if (!isTarget(field)) throw new DataMalformedError(`removeLabels: '${opts.task}' is a ${field.kind} input, not a target`, 'remove labels of a target field');
  if (!(opts.rate >= 0 && opts.rate < 1)) throw new ConfigError(`missingLabels.${opts.task}`, `the rate must be in [0, 1), got ${opts.rate}`, 'a rate of 1 would leave the task without labels');
  const target = field as TargetField;
  const labelled: number[] = [];
  for (let i = 0; i < ds.length; i++) if (isLabelled(target, i)) labelled.push(i);
  const remove = Math.round(opts.rate * labelled.length);
  const mask = target.mask === undefined ? new Uint8Array(ds.length).fill(1) : target.mask.slice();
  const order = permutation(labelled.length, createRng(opts.seed));
  for (let k = 0; k < remove; k++) mask[labelled[order[k]]] = 0;
  return { length: ds.length, fields: { ...ds.fields, [opts.task]: { ...target, mask } } };
}
