/**
 * FedAvg (McMahan et al., AISTATS 2017, "Communication-efficient learning of deep networks from
 * decentralized data"): the new global model is the mean of the clients' parameters weighted by
 * their example counts. Needs one reply with a positive example count.
 */
import type { AggregateResult, FitReply, RoundContext } from '../strategy.js';
import { BaseStrategy } from './base.js';
import { FedAvgOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedAvg's options as a caller writes them (all optional; see `FedAvgOptionsSchema`). */
export type FedAvgInput = Omit<Partial<StrategyOptions<'fedavg'>>, 'name'>;

/** Federated averaging. */
export class FedAvg extends BaseStrategy<StrategyOptions<'fedavg'>> {
  readonly name = 'fedavg';

  constructor(options: FedAvgInput = {}) {
    super(parseStrategyOptions(FedAvgOptionsSchema, 'fedavg', options));
  }

  protected get title(): string {
    return 'FedAvg';
  }

  protected combine(_ctx: RoundContext, replies: readonly FitReply[]): AggregateResult {
    return { params: this.weightedAverage(replies), metrics: {} };
  }
}
