/**
 * Batches: named input and target tensors for one step. A BatchSource turns sample indices
 * into a batch, so the training loop never needs to know what the data is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sampleSize, type Dataset } from '../data/dataset.js';
import { describeFields, gatherRows, isTarget, toFields, type Field, type FieldDataset, type FieldInfo, type TargetField } from '../data/fields.js';

/**
 * The tensors of one step: model inputs and targets by name, with class labels, label masks and
 * token lengths. Made by a {@link BatchSource}; the tensors belong to whoever asked for the batch.
 */
export interface Batch {
  /** Model inputs by name (e.g. `x`, or `image` and `text`): float32 features, int32 token ids. */
  readonly inputs: Record<string, tf.Tensor>;
  /**
   * Targets by head name, float32: one-hot [batch, classes] for classes targets, 0/1 [batch, 1]
   * for binary, [batch, width] for multi-label and regression targets.
   */
  readonly targets: Record<string, tf.Tensor>;
  /** Class indices by head name (classes targets), for code that needs them on the JS side; an unlabelled sample's entry is a placeholder (see `masks`). */
  readonly labels: Record<string, Int32Array>;
  /**
   * Presence of each sample's label, float32 [batch] (1 labelled, 0 missing), for the targets
   * that have missing labels; a target without an entry is labelled on every sample.
   */
  readonly masks?: Record<string, tf.Tensor1D>;
  /** Number of real tokens of each sample, by tokens input. */
  readonly lengths?: Record<string, Int32Array>;
  /** Number of samples. */
  readonly size: number;
}

/**
 * Data as the training loop and evaluation read it: a number of samples and a way to build the
 * {@link Batch} of any of them. {@link fieldSource} and {@link datasetSource} make one from a
 * dataset; one can also be written by hand.
 */
export interface BatchSource {
  /** Number of samples. */
  readonly length: number;
  /**
   * What each field is (kind, shape, classes), by name; evaluation picks its metrics by it.
   * Sources written by hand may leave it out: their targets are then scored as classes.
   */
  readonly fields?: Readonly<Record<string, FieldInfo>>;
  /** Builds the batch of these samples. The tensors belong to the caller (wrap in tf.tidy). */
  batch(indices: ArrayLike<number>): Batch;
}

function maskTensor(field: TargetField, indices: ArrayLike<number>): tf.Tensor1D | undefined {
  if (field.mask === undefined) return undefined;
  const m = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) m[i] = field.mask[indices[i]];
  return tf.tensor1d(m, 'float32');
}

/** Zeroes the rows of unlabelled samples, so that whatever stands in for a missing value (NaN) never reaches a loss. */
function clearUnlabelled(values: Float32Array, width: number, field: TargetField, indices: ArrayLike<number>): Float32Array {
  if (field.mask === undefined) return values;
  for (let i = 0; i < indices.length; i++) if (field.mask[indices[i]] !== 1) values.fill(0, i * width, (i + 1) * width);
  return values;
}

/** Adds one field of the samples at `indices` to the batch being built. */
function addField(name: string, field: Field, indices: ArrayLike<number>, batch: Required<Omit<Batch, 'size'>>): void {
  const n = indices.length;
  switch (field.kind) {
    case 'float':
      batch.inputs[name] = tf.tensor(gatherRows(field.values, sampleSize(field.shape), indices), [n, ...field.shape], 'float32');
      return;
    case 'tokens':
      batch.inputs[name] = tf.tensor2d(gatherRows(field.ids, field.maxLength, indices), [n, field.maxLength], 'int32');
      batch.lengths[name] = gatherRows(field.lengths, 1, indices);
      return;
    case 'classes': {
      const y = gatherRows(field.labels, 1, indices);
      // An unlabelled sample's one-hot row is all zeros (whatever its placeholder label), so it adds nothing to a cross-entropy.
      const ids = field.mask === undefined ? y : y.map((c, i) => (field.mask?.[indices[i]] === 1 ? c : -1));
      // Written here rather than by tf.oneHot and tf.cast: one tensor upload instead of three
      // tensors and two kernels, which counts on the many small batches of federated clients.
      const k = field.numClasses;
      const oneHot = new Float32Array(n * k);
      for (let i = 0; i < n; i++) if (ids[i] >= 0 && ids[i] < k) oneHot[i * k + ids[i]] = 1;
      batch.targets[name] = tf.tensor2d(oneHot, [n, k], 'float32');
      batch.labels[name] = y;
      break;
    }
    case 'binary':
      batch.targets[name] = tf.tensor2d(clearUnlabelled(gatherRows(field.values, 1, indices), 1, field, indices), [n, 1], 'float32');
      break;
    case 'multilabel':
    case 'regression': {
      const values = clearUnlabelled(gatherRows(field.values, field.width, indices), field.width, field, indices);
      batch.targets[name] = tf.tensor2d(values, [n, field.width], 'float32');
      break;
    }
  }
  if (isTarget(field)) {
    const mask = maskTensor(field, indices);
    if (mask !== undefined) batch.masks[name] = mask;
  }
}

/** A dataset of fields as a batch source: every input field becomes a model input, every target a target. */
export function fieldSource(ds: FieldDataset): BatchSource {
  const fields = describeFields(ds);
  return {
    length: ds.length,
    fields,
    batch(indices: ArrayLike<number>): Batch {
      const parts = { inputs: {}, targets: {}, labels: {}, masks: {}, lengths: {} };
      for (const [name, field] of Object.entries(ds.fields)) addField(name, field, indices, parts);
      return { ...parts, size: indices.length };
    },
  };
}

/** A classification dataset as a batch source with one input and one head. */
export function datasetSource(ds: Dataset, names: { input?: string; head?: string } = {}): BatchSource {
  return fieldSource(toFields(ds, { input: names.input ?? 'x', target: names.head ?? 'y' }));
}
