/**
 * The in-memory dataset every loader produces: dense float features and integer class labels.
 * Pure data, no tfjs: batches become tensors only inside the training loop.
 */
import { DataMalformedError } from '../errors.js';

/**
 * A classification dataset in memory: row-major float features of one sample shape and one
 * integer class label per sample. Build one with `makeDataset` to have its parts checked.
 */
export interface Dataset {
  /** Row-major features, `length * prod(sampleShape)` floats. */
  readonly features: Float32Array;
  /** Shape of one sample, e.g. `[28, 28, 1]` for an image or `[13]` for a table row. */
  readonly sampleShape: readonly number[];
  /** Class index of each sample, in `[0, numClasses)`. */
  readonly labels: Int32Array;
  /** Number of classes. */
  readonly numClasses: number;
  /** Optional human-readable class names, `numClasses` long. */
  readonly classNames?: readonly string[];
  /** Optional names of the features of a one-dimensional sample (a CSV header), in column order. */
  readonly featureNames?: readonly string[];
}

/** Number of samples in a dataset. */
export function datasetLength(ds: Dataset): number {
  return ds.labels.length;
}

/** Number of floats per sample. */
export function sampleSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Builds a dataset and checks that its parts agree; every loader goes through here. */
export function makeDataset(parts: Dataset, source: string): Dataset {
  const size = sampleSize(parts.sampleShape);
  const n = parts.labels.length;
  if (parts.sampleShape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new DataMalformedError(`${source}: sample shape [${parts.sampleShape.join(', ')}] must be positive integers`);
  }
  if (parts.features.length !== n * size) {
    throw new DataMalformedError(
      `${source}: ${parts.features.length} feature values do not make ${n} samples of shape [${parts.sampleShape.join(', ')}] (${n * size} expected)`,
      'check that the features and labels files belong together',
    );
  }
  if (!Number.isInteger(parts.numClasses) || parts.numClasses < 2) {
    throw new DataMalformedError(`${source}: a classification dataset needs at least 2 classes, found ${parts.numClasses}`);
  }
  if (parts.featureNames !== undefined && (parts.sampleShape.length !== 1 || parts.featureNames.length !== size)) {
    throw new DataMalformedError(`${source}: ${parts.featureNames.length} feature names for samples of shape [${parts.sampleShape.join(', ')}]`);
  }
  for (let i = 0; i < n; i++) {
    const y = parts.labels[i];
    if (y < 0 || y >= parts.numClasses) {
      throw new DataMalformedError(`${source}: label ${y} of sample ${i} is outside [0, ${parts.numClasses})`);
    }
  }
  for (let i = 0; i < parts.features.length; i++) {
    if (!Number.isFinite(parts.features[i])) {
      throw new DataMalformedError(
        `${source}: feature value ${i % size} of sample ${Math.floor(i / size)} is ${parts.features[i]}`,
        'remove or impute missing values before loading',
      );
    }
  }
  return parts;
}

/** The samples at `indices`, in that order. */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const size = sampleSize(ds.sampleShape);
  const features = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    features.set(ds.features.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = ds.labels[j];
  }
  return { ...ds, features, labels };
}
