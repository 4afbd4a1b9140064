/** ROC AUC by the Mann–Whitney U statistic. */
import { checkInput, isLabelled } from './check-input.js';
import type { Metric, MetricInput } from './metric.js';

/**
 * AUC of one label column over the labelled samples: the probability that a random positive
 * scores above a random negative, a tie counting one half. Computed from ranks in O(m log m):
 * tied scores share their midrank, AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊·n₋) with R₊ the positives'
 * rank sum. Undefined when the column's labelled samples hold one class only; NaN when a
 * labelled score is NaN.
 */
function columnAuc(input: MetricInput, n: number, column: number): number | undefined {
  const { predictions, targets, width, mask } = input;
  const scores = new Float64Array(n);
  const positive = new Uint8Array(n);
  let m = 0;
  let positives = 0;
  let sawNaN = false;
  for (let i = 0; i < n; i++) {
    if (!isLabelled(mask, i)) continue;
    const s = predictions[i * width + column];
    if (Number.isNaN(s)) sawNaN = true;
    scores[m] = s;
    if (targets[i * width + column] === 1) {
      positive[m] = 1;
      positives++;
    }
    m++;
  }
  const negatives = m - positives;
  if (positives === 0 || negatives === 0) return undefined;
  if (sawNaN) return NaN;
  const order = new Int32Array(m);
  for (let k = 0; k < m; k++) order[k] = k;
  order.sort((a, b) => (scores[a] < scores[b] ? -1 : scores[a] > scores[b] ? 1 : 0)); // also right for ±Infinity
  let positiveRanks = 0;
  for (let start = 0; start < m; ) {
    let end = start + 1;
    while (end < m && scores[order[end]] === scores[order[start]]) end++;
    const midrank = (start + 1 + end) / 2; // average of the 1-based ranks start+1 … end
    for (let k = start; k < end; k++) if (positive[order[k]] === 1) positiveRanks += midrank;
    start = end;
  }
  return (positiveRanks - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function compute(input: MetricInput): number {
  const n = checkInput(auc.name, input, 'labels');
  let sum = 0;
  let columns = 0;
  for (let j = 0; j < input.width; j++) {
    const value = columnAuc(input, n, j);
    if (value === undefined) continue;
    sum += value;
    columns++;
  }
  return columns === 0 ? NaN : sum / columns;
}

/**
 * binary: ROC AUC by the Mann–Whitney statistic, tied scores given their midrank (a positive tied
 * with a negative counts one half, as scikit-learn's `roc_auc_score`), O(n log n). multilabel: the
 * unweighted mean over labels (scikit-learn's average='macro'), skipping labels whose labelled
 * samples are all positive or all negative (where scikit-learn would raise). NaN if no label remains.
 */
export const auc: Metric = {
  name: 'auc',
  summary: 'ROC AUC (Mann–Whitney, ties count ½); multilabel: mean over labels holding both classes',
  kinds: ['binary', 'multilabel'],
  higherIsBetter: true,
  compute,
};
