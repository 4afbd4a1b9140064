/**
 * Batches: named input and target tensors for one step. A BatchSource turns sample indices
 * into a batch, so the training loop never needs to know what the data is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sampleSize, type Dataset } from '../data/dataset.js';

export interface Batch {
  /** Model inputs by name (e.g. `x`, or `image` and `text`). */
  readonly inputs: Record<string, tf.Tensor>;
  /** Targets by head name: one-hot float32 [batch, classes] for classification heads. */
  readonly targets: Record<string, tf.Tensor>;
  /** Class indices by head name, for code that needs them on the JS side. */
  readonly labels: Record<string, Int32Array>;
  /** Number of samples. */
  readonly size: number;
}

export interface BatchSource {
  /** Number of samples. */
  readonly length: number;
  /** Builds the batch of these samples. The tensors belong to the caller (wrap in tf.tidy). */
  batch(indices: ArrayLike<number>): Batch;
}

/** A classification dataset as a batch source with one input and one head. */
export function datasetSource(ds: Dataset, names: { input?: string; head?: string } = {}): BatchSource {
  const input = names.input ?? 'x';
  const head = names.head ?? 'y';
  const size = sampleSize(ds.sampleShape);
  return {
    length: ds.labels.length,
    batch(indices: ArrayLike<number>): Batch {
      const n = indices.length;
      const x = new Float32Array(n * size);
      const y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const j = indices[i];
        x.set(ds.features.subarray(j * size, (j + 1) * size), i * size);
        y[i] = ds.labels[j];
      }
      return {
        inputs: { [input]: tf.tensor(x, [n, ...ds.sampleShape], 'float32') },
        targets: { [head]: tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), ds.numClasses), 'float32') },
        labels: { [head]: y },
        size: n,
      };
    },
  };
}
