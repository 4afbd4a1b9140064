/**
 * Missing-value imputation and feature scaling over row-major typed arrays: statistics are fitted
 * on the training rows only and then applied unchanged to every split and at inference. Missing
 * values are NaN. Pure, no tfjs, browser-safe.
 */

/** Row-major features: `rows × width` values. */
export type FeatureValues = Float32Array | Float64Array;

/** The scaling methods of `data.preprocess` ('none' scales nothing). */
export const SCALING_METHODS = ['standardize', 'min-max'] as const;
/** A scaling method: `standardize` (mean 0, std 1) or `min-max` (to [0, 1] on the training rows). */
export type ScalingMethod = (typeof SCALING_METHODS)[number];

/** A fitted per-feature affine transform: `x' = (x - offset[j]) / scale[j]`. */
export interface FeatureScaling {
  /** How it was fitted. */
  method: ScalingMethod;
  /** Subtracted from each feature (the training mean, or minimum). */
  offset: number[];
  /** Divides each feature after the offset (the training std, or max − min; 1 for a constant feature). */
  scale: number[];
}

/** Throws a RangeError unless `values` holds whole rows of `width`. */
function rowsOf(values: FeatureValues, width: number): number {
  if (!Number.isInteger(width) || width <= 0 || values.length % width !== 0) {
    throw new RangeError(`${values.length} values are not rows of ${width} features`);
  }
  return values.length / width;
}

/**
 * The mean of each feature over the rows where it is not NaN (the training mean used for
 * imputation); a feature missing on every row gets 0.
 */
export function fitImputeValues(values: FeatureValues, width: number): number[] {
  const n = rowsOf(values, width);
  const sum = new Float64Array(width);
  const count = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < width; j++) {
      const v = values[i * width + j];
      if (!Number.isNaN(v)) {
        sum[j] += v;
        count[j]++;
      }
    }
  }
  return Array.from(sum, (s, j) => (count[j] > 0 ? s / count[j] : 0));
}

/** A copy of `values` with each NaN replaced by its feature's impute value. */
export function applyImpute(values: FeatureValues, width: number, impute: readonly number[]): Float32Array {
  rowsOf(values, width);
  if (impute.length !== width) throw new RangeError(`impute values for ${impute.length} features, rows of ${width}`);
  const out = new Float32Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    out[k] = Number.isNaN(v) ? impute[k % width] : v;
  }
  return out;
}

/** Whether any value is NaN (a missing value not yet imputed). */
export function hasMissing(values: FeatureValues): boolean {
  for (let k = 0; k < values.length; k++) if (Number.isNaN(values[k])) return true;
  return false;
}

/**
 * Fits a scaling on training rows (no NaN): `standardize` takes the mean and the population
 * standard deviation, `min-max` the minimum and the range. A constant feature (std or range 0)
 * gets scale 1, so it is only shifted.
 */
export function fitScaling(values: FeatureValues, width: number, method: ScalingMethod): FeatureScaling {
  const n = rowsOf(values, width);
  if (n === 0) throw new RangeError('cannot fit a scaling on no rows');
  const offset = new Float64Array(width);
  const scale = new Float64Array(width);
  if (method === 'standardize') {
    for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) offset[j] += values[i * width + j];
    for (let j = 0; j < width; j++) offset[j] /= n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < width; j++) {
        const d = values[i * width + j] - offset[j];
        scale[j] += d * d;
      }
    }
    for (let j = 0; j < width; j++) scale[j] = Math.sqrt(scale[j] / n);
  } else {
    const max = new Float64Array(width).fill(-Infinity);
    offset.fill(Infinity);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < width; j++) {
        const v = values[i * width + j];
        if (v < offset[j]) offset[j] = v;
        if (v > max[j]) max[j] = v;
      }
    }
    for (let j = 0; j < width; j++) scale[j] = max[j] - offset[j];
  }
  return { method, offset: Array.from(offset), scale: Array.from(scale, (s) => (s > 0 && Number.isFinite(s) ? s : 1)) };
}

/** A copy of `values` scaled with a fitted scaling: `(x - offset[j]) / scale[j]`. */
export function applyScaling(values: FeatureValues, width: number, scaling: FeatureScaling): Float32Array {
  rowsOf(values, width);
  if (scaling.offset.length !== width || scaling.scale.length !== width) {
    throw new RangeError(`a scaling of ${scaling.offset.length} features for rows of ${width}`);
  }
  const out = new Float32Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const j = k % width;
    out[k] = (values[k] - scaling.offset[j]) / scaling.scale[j];
  }
  return out;
}
