/**
 * Batches: named input and target tensors for one step. A BatchSource turns sample indices
 * into a batch, so the training loop never needs to know what the data is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sampleSize, type Dataset } from '../data/dataset.js';
import { DataMalformedError } from '../errors.js';
import { tensorData, TYPED_ARRAY_BACKENDS } from './variable-values.js';
import { describeFields, gatherRows, gatherRowsInto, isTarget, toFields, type Field, type FieldDataset, type FieldInfo, type TargetField } from '../data/fields.js';

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
  /** Builds the batch of these samples. The tensors belong to the caller (wrap in tf.tidy), except with `reuseTensors`. */
  batch(indices: ArrayLike<number>): Batch;
  /** Frees what the source keeps between batches (the tensors of `reuseTensors`); it may be used again afterwards. */
  dispose?(): void;
}

/** Options of {@link fieldSource} and {@link datasetSource}. */
export interface BatchSourceOptions {
  /**
   * Build each batch's tensors on the arrays of the last batch of the same size, instead of new
   * ones (default false). Only for a caller that is done with each batch (its tensors
   * disposed, nothing that shares their values kept) before it asks for the next, as `train` is:
   * the many small batches of a federated client then allocate nothing. The JS-side `labels` and
   * `lengths` are new arrays either way.
   */
  reuseArrays?: boolean;
  /**
   * Also return the same tensors for every batch of the same size, their values rewritten in
   * place, instead of a new tensor per batch (default false; implies `reuseArrays`). Only on
   * backends whose tensors hold the very array they are made from (cpu, native); elsewhere it is
   * `reuseArrays`. The tensors belong to the source: the caller is done with each batch before it
   * asks for the next, and calls the source's `dispose()` when it is done with the source. A
   * tensor the caller disposed anyway is made anew. A federated client's many small batches then
   * cost no tensor bookkeeping.
   */
  reuseTensors?: boolean;
  /**
   * The source's samples are these rows of the dataset, in this order (default: every row): a
   * batch of samples `indices` is built from rows `rows[indices[i]]`, read in place, so that a
   * part of a large dataset (a simulated client's rows of the shared training set) needs no copy.
   */
  rows?: Int32Array;
}

/**
 * What a source with `reuseArrays` or `reuseTensors` keeps of one field's part of its batches of
 * one size: the array under the field's tensor, and with `reuseTensors` the tensor itself.
 */
interface FieldSlot {
  values?: Float32Array | Int32Array;
  tensor?: tf.Tensor;
}

/** What such a source keeps per batch size: the mapped row indices (with `rows`) and one slot per field, in the fields' order. */
interface SizeSlots {
  mapped: Int32Array;
  fields: FieldSlot[];
}

/**
 * How one batch is built: the field's slot of this batch size (undefined: new arrays and tensors),
 * and whether its tensors are kept in it (`reuseTensors`).
 */
interface FieldOutput {
  slot: FieldSlot | undefined;
  keepTensors: boolean;
}

/** The array under a field's tensor: the slot's, or a new one. */
function outputArray<T extends Float32Array | Int32Array>(out: FieldOutput, ctor: new (length: number) => T, length: number): T {
  const slot = out.slot;
  if (slot === undefined) return new ctor(length);
  if (slot.values instanceof ctor && slot.values.length === length) return slot.values;
  const fresh = new ctor(length);
  slot.values = fresh;
  return fresh;
}

