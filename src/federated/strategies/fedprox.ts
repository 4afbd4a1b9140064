/**
 * FedProx (Li et al., MLSys 2020, "Federated optimization in heterogeneous networks"): clients
 * minimize their loss plus (μ/2)·||w − w_global||², which keeps them near the global model on
 * non-IID data; the server aggregates as FedAvg. `configureFit` sends `proximalMu` = μ > 0.
 */
import type { ClientTrainConfig } from '../client-config.js';
import type { AggregateResult, FitReply, RoundContext } from '../strategy.js';
import { BaseStrategy } from './base.js';
import { FedProxOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedProx's options as a caller writes them (all optional; see `FedProxOptionsSchema`). */
export type FedProxInput = Omit<Partial<StrategyOptions<'fedprox'>>, 'name'>;

/** FedAvg aggregation with a proximal term on the clients. */
export class FedProx extends BaseStrategy<StrategyOptions<'fedprox'>> {
  readonly name = 'fedprox';

  constructor(options: FedProxInput = {}) {
    super(parseStrategyOptions(FedProxOptionsSchema, 'fedprox', options));
  }

  protected get title(): string {
    return 'FedProx';
  }

  protected override trainConfig(): ClientTrainConfig {
    return { ...super.trainConfig(), proximalMu: this.options.proximalMu };
  }

  protected combine(_ctx: RoundContext, replies: readonly FitReply[]): AggregateResult {
    return { params: this.weightedAverage(replies), metrics: {} };
  }
}
