/**
 * FedTrimmedAvg (Yin et al., ICML 2018): per coordinate, the ⌊β·n⌋ smallest and largest values
 * over the n replies are dropped and the rest averaged (unweighted), as Flower's FedTrimmedAvg.
 * Needs one reply (β < 0.5 always leaves one value); it only trims once n ≥ 1/β.
 */
import { trimCount, trimmedMean } from '../aggregate/trimmed-mean.js';
import type { AggregateResult, FitReply, RoundContext } from '../strategy.js';
import { BaseStrategy } from './base.js';
import { FedTrimmedAvgOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedTrimmedAvg's options as a caller writes them (all optional; see `FedTrimmedAvgOptionsSchema`). */
export type FedTrimmedAvgInput = Omit<Partial<StrategyOptions<'fedtrimmedavg'>>, 'name'>;

/** Coordinate-wise trimmed-mean aggregation. */
export class FedTrimmedAvg extends BaseStrategy<StrategyOptions<'fedtrimmedavg'>> {
  readonly name = 'fedtrimmedavg';

  constructor(options: FedTrimmedAvgInput = {}) {
    super(parseStrategyOptions(FedTrimmedAvgOptionsSchema, 'fedtrimmedavg', options));
  }

  protected get title(): string {
    return `FedTrimmedAvg with beta=${this.options.beta}`;
  }

  protected combine(_ctx: RoundContext, replies: readonly FitReply[]): AggregateResult {
    const { beta } = this.options;
    return {
      params: trimmedMean(
        replies.map((r) => r.params),
        { beta },
      ),
      metrics: { trimmedPerEnd: trimCount(replies.length, beta) },
    };
  }
}
