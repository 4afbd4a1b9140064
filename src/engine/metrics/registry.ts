/**
 * The evaluation metrics by name, and the ones that apply to each target kind. Adding a metric:
 * a file exporting a `Metric`, and a line in `METRICS`.
 */
import { UnknownNameError } from '../../errors.js';
import { accuracy } from './accuracy.js';
import { auc } from './auc.js';
import { crossEntropy } from './cross-entropy.js';
import { macroF1 } from './macro-f1.js';
import { mae } from './mae.js';
import type { Metric, TargetKind } from './metric.js';
import { TARGET_KINDS } from './metric.js';
import { r2 } from './r2.js';
import { rmse } from './rmse.js';

/**
 * Every registered metric, in registry order. The order is also the order of `metricsFor`:
 * classes: accuracy, macroF1, crossEntropy; binary and multilabel: accuracy, auc, crossEntropy;
 * regression: rmse, mae, r2. The first metric of a kind is its headline metric.
 */
export const METRICS: readonly Metric[] = [accuracy, macroF1, auc, crossEntropy, rmse, mae, r2];

/** Names of the registered metrics, in registry order. */
export const METRIC_NAMES: readonly string[] = METRICS.map((m) => m.name);

function ofKind(kind: TargetKind): readonly Metric[] {
  return METRICS.filter((m) => m.kinds.includes(kind));
}

const BY_KIND: Readonly<Record<TargetKind, readonly Metric[]>> = {
  classes: ofKind('classes'),
  binary: ofKind('binary'),
  multilabel: ofKind('multilabel'),
  regression: ofKind('regression'),
};

/** The metric registered under `name`; UnknownNameError lists the valid names. */
export function getMetric(name: string): Metric {
  const metric = METRICS.find((m) => m.name === name);
  if (metric === undefined) throw new UnknownNameError('metric', name, METRIC_NAMES);
  return metric;
}

/** The metrics that apply to a target kind, in registry order (see `METRICS`); UnknownNameError for a kind that is not one. */
export function metricsFor(kind: TargetKind): readonly Metric[] {
  if (!Object.hasOwn(BY_KIND, kind)) throw new UnknownNameError('target kind', String(kind), TARGET_KINDS);
  return BY_KIND[kind];
}

/** All registered metrics, in registry order. */
export function listMetrics(): readonly Metric[] {
  return METRICS;
}
