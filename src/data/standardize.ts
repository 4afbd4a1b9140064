/**
 * Feature standardization with statistics of the training split only: each feature of a float
 * field becomes (v − mean) / std, mean and std taken over the training samples, then applied
 * unchanged to validation and test. A constant feature (std 0) is only centred. Pure, no tfjs.
 */
import { sampleSize } from './dataset.js';
import type { FieldDataset, FloatField } from './fields.js';

/** Mean and standard deviation of each feature (each value of a sample), in float64. */
export interface FeatureStatistics {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/** The statistics of a float field over its samples (population standard deviation). */
export function featureStatistics(field: FloatField): FeatureStatistics {
  const width = sampleSize(field.shape);
  const n = field.values.length / width;
  const mean = new Float64Array(width);
  const sq = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) mean[j] += field.values[i * width + j];
  for (let j = 0; j < width; j++) mean[j] /= Math.max(n, 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < width; j++) {
      const d = field.values[i * width + j] - mean[j];
      sq[j] += d * d;
    }
  }
  const std = Float64Array.from(sq, (s) => Math.sqrt(s / Math.max(n, 1)));
  return { mean, std };
}

/** A copy of the field standardized with `stats` (a feature with std 0 is only centred). */
export function standardizeField(field: FloatField, stats: FeatureStatistics): FloatField {
  const width = sampleSize(field.shape);
  if (stats.mean.length !== width) throw new RangeError(`statistics of ${stats.mean.length} features for samples of ${width}`);
  const values = new Float32Array(field.values.length);
  for (let k = 0; k < values.length; k++) {
    const j = k % width;
    const s = stats.std[j];
    values[k] = (field.values[k] - stats.mean[j]) / (s > 0 ? s : 1);
  }
  return { ...field, values };
}

/** The dataset with its float field `input` standardized with `stats`; other fields shared. */
export function standardizeDataset(ds: FieldDataset, input: string, stats: FeatureStatistics): FieldDataset {
  const field = ds.fields[input];
  if (field?.kind !== 'float') throw new RangeError(`'${input}' is not a float field`);
  return { length: ds.length, fields: { ...ds.fields, [input]: standardizeField(field, stats) } };
}
