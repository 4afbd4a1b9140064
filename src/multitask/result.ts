/**
 * What a multi-task run produces: per seed, the multi-task model's and the single-task models'
 * test metrics per task, their validation curves, parameter counts and training times. The
 * report (multitask-report.ts) turns it into the joint-versus-alone table with Δm.
 */
import type { TargetKind } from '../data/fields.js';
import type { MetricValues } from '../engine/evaluate.js';

/** One task as the report shows it. */
export interface TaskSummary {
  readonly name: string;
  readonly kind: TargetKind;
  /** The headline metric of the task (the first metric of its kind: accuracy, or rmse for regression), compared in the table and in Δm. */
  readonly metric: string;
  /** Whether a larger headline value is better. */
  readonly higherIsBetter: boolean;
  /** Every metric reported for the task, in order. */
  readonly metrics: readonly string[];
  /** Labelled samples of the task in the test set (metrics count only these). */
  readonly labelledTest: number;
  /** Labelled samples of the task in the training set. */
  readonly labelledTrain: number;
}

/** One seed of a multi-task run: the multi-task model against the single-task models. */
export interface MultitaskSeedResult {
  readonly seed: number;
  /** Test metrics of the multi-task model, by task. */
  readonly multi: Readonly<Record<string, MetricValues>>;
  /** Test metrics of each task's single-task model, by task. */
  readonly single: Readonly<Record<string, MetricValues>>;
  /**
   * Headline validation metric after every epoch (empty when there is no validation split):
   * `multi[task][epoch]` and `single[task][epoch]`.
   */
  readonly curves: { readonly multi: Readonly<Record<string, readonly number[]>>; readonly single: Readonly<Record<string, readonly number[]>> };
  /** Training seconds: the multi-task model, and each single-task model. */
  readonly seconds: { readonly multi: number; readonly single: Readonly<Record<string, number>> };
  /** Trainable parameters: the multi-task model, and each single-task model. */
  readonly params: { readonly multi: number; readonly single: Readonly<Record<string, number>> };
  /** The weighting's task weights at the end of each epoch (for methods with weights). */
  readonly weights: readonly (readonly number[])[];
}

/** A whole multi-task run. */
export interface MultitaskResult {
  /** Run name. */
  readonly name: string;
  /** Architecture registry name (e.g. `hard-sharing`). */
  readonly architecture: string;
  /** Weighting registry name (e.g. `ew`, `pcgrad`), with ` (representation)` appended for representation-gradient variants. */
  readonly weighting: string;
  /** One-line description of the data. */
  readonly data: string;
  readonly tasks: readonly TaskSummary[];
  readonly seeds: readonly MultitaskSeedResult[];
  /** Epochs each model trained. */
  readonly epochs: number;
  /** Tensor backend the run used. */
  readonly backend: string;
}
