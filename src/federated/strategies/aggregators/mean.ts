/**
 * `mean`: the weighted mean of the replies. Weighted by example counts it is FedAvg's aggregate
 * (McMahan et al. 2017) and refuses a round whose counts are all 0; uniform, it is SCAFFOLD's
 * (Karimireddy et al. 2020). Over `parameters` the aggregate is Σ wᵢyᵢ/Σ wᵢ rounded to float32
 * once; over `updates` it is the unrounded sum Σ wᵢ(yᵢ − x) and Σ wᵢ (see `Aggregate`). A linear
 * aggregator: secure or private sums can drive it through `weight` and `fromSum`.
 */
import { RoundRefusedError } from '../../../errors.js';
import { weightedMean, weightedUpdateSum } from '../../aggregate/weighted-mean.js';
import type { FitReply } from '../../strategy.js';
import { FEW_REPLIES_HINT, type AggregatorInput, type AggregatorOutput, type MinimumReplies, type SumAggregator, type WeightedSum } from './aggregator.js';
import type { AggregatorSpecOf } from './options.js';

/** The weighted mean of the replies. */
export class MeanAggregator implements SumAggregator {
  readonly name = 'mean';
  readonly options: AggregatorSpecOf<'mean'>;

  constructor(options: AggregatorSpecOf<'mean'>) {
    this.options = options;
  }

  get title(): string {
    const of = this.options.over === 'updates' ? ' of the updates' : '';
    return this.options.weighting === 'examples' ? `example-weighted mean${of}` : `uniform mean${of}`;
  }

  requirement(): MinimumReplies {
    return { min: 1, rule: 'at least 1', hint: FEW_REPLIES_HINT };
  }

  weight(reply: Pick<FitReply, 'numExamples'>): number {
    return this.options.weighting === 'examples' ? reply.numExamples : 1;
  }

  aggregate(input: AggregatorInput): AggregatorOutput {
    const { replies, global } = input;
    const weights = replies.map((r) => this.weight(r));
    if (this.options.weighting === 'examples' && !weights.some((w) => w > 0)) {
      throw new RoundRefusedError(`${input.title} weights replies by their example counts, and all ${replies.length} replies reported 0 examples`, 'check the clients\' data partitions');
    }
    const vectors = replies.map((r) => r.params);
    if (this.options.over === 'parameters') return { aggregate: { kind: 'params', params: weightedMean(vectors, weights) }, metrics: {} };
    const { sum, total } = weightedUpdateSum(global, vectors, weights);
    return this.fromSum({ sum, total, count: replies.length }, input);
  }

  fromSum(sum: WeightedSum, input: Omit<AggregatorInput, 'replies'>): AggregatorOutput {
    if (!(sum.total > 0)) {
      throw new RoundRefusedError(`${input.title} got a sum of ${sum.count} replies with total weight ${sum.total}; it needs a positive one`, 'check the clients\' data partitions');
    }
    return { aggregate: { kind: 'update', sum: sum.sum, total: sum.total }, metrics: {} };
  }
}
