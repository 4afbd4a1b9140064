/**
 * `multikrum` (Blanchard et al., NeurIPS 2017): the uniform mean of the m replies of lowest Krum
 * score (see `krum.ts`), m = n − f by default. Tolerates f Byzantine replies; needs
 * n ≥ max(2f + 3, m).
 */
import { krumMinVectors, krumSelect } from '../../aggregate/krum.js';
import { mean } from '../../aggregate/weighted-mean.js';
import { FEW_REPLIES_ROBUST_HINT, type Aggregator, type AggregatorInput, type AggregatorOutput, type MinimumReplies } from './aggregator.js';
import type { AggregatorSpecOf } from './options.js';

/** Multi-Krum: average the m most central replies. */
export class MultiKrumAggregator implements Aggregator {
  readonly name = 'multikrum';
  readonly options: AggregatorSpecOf<'multikrum'>;

  constructor(options: AggregatorSpecOf<'multikrum'>) {
    this.options = options;
  }

  get title(): string {
    const { byzantine, keep } = this.options;
    return keep === undefined ? `Multi-Krum with f=${byzantine}` : `Multi-Krum with f=${byzantine} and m=${keep}`;
  }

  requirement(): MinimumReplies {
    const krumMin = krumMinVectors(this.options.byzantine);
    const { keep } = this.options;
    const hint = keep === undefined ? FEW_REPLIES_ROBUST_HINT : 'lower m (the keep option) or f (the byzantine option), raise the fraction of clients sampled, or lengthen the round deadline';
    if (keep !== undefined && keep > krumMin) return { min: keep, rule: `at least m = ${keep}`, hint };
    return { min: krumMin, rule: `more than 2f+2 = ${krumMin - 1}`, hint };
  }

  aggregate(input: AggregatorInput): AggregatorOutput {
    const { replies } = input;
    const { byzantine } = this.options;
    const keep = this.options.keep ?? replies.length - byzantine;
    const { selected } = krumSelect(
      replies.map((r) => r.params),
      { byzantine, keep },
    );
    return {
      aggregate: { kind: 'params', params: mean(selected.map((i) => replies[i].params)) },
      metrics: { kept: keep, rejected: replies.length - keep },
    };
  }
}
