/** Accuracy: the fraction of predictions that are right. */
import { argmaxRow, checkInput, classificationLayout, isLabelled } from './check-input.js';
import type { Metric, MetricInput } from './metric.js';

/** Probability at or above which a binary or multilabel prediction counts as positive. */
export const ACCURACY_THRESHOLD = 0.5;

function compute(input: MetricInput): number {
  const layout = classificationLayout(input);
  const n = checkInput(accuracy.name, input, layout);
  const { predictions, targets, width, mask } = input;
  let right = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (!isLabelled(mask, i)) continue;
    if (layout === 'classes') {
      if (argmaxRow(predictions, i * width, width) === targets[i]) right++;
      total++;
      continue;
    }
    for (let j = i * width; j < (i + 1) * width; j++) {
      const predicted = predictions[j] >= ACCURACY_THRESHOLD ? 1 : 0;
      if (predicted === targets[j]) right++;
      total++;
    }
  }
  return total === 0 ? NaN : right / total;
}

/**
 * classes: argmax of the probabilities equals the label (ties to the lowest index, as tf.argMax);
 * binary: p ≥ 0.5 agrees with the 0/1 target; multilabel: the fraction of (sample, label) entries
 * right at threshold 0.5, i.e. 1 − Hamming loss (not subset accuracy).
 */
export const accuracy: Metric = {
  name: 'accuracy',
  summary: 'fraction right: argmax = label; for 0/1 targets, entries right at p ≥ 0.5 (1 − Hamming loss)',
  kinds: ['classes', 'binary', 'multilabel'],
  higherIsBetter: true,
  compute,
};
