/** Cross-entropy (log loss) of predicted probabilities. */
import { checkInput, classificationLayout, isLabelled } from './check-input.js';
import type { Metric, MetricInput } from './metric.js';

/** Probabilities are clipped to [CROSS_ENTROPY_EPSILON, 1] before the log, so a confident miss costs −log(1e-7) ≈ 16.12. */
export const CROSS_ENTROPY_EPSILON = 1e-7;

/** −log of the probability given to what happened, clipped to [ε, 1]. */
function nll(p: number): number {
  return -Math.log(Math.min(1, Math.max(CROSS_ENTROPY_EPSILON, p)));
}

function compute(input: MetricInput): number {
  const layout = classificationLayout(input);
  const n = checkInput(crossEntropy.name, input, layout);
  const { predictions, targets, width, mask } = input;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!isLabelled(mask, i)) continue;
    if (layout === 'classes') {
      sum += nll(predictions[i * width + targets[i]]);
      count++;
      continue;
    }
    for (let j = i * width; j < (i + 1) * width; j++) {
      const p = predictions[j];
      sum += nll(targets[j] === 1 ? p : 1 - p);
      count++;
    }
  }
  return count === 0 ? NaN : sum / count;
}

/**
 * classes: mean of −log(clip(p_label, 1e-7, 1)); binary: mean of −log(clip(q, 1e-7, 1)) where q is
 * p for a positive target and 1 − p for a negative one (the same clip, applied to the probability
 * of the outcome that happened); multilabel: that binary log loss averaged over every labelled
 * (sample, label) entry.
 */
export const crossEntropy: Metric = {
  name: 'crossEntropy',
  summary: 'mean −log of the probability given to the true class or 0/1 outcome, clipped at 1e-7',
  kinds: ['classes', 'binary', 'multilabel'],
  higherIsBetter: false,
  compute,
};
