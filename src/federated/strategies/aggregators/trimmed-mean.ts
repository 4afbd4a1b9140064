/**
 * `trimmed-mean`: per coordinate, the ⌊β·n⌋ smallest and largest values over the n replies are
 * dropped and the rest averaged, unweighted (Yin et al., ICML 2018; Flower's FedTrimmedAvg).
 * Needs one reply (β < 0.5 always leaves one value); it only trims once n ≥ 1/β.
 */
import { trimCount, trimmedMean } from '../../aggregate/trimmed-mean.js';
import { FEW_REPLIES_HINT, type Aggregator, type AggregatorInput, type AggregatorOutput, type MinimumReplies } from './aggregator.js';
import type { AggregatorSpecOf } from './options.js';

/** Coordinate-wise trimmed mean. */
export class TrimmedMeanAggregator implements Aggregator {
  readonly name = 'trimmed-mean';
  readonly options: AggregatorSpecOf<'trimmed-mean'>;

  constructor(options: AggregatorSpecOf<'trimmed-mean'>) {
    this.options = options;
  }

  get title(): string {
    return `trimmed mean with beta=${this.options.beta}`;
  }

  requirement(): MinimumReplies {
    return { min: 1, rule: 'at least 1', hint: FEW_REPLIES_HINT };
  }

  aggregate(input: AggregatorInput): AggregatorOutput {
    const { beta } = this.options;
    const params = trimmedMean(
      input.replies.map((r) => r.params),
      { beta },
    );
    return { aggregate: { kind: 'params', params }, metrics: { trimmedPerEnd: trimCount(input.replies.length, beta) } };
  }
}
