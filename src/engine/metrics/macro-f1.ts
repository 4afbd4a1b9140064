/** Macro-averaged F1 over classes, following scikit-learn's `f1_score(average='macro')`. */
import { argmaxRow, checkInput, isLabelled } from './check-input.js';
import type { Metric, MetricInput } from './metric.js';

function compute(input: MetricInput): number {
  const n = checkInput(macroF1.name, input, 'classes');
  const { predictions, targets, width, mask } = input;
  const tp = new Float64Array(width);
  const fp = new Float64Array(width);
  const fn = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    if (!isLabelled(mask, i)) continue;
    const label = targets[i];
    const predicted = argmaxRow(predictions, i * width, width);
    if (predicted === label) {
      tp[label]++;
    } else {
      fp[predicted]++;
      fn[label]++;
    }
  }
  let sum = 0;
  let classes = 0;
  for (let c = 0; c < width; c++) {
    const denominator = 2 * tp[c] + fp[c] + fn[c];
    if (denominator === 0) continue; // neither a label nor a prediction: not counted
    sum += (2 * tp[c]) / denominator;
    classes++;
  }
  return classes === 0 ? NaN : sum / classes;
}

/**
 * classes only. The predicted class is the argmax (ties to the lowest index). F1 per class is
 * 2·TP / (2·TP + FP + FN), averaged with equal weight over the classes that occur among the
 * labelled samples' targets or predictions (their union), exactly as scikit-learn's
 * `f1_score(y_true, y_pred, average='macro')` without `labels=`: a class that is predicted but
 * never the label, or the label but never predicted, counts with F1 = 0 (scikit-learn's
 * zero_division default); a class that is neither is left out of the average.
 */
export const macroF1: Metric = {
  name: 'macroF1',
  summary: 'F1 per class averaged over classes in the labels or predictions (scikit-learn average=macro)',
  kinds: ['classes'],
  higherIsBetter: true,
  compute,
};
