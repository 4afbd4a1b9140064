/**
 * Δm, the multi-task gain of Maninis et al. (CVPR 2019, "Attentive single-tasking of multiple
 * tasks", section 4): the mean over tasks of the signed relative difference, in percent, between
 * the multi-task model and the single-task baseline,
 *
 *   Δm = (100 / K) Σ_k (−1)^{l_k} (M_multi,k − M_single,k) / M_single,k,
 *
 * with l_k = 1 when lower is better (rmse, mae, crossEntropy) and 0 otherwise, so a positive Δm
 * means the multi-task model is better on average. The same formula as LibMTL's
 * `count_improvement` (LibMTL/utils.py), which writes it (−1)^{w} (B − N) / B with w = 1 for
 * higher-is-better; here the baseline is always the TRAINED single-task models (LibMTL compares
 * against whatever base result it is given), and only each task's headline metric enters (LibMTL
 * also averages over every metric of a task first).
 *
 * The denominator is |M_single,k|: identical to the paper for the headline metrics (accuracy and
 * rmse are never negative), and it keeps "positive means better" for a metric whose baseline can
 * be negative (R² of a poor model), where dividing by a negative value would flip the sign.
 *
 * Pure: no tfjs, numbers in float64.
 */
import { DataMissingError } from '../errors.js';
import { pairedInterval, summarize, type PairedInterval, type Summary } from '../report/stats.js';
import type { MultitaskResult } from './result.js';

/** The part of a task Δm needs (a `TaskSummary` fits). */
export interface DeltaMTask {
  /** Task name, the key of the metric records. */
  readonly name: string;
  /** The headline metric compared. */
  readonly metric: string;
  /** Whether a larger value of `metric` is better (l_k = 0) or worse (l_k = 1). */
  readonly higherIsBetter: boolean;
}

/** Metric values by task, then by metric name (`MetricValues` per task). */
export type TaskMetrics = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Why Δm could not be computed for one task. */
export interface DeltaMProblem {
  readonly task: string;
  readonly metric: string;
  /**
   * `zero-single`: the single-task value is 0, the relative difference is undefined;
   * `non-finite`: a value is NaN or infinite (e.g. AUC when the test labels have one class);
   * `missing`: a model has no value for the metric.
   */
  readonly cause: 'zero-single' | 'non-finite' | 'missing';
  /** One sentence naming the task, the metric and the cause. */
  readonly message: string;
}

/** Δm of one seed: defined, or NaN with the reasons. */
export type DeltaMResult =
  | {
      readonly kind: 'defined';
      /** Δm in percent (+2.5 means 2.5% better on average). */
      readonly value: number;
      /** Per task: (−1)^{l_k} (M_multi,k − M_single,k) / |M_single,k| × 100, in percent. */
      readonly relative: Readonly<Record<string, number>>;
    }
  | {
      readonly kind: 'undefined';
      /** Always NaN. */
      readonly value: number;
      /** The tasks whose relative difference is undefined, and why. */
      readonly problems: readonly DeltaMProblem[];
    };

/** The signed relative difference of one task in percent, or the reason it is undefined. */
function relativeDifference(task: DeltaMTask, multi: number | undefined, single: number | undefined): number | DeltaMProblem {
  const base = { task: task.name, metric: task.metric };
  if (multi === undefined || single === undefined) {
    const who = multi === undefined ? (single === undefined ? 'neither model' : 'the multi-task model') : 'the single-task model';
    return { ...base, cause: 'missing', message: `task '${task.name}': ${who} has no ${task.metric} value` };
  }
  if (!Number.isFinite(multi) || !Number.isFinite(single)) {
    const which = Number.isFinite(multi) ? `single-task ${task.metric} is ${single}` : `multi-task ${task.metric} is ${multi}`;
    return { ...base, cause: 'non-finite', message: `task '${task.name}': ${which} (e.g. AUC or R² on test labels of one value)` };
  }
  if (single === 0) {
    return { ...base, cause: 'zero-single', message: `task '${task.name}': single-task ${task.metric} is 0, so the relative difference is undefined` };
  }
  const sign = task.higherIsBetter ? 1 : -1;
  return (100 * sign * (multi - single)) / Math.abs(single);
}

/**
 * Δm of one seed over the tasks' headline metrics: `multi[task][metric]` against
 * `single[task][metric]`. Undefined (NaN, with every task's reason) when any task's relative
 * difference is. DataMissingError for an empty task list.
 */
export function deltaM(tasks: readonly DeltaMTask[], multi: TaskMetrics, single: TaskMetrics): DeltaMResult {
  if (tasks.length === 0) throw new DataMissingError('Δm needs at least one task, got none', 'pass the tasks of the run (MultitaskResult.tasks)');
  const relative: Record<string, number> = {};
  const problems: DeltaMProblem[] = [];
  let sum = 0;
  for (const task of tasks) {
    const r = relativeDifference(task, multi[task.name]?.[task.metric], single[task.name]?.[task.metric]);
    if (typeof r === 'number') {
      relative[task.name] = r;
      sum += r;
    } else {
      problems.push(r);
    }
  }
  if (problems.length > 0) return { kind: 'undefined', value: Number.NaN, problems };
  return { kind: 'defined', value: sum / tasks.length, relative };
}

/** Δm of one seed, labelled with the seed. */
export interface SeedDeltaM {
  readonly seed: number;
  readonly result: DeltaMResult;
}

/** Δm over seeds. */
export interface DeltaMSummary {
  /** Per seed, in input order. */
  readonly perSeed: readonly SeedDeltaM[];
  /** Mean ± sample std over seeds of Δm (percent); NaN when any seed's Δm is undefined. */
  readonly summary: Summary;
  /**
   * Paired 95% confidence interval (Student t over seeds) of the mean Δm: each seed's Δm is
   * already a paired multi-versus-single difference. Bounds NaN with fewer than 2 seeds or when a
   * seed's Δm is undefined.
   */
  readonly interval: PairedInterval;
  /** Every seed's problems, with the seed; empty when Δm is defined for every seed. */
  readonly problems: readonly (DeltaMProblem & { readonly seed: number })[];
}

/** Summarizes per-seed Δm values: mean ± std and the paired confidence interval. */
export function summarizeDeltaM(perSeed: readonly SeedDeltaM[]): DeltaMSummary {
  const values = perSeed.map((s) => s.result.value);
  const problems = perSeed.flatMap((s) => (s.result.kind === 'undefined' ? s.result.problems.map((p) => ({ ...p, seed: s.seed })) : []));
  return { perSeed: [...perSeed], summary: summarize(values), interval: pairedInterval(values), problems };
}

/**
 * Δm of every seed of a run over its tasks' headline metrics, and their summary: `deltaM` per
 * seed, then `summarizeDeltaM`.
 */
export function deltaMSummary(result: Pick<MultitaskResult, 'tasks' | 'seeds'>): DeltaMSummary {
  return summarizeDeltaM(result.seeds.map((s) => ({ seed: s.seed, result: deltaM(result.tasks, s.multi, s.single) })));
}
