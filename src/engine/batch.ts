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
 * The arrays under a batch's tensors, by field and use: new ones, or with `reuseArrays` the
 * previous batch's of the same length.
 */
type BatchArrays = <T extends Float32Array | Int32Array>(key: string, ctor: new (length: number) => T, length: number) => T;

function batchArrays(reuse: boolean): BatchArrays {
  if (!reuse) return (_key, ctor, length) => new ctor(length);
  // One array per field and length: an epoch's smaller last batch does not evict the others'.
  const kept = new Map<string, Float32Array | Int32Array>();
  return <T extends Float32Array | Int32Array>(key: string, ctor: new (length: number) => T, length: number): T => {
    const old = kept.get(`${key}/${length}`);
    if (old instanceof ctor) return old;
    const fresh = new ctor(length);
    kept.set(`${key}/${length}`, fresh);
    return fresh;
  };
}

/** Makes a batch's tensors: new ones, or with `reuseTensors` the previous batch's of the same field and size. */
interface BatchTensors {
  make(key: string, values: Float32Array | Int32Array, shape: number[], dtype: 'float32' | 'int32'): tf.Tensor;
  dispose(): void;
}

function batchTensors(reuse: boolean): BatchTensors {
  if (!reuse) return { make: (_key, values, shape, dtype) => tf.tensor(values, shape, dtype), dispose: () => undefined };
  const kept = new Map<string, { tensor: tf.Tensor; values: Float32Array | Int32Array }>();
  return {
    make(key, values, shape, dtype) {
      const old = kept.get(key);
      if (old !== undefined && !old.tensor.isDisposed && old.values === values) return old.tensor;
      old?.tensor.dispose();
      const tensor = tf.tensor(values, shape, dtype);
      // Kept only where the tensor holds `values` itself: elsewhere a rewrite would not reach it.
      if (TYPED_ARRAY_BACKENDS.has(tf.getBackend()) && tensorData(tensor) === values) {
        kept.set(key, { tensor: tf.keep(tensor), values });
      }
      return tensor;
    },
    dispose() {
      for (const { tensor } of kept.values()) tensor.dispose();
      kept.clear();
    },
  };
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

/** Adds one field of the samples at `indices` to the batch being built, its tensors on arrays from `arrays`. */
function addField(name: string, field: Field, indices: ArrayLike<number>, batch: Required<Omit<Batch, 'size'>>, arrays: BatchArrays, tensors: BatchTensors): void {
  const n = indices.length;
  const rows = (values: Float32Array, width: number): Float32Array => gatherRowsInto(values, width, indices, arrays(name, Float32Array, n * width));
  const make = (values: Float32Array | Int32Array, shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor => tensors.make(`${name}/${n}`, values, shape, dtype);
  switch (field.kind) {
    case 'float':
      batch.inputs[name] = make(rows(field.values, sampleSize(field.shape)), [n, ...field.shape]);
      return;
    case 'tokens':
      batch.inputs[name] = make(gatherRowsInto(field.ids, field.maxLength, indices, arrays(name, Int32Array, n * field.maxLength)), [n, field.maxLength], 'int32');
      batch.lengths[name] = gatherRows(field.lengths, 1, indices);
      return;
    case 'classes': {
      const y = gatherRows(field.labels, 1, indices);
      // An unlabelled sample's one-hot row is all zeros (whatever its placeholder label), so it adds nothing to a cross-entropy.
      const ids = field.mask === undefined ? y : y.map((c, i) => (field.mask?.[indices[i]] === 1 ? c : -1));
      // Written here rather than by tf.oneHot and tf.cast: one tensor upload instead of three
      // tensors and two kernels, which counts on the many small batches of federated clients.
      const k = field.numClasses;
      const oneHot = arrays(name, Float32Array, n * k).fill(0);
      for (let i = 0; i < n; i++) if (ids[i] >= 0 && ids[i] < k) oneHot[i * k + ids[i]] = 1;
      batch.targets[name] = make(oneHot, [n, k]);
      batch.labels[name] = y;
      break;
    }
    case 'binary':
      batch.targets[name] = make(clearUnlabelled(rows(field.values, 1), 1, field, indices), [n, 1]);
      break;
    case 'multilabel':
    case 'regression': {
      const values = clearUnlabelled(rows(field.values, field.width), field.width, field, indices);
      batch.targets[name] = make(values, [n, field.width]);
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
  const arrays = batchArrays((opts.reuseArrays ?? false) || (opts.reuseTensors ?? false));
  const tensors = batchTensors(opts.reuseTensors ?? false);
  const rows = opts.rows;
  if (rows !== undefined) {
    for (let i = 0; i < rows.length; i++) {
      if (!(rows[i] >= 0 && rows[i] < ds.length)) throw new DataMalformedError(`row ${rows[i]} (entry ${i} of the source's rows) is not a sample of a dataset of ${ds.length} samples`, `give rows from 0 to ${ds.length - 1}`);
    }
  }
  return {
    length: rows?.length ?? ds.length,
    fields,
    batch(indices: ArrayLike<number>): Batch {
      let at = indices;
      if (rows !== undefined) {
        // (A key no field name can take: the arrays are kept by name.)
        const mapped = arrays('\u0000rows', Int32Array, indices.length);
        for (let i = 0; i < indices.length; i++) mapped[i] = rows[indices[i]];
        at = mapped;
      }
      const parts = { inputs: {}, targets: {}, labels: {}, masks: {}, lengths: {} };
      for (const [name, field] of Object.entries(ds.fields)) addField(name, field, at, parts, arrays, tensors);
      return { ...parts, size: indices.length };
    },
    dispose: () => tensors.dispose(),
  };
}

/** A classification dataset as a batch source with one input and one head. */
export function datasetSource(ds: Dataset, names: { input?: string; head?: string } = {}, opts: BatchSourceOptions = {}): BatchSource {
  return fieldSource(toFields(ds, { input: names.input ?? 'x', target: names.head ?? 'y' }), opts);
}
