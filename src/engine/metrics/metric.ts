/**
 * The contract of an evaluation metric: a pure function from predictions and targets (typed
 * arrays, row-major) to one number. No tensors: metrics run on whatever the model's predictions
 * were read back into, and sum in float64.
 */

import type { TargetKind } from '../../data/fields.js';

/** What a head predicts and what its target is (the kinds of target fields). */
export type { TargetKind };
/** Every target kind, in the order docs and `jointly info` list them. */
export { TARGET_KINDS } from '../../data/fields.js';

/**
 * What a metric is computed over. The array type of `targets` tells the layout apart: an
 * Int32Array holds class indices (`classes`); a Float32Array holds 0/1 labels (`binary`, which is
 * `multilabel` of width 1) or real values (`regression`), as the metric expects.
 */
export interface MetricInput {
  /** Predictions per sample, row-major:
   *  classes: class probabilities, n*width (width = number of classes);
   *  binary: probability of the positive class, n (width 1);
   *  multilabel: per-label probabilities, n*width;
   *  regression: predicted values, n*width. */
  readonly predictions: Float32Array;
  /** Targets: classes: class index per sample (Int32Array, n); binary/multilabel: 0/1 values (Float32Array, n*width); regression: values (Float32Array, n*width). */
  readonly targets: Int32Array | Float32Array;
  /** Classes, labels or regression outputs per sample. */
  readonly width: number;
  /** Per sample: 1 labelled, 0 label missing (ignored by every metric). Absent: every sample is labelled. */
  readonly mask?: Uint8Array;
}

/** An evaluation metric, registered by name in `registry.ts`. */
export interface Metric {
  /** Registry name, camelCase, e.g. `accuracy`, `macroF1`, `crossEntropy`, `auc`, `rmse`, `mae`, `r2`. */
  readonly name: string;
  /** One line for docs and `jointly info`. */
  readonly summary: string;
  /** Target kinds it applies to. */
  readonly kinds: readonly TargetKind[];
  /** Whether a larger value is better (accuracy) or worse (rmse). */
  readonly higherIsBetter: boolean;
  /** The metric over the labelled samples; NaN when there are none (or when undefined, e.g. AUC with one class only, R² of a constant target). */
  compute(input: MetricInput): number;
}
