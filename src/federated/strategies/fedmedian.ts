/**
 * FedMedian (Yin et al., ICML 2018, "Byzantine-robust distributed learning: towards optimal
 * statistical rates"): the coordinate-wise median of the clients' parameters, unweighted.
 * Needs one reply; it tolerates fewer than half of the replies being Byzantine per coordinate.
 */
import { coordinateMedian } from '../aggregate/coordinate-median.js';
import type { AggregateResult, FitReply, RoundContext } from '../strategy.js';
import { BaseStrategy } from './base.js';
import { FedMedianOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedMedian's options as a caller writes them (all optional; see `FedMedianOptionsSchema`). */
export type FedMedianInput = Omit<Partial<StrategyOptions<'fedmedian'>>, 'name'>;

/** Coordinate-wise median aggregation. */
export class FedMedian extends BaseStrategy<StrategyOptions<'fedmedian'>> {
  readonly name = 'fedmedian';

  constructor(options: FedMedianInput = {}) {
    super(parseStrategyOptions(FedMedianOptionsSchema, 'fedmedian', options));
  }

  protected get title(): string {
    return 'FedMedian';
  }

  protected combine(_ctx: RoundContext, replies: readonly FitReply[]): AggregateResult {
    return { params: coordinateMedian(replies.map((r) => r.params)), metrics: {} };
  }
}
