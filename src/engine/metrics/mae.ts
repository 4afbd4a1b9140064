/** Mean absolute error of regression predictions. */
import { checkInput, isLabelled } from './check-input.js';
import type { Metric, MetricInput } from './metric.js';

function compute(input: MetricInput): number {
  const n = checkInput(mae.name, input, 'values');
  const { predictions, targets, width, mask } = input;
  const absolutes = new Float64Array(width);
  let labelled = 0;
  for (let i = 0; i < n; i++) {
    if (!isLabelled(mask, i)) continue;
    for (let j = 0; j < width; j++) absolutes[j] += Math.abs(predictions[i * width + j] - targets[i * width + j]);
    labelled++;
  }
  if (labelled === 0) return NaN;
  let sum = 0;
  for (let j = 0; j < width; j++) sum += absolutes[j] / labelled;
  return sum / width;
}

/**
 * regression: mean |prediction − target| over the labelled samples, per output; for width > 1
 * the mean of the per-output values (scikit-learn's `mean_absolute_error`, multioutput='uniform_average').
 */
export const mae: Metric = {
  name: 'mae',
  summary: 'mean absolute error, averaged over outputs',
  kinds: ['regression'],
  higherIsBetter: false,
  compute,
};