/** The field's tensor on `values`: with `keepTensors` the slot's (made once, its values rewritten in place), else a new one. */
function outputTensor(out: FieldOutput, values: Float32Array | Int32Array, shape: number[], dtype: 'float32' | 'int32'): tf.Tensor {
  const slot = out.slot;
  if (slot === undefined || !out.keepTensors) return tf.tensor(values, shape, dtype);
  const old = slot.tensor;
  if (old !== undefined && !old.isDisposed) return old;
  const tensor = tf.tensor(values, shape, dtype);
  // Kept only where the tensor holds `values` itself: elsewhere a rewrite would not reach it.
  slot.tensor = TYPED_ARRAY_BACKENDS.has(tf.getBackend()) && tensorData(tensor) === values ? tf.keep(tensor) : undefined;
  return tensor;
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

/** Adds one field of the samples at `indices` to the batch being built, on the arrays and tensors of `out`. */
function addField(name: string, field: Field, indices: ArrayLike<number>, batch: Required<Omit<Batch, 'size'>>, out: FieldOutput): void {
  const n = indices.length;
  switch (field.kind) {
    case 'float': {
      const width = sampleSize(field.shape);
      batch.inputs[name] = outputTensor(out, gatherRowsInto(field.values, width, indices, outputArray(out, Float32Array, n * width)), [n, ...field.shape], 'float32');
      return;
    }
    case 'tokens':
      batch.inputs[name] = outputTensor(out, gatherRowsInto(field.ids, field.maxLength, indices, outputArray(out, Int32Array, n * field.maxLength)), [n, field.maxLength], 'int32');
      batch.lengths[name] = gatherRows(field.lengths, 1, indices);
      return;
    case 'classes': {
      const y = gatherRows(field.labels, 1, indices);
      // An unlabelled sample's one-hot row is all zeros (whatever its placeholder label), so it adds nothing to a cross-entropy.
      const ids = field.mask === undefined ? y : y.map((c, i) => (field.mask?.[indices[i]] === 1 ? c : -1));
      // Written here rather than by tf.oneHot and tf.cast: one tensor upload instead of three
      // tensors and two kernels, which counts on the many small batches of federated clients.
      const k = field.numClasses;
      const oneHot = outputArray(out, Float32Array, n * k).fill(0);
      for (let i = 0; i < n; i++) if (ids[i] >= 0 && ids[i] < k) oneHot[i * k + ids[i]] = 1;
      batch.targets[name] = outputTensor(out, oneHot, [n, k], 'float32');
      batch.labels[name] = y;
      break;
    }
    case 'binary':
      batch.targets[name] = outputTensor(out, clearUnlabelled(gatherRowsInto(field.values, 1, indices, outputArray(out, Float32Array, n)), 1, field, indices), [n, 1], 'float32');
      break;
    case 'multilabel':
    case 'regression': {
      const values = clearUnlabelled(gatherRowsInto(field.values, field.width, indices, outputArray(out, Float32Array, n * field.width)), field.width, field, indices);
      batch.targets[name] = outputTensor(out, values, [n, field.width], 'float32');
      break;
    }
  }
  if (isTarget(field)) {
    const mask = maskTensor(field, indices);
    if (mask !== undefined) batch.masks[name] = mask;
  }
}

/** A dataset of fields as a batch source: every input field becomes a model input, every target a target. */
export function fieldSource(ds: FieldDataset, opts: BatchSourceOptions = {}): BatchSource {
  const fields = describeFields(ds);
  const entries = Object.entries(ds.fields);
  const keepTensors = opts.reuseTensors ?? false;
  const reuse = (opts.reuseArrays ?? false) || keepTensors;
  const rows = opts.rows;
  if (rows !== undefined) {
    for (let i = 0; i < rows.length; i++) {
      if (!(rows[i] >= 0 && rows[i] < ds.length)) throw new DataMalformedError(`row ${rows[i]} (entry ${i} of the source's rows) is not a sample of a dataset of ${ds.length} samples`, `give rows from 0 to ${ds.length - 1}`);
    }
  }
  // With reuse: what each batch size keeps, one per size, so that an epoch's smaller last batch
  // does not evict the others'; the last one used is checked first (a federated client's many
  // small batches are nearly all of one size).
  const sizes = new Map<number, SizeSlots>();
  let last: SizeSlots | undefined;
  const slotsOf = (n: number): SizeSlots => {
    if (last !== undefined && last.mapped.length === n) return last;
    let slots = sizes.get(n);
    if (slots === undefined) {
      slots = { mapped: new Int32Array(n), fields: entries.map(() => ({})) };
      sizes.set(n, slots);
    }
    last = slots;
    return slots;
  };
  return {
    length: rows?.length ?? ds.length,
    fields,
    batch(indices: ArrayLike<number>): Batch {
      const slots = reuse ? slotsOf(indices.length) : undefined;
      let at = indices;
      if (rows !== undefined) {
        const mapped = slots?.mapped ?? new Int32Array(indices.length);
        for (let i = 0; i < indices.length; i++) mapped[i] = rows[indices[i]];
        at = mapped;
      }
      const parts = { inputs: {}, targets: {}, labels: {}, masks: {}, lengths: {} };
      for (let f = 0; f < entries.length; f++) addField(entries[f][0], entries[f][1], at, parts, { slot: slots?.fields[f], keepTensors });
      return { ...parts, size: indices.length };
    },
    dispose: () => {
      for (const slots of sizes.values()) for (const slot of slots.fields) slot.tensor?.dispose();
      sizes.clear();
      last = undefined;
    },
  };
}

/** A classification dataset as a batch source with one input and one head. */
export function datasetSource(ds: Dataset, names: { input?: string; head?: string } = {}, opts: BatchSourceOptions = {}): BatchSource {
  return fieldSource(toFields(ds, { input: names.input ?? 'x', target: names.head ?? 'y' }), opts);
}
