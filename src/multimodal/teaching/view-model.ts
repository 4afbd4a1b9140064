/**
 * The single-modality models co-training and cross-modal mutual learning train: one per view,
 * the view's encoder plus a dense head named `label`, built by the multimodal run's own
 * `buildAloneModel` (encoder seeded with `deriveSeed(seed, 'encoder/' + modality)`, head with
 * `deriveSeed(seed, 'alone-head/' + modality)`), so that a view model here starts from the same
 * weights as that view's alone model (and encoder in a fused model) there, for the same seed.
 */
import { ConfigError, DataMissingError, ShapeMismatchError } from '../../errors.js';
import { describeFields, type FieldDataset } from '../../data/fields.js';
import { checkMemberFields, createMember, type Member } from '../../engine/member.js';
import { createOptimizer, type OptimizerSpecInput } from '../../engine/optimizer.js';
import { buildAloneModel, type ModalityPlan } from '../build-model.js';
import { LABEL_FIELD } from '../modality.js';

/** One view (modality) as the teaching runs take it: its name, fitted preprocessing and encoder spec (what `prepareMultimodal` gives for each modality). */
export type TeachingView = ModalityPlan;

export interface ViewMemberOptions {
  /** Number of classes (the head's units). */
  readonly units: number;
  /** Seed of the initial weights: the same seed gives the same weights. */
  readonly seed: number;
  readonly init: 'glorot' | 'torch';
  readonly optimizer: OptimizerSpecInput;
}

/** A fresh member for `view`, named after it, with its own optimizer. */
export function viewMember(view: TeachingView, opts: ViewMemberOptions): Member {
  const named = buildAloneModel({ modality: view, units: opts.units, seed: opts.seed, name: view.name, init: opts.init });
  return createMember({ name: view.name, optimizer: createOptimizer(opts.optimizer), ...named });
}

/** The number of classes of the `label` field of a split, checked to be a classes target. */
export function labelClasses(ds: FieldDataset, split: string): number {
  const label = ds.fields[LABEL_FIELD];
  if (label === undefined) throw new DataMissingError(`the ${split} split has no '${LABEL_FIELD}' field`, 'prepare the data with prepareMultimodal, which makes the labels the label field');
  if (label.kind !== 'classes') throw new ShapeMismatchError(`the ${split} split's '${LABEL_FIELD}' field is a ${label.kind} target, not classes`, 'teach a classification task');
  return label.numClasses;
}

/**
 * Checks the views against the splits: at least two, distinct names, every view's fields present
 * in both splits, and the same classes in both. Returns the number of classes.
 */
export function checkViews(views: readonly TeachingView[], train: FieldDataset, test: FieldDataset, what: string): number {
  if (views.length < 2) throw new ConfigError('views', `${what} needs at least two views, got ${views.length}`, 'give one view per modality of the data');
  const names = views.map((v) => v.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new ConfigError('views', `view '${repeated}' is given twice`, 'give every view once');
  const classes = labelClasses(train, 'training');
  const testClasses = labelClasses(test, 'test');
  if (testClasses !== classes) throw new ShapeMismatchError(`the training labels have ${classes} classes and the test labels ${testClasses}`, 'prepare both splits together');
  for (const [split, ds] of [['training', train], ['test', test]] as const) {
    for (const view of views) {
      const missing = view.info.fields.filter((f) => ds.fields[f] === undefined);
      if (missing.length > 0) {
        throw new DataMissingError(`view '${view.name}' reads field(s) ${missing.join(', ')}, which the ${split} split does not have (fields: ${Object.keys(ds.fields).join(', ')})`, 'prepare the splits with the views\' preprocessors');
      }
    }
  }
  return classes;
}

/** The fields of `ds` that `views` read, plus the label (when `withLabel`): what a view model's batches need. */
export function viewFields(ds: FieldDataset, views: readonly TeachingView[], withLabel: boolean): FieldDataset {
  const fields: FieldDataset['fields'] = Object.fromEntries([
    ...views.flatMap((v) => v.info.fields.map((f) => [f, ds.fields[f]] as const)),
    ...(withLabel ? [[LABEL_FIELD, ds.fields[LABEL_FIELD]] as const] : []),
  ]);
  return { length: ds.length, fields };
}

/** Checks a member against the fields it will be fed (shapes, dtypes, head width). */
export function checkViewMember(member: Member, ds: FieldDataset): void {
  checkMemberFields(member, describeFields(ds));
}
