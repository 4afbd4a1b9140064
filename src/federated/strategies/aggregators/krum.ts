/**
 * `krum` (Blanchard et al., NeurIPS 2017, "Machine learning with adversaries: Byzantine tolerant
 * gradient descent"): the aggregate is a copy of the one reply whose sum of squared distances to
 * its n − f − 2 nearest other replies is smallest. Tolerates f Byzantine replies; needs n > 2f + 2.
 */
import { krumMinVectors, krumSelect } from '../../aggregate/krum.js';
import { FEW_REPLIES_ROBUST_HINT, type Aggregator, type AggregatorInput, type AggregatorOutput, type MinimumReplies } from './aggregator.js';
import type { AggregatorSpecOf } from './options.js';

/** Krum: keep the single most central reply. */
export class KrumAggregator implements Aggregator {
  readonly name = 'krum';
  readonly options: AggregatorSpecOf<'krum'>;

  constructor(options: AggregatorSpecOf<'krum'>) {
    this.options = options;
  }

  get title(): string {
    return `Krum with f=${this.options.byzantine}`;
  }

  requirement(): MinimumReplies {
    const min = krumMinVectors(this.options.byzantine);
    return { min, rule: `more than 2f+2 = ${min - 1}`, hint: FEW_REPLIES_ROBUST_HINT };
  }

  aggregate(input: AggregatorInput): AggregatorOutput {
    const { replies } = input;
    const { selected, scores } = krumSelect(
      replies.map((r) => r.params),
      { byzantine: this.options.byzantine, keep: 1 },
    );
    const winner = selected[0];
    return {
      aggregate: { kind: 'params', params: Float32Array.from(replies[winner].params) },
      metrics: { kept: 1, rejected: replies.length - 1, krumScore: scores[winner] },
    };
  }
}
