/** Coefficient of determination R² of regression predictions. */
import { checkInput, isLabelled } from './check-input.js';
import type { Metric, MetricInput } from './metric.js';

function compute(input: MetricInput): number {
  const n = checkInput(r2.name, input, 'values');
  const { predictions, targets, width, mask } = input;
  const means = new Float64Array(width);
  let labelled = 0;
  for (let i = 0; i < n; i++) {
    if (!isLabelled(mask, i)) continue;
    for (let j = 0; j < width; j++) means[j] += targets[i * width + j];
    labelled++;
  }
  if (labelled === 0) return NaN;
  for (let j = 0; j < width; j++) means[j] /= labelled;
  const residual = new Float64Array(width);
  const total = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    if (!isLabelled(mask, i)) continue;
    for (let j = 0; j < width; j++) {
      const y = targets[i * width + j];
      const r = y - predictions[i * width + j];
      const d = y - means[j];
      residual[j] += r * r;
      total[j] += d * d;
    }
  }
  let sum = 0;
  for (let j = 0; j < width; j++) {
    if (total[j] === 0) return NaN; // a constant target: R² is undefined
    sum += 1 - residual[j] / total[j];
  }
  return sum / width;
}

/**
 * regression: 1 − SS_res / SS_tot over the labelled samples, per output, SS_tot taken about the
 * labelled samples' mean; for width > 1 the mean of the per-output values (scikit-learn's
 * `r2_score`, multioutput='uniform_average'). NaN when an output's labelled targets are constant
 * (SS_tot = 0, including a single labelled sample), as scikit-learn with force_finite=False.
 */
export const r2: Metric = {
  name: 'r2',
  summary: 'coefficient of determination 1 − SS_res/SS_tot, averaged over outputs',
  kinds: ['regression'],
  higherIsBetter: true,
  compute,
};
