/**
 * `median`: the coordinate-wise median of the replies' parameters, unweighted (Yin et al., ICML
 * 2018; Flower's FedMedian). Needs one reply; it tolerates fewer than half of the replies being
 * Byzantine per coordinate.
 */
import { coordinateMedian } from '../../aggregate/coordinate-median.js';
import { FEW_REPLIES_HINT, type Aggregator, type AggregatorInput, type AggregatorOutput, type MinimumReplies } from './aggregator.js';
import type { AggregatorSpecOf } from './options.js';

/** Coordinate-wise median. */
export class MedianAggregator implements Aggregator {
  readonly name = 'median';
  readonly title = 'coordinate-wise median';
  readonly options: AggregatorSpecOf<'median'>;

  constructor(options: AggregatorSpecOf<'median'>) {
    this.options = options;
  }

  requirement(): MinimumReplies {
    return { min: 1, rule: 'at least 1', hint: FEW_REPLIES_HINT };
  }

  aggregate(input: AggregatorInput): AggregatorOutput {
    return { aggregate: { kind: 'params', params: coordinateMedian(input.replies.map((r) => r.params)) }, metrics: {} };
  }
}
