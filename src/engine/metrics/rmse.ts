/** Root mean squared error of regression predictions. */
import { checkInput, isLabelled } from './check-input.js';
import type { Metric, MetricInput } from './metric.js';

function compute(input: MetricInput): number {
  const n = checkInput(rmse.name, input, 'values');
  const { predictions, targets, width, mask } = input;
  const squares = new Float64Array(width);
  let labelled = 0;
  for (let i = 0; i < n; i++) {
    if (!isLabelled(mask, i)) continue;
    for (let j = 0; j < width; j++) {
      const d = predictions[i * width + j] - targets[i * width + j];
      squares[j] += d * d;
    }
    labelled++;
  }
  if (labelled === 0) return NaN;
  let sum = 0;
  for (let j = 0; j < width; j++) sum += Math.sqrt(squares[j] / labelled);
  return sum / width;
}

/**
 * regression: √(mean squared error) over the labelled samples, per output; for width > 1 the
 * mean of the per-output RMSEs (scikit-learn's `root_mean_squared_error`, multioutput='uniform_average').
 */
export const rmse: Metric = {
  name: 'rmse',
  summary: 'root mean squared error, averaged over outputs',
  kinds: ['regression'],
  higherIsBetter: false,
  compute,
};
