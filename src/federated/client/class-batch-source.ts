/**
 * A classification dataset as the batch source of local training, made for the many small batches
 * of a client's round: the rows are gathered and the one-hot targets written on the JS side, so a
 * batch is two tensor uploads, where `datasetSource` makes five tensors with two kernels (`oneHot`,
 * `cast`). The batches are `datasetSource`'s value for value (a label outside the classes gives an
 * all-zero row, as `tf.oneHot` does).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchSource } from '../../engine/batch.js';
import { datasetLength, sampleSize, type Dataset } from '../../data/dataset.js';

/** The batch source of a classification dataset: input `x` (float32 `[n, ...sampleShape]`), head `y` (one-hot float32 `[n, classes]`). */
export function classBatchSource(ds: Dataset): BatchSource {
  const width = sampleSize(ds.sampleShape);
  const classes = ds.numClasses;
  return {
    length: datasetLength(ds),
    batch(indices: ArrayLike<number>): Batch {
      const n = indices.length;
      const x = new Float32Array(n * width);
      const y = new Float32Array(n * classes);
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const j = indices[i];
        x.set(ds.features.subarray(j * width, (j + 1) * width), i * width);
        const c = ds.labels[j];
        labels[i] = c;
        if (c >= 0 && c < classes) y[i * classes + c] = 1;
      }
      return {
        inputs: { x: tf.tensor(x, [n, ...ds.sampleShape], 'float32') },
        targets: { y: tf.tensor2d(y, [n, classes], 'float32') },
        labels: { y: labels },
        masks: {},
        lengths: {},
        size: n,
      };
    },
  };
}
