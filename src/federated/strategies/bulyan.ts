/**
 * Bulyan (El Mhamdi, Guerraoui and Rouault, ICML 2018, "The hidden vulnerability of distributed
 * learning in Byzantium"): θ = n − 2f replies are chosen by repeated Krum, then each coordinate
 * is the mean of the β = θ − 2f chosen values closest to their median (see `aggregate/bulyan.ts`).
 * Tolerates f Byzantine replies; needs n ≥ 4f + 3 replies.
 */
import { bulyan, bulyanMinVectors } from '../aggregate/bulyan.js';
import type { AggregateResult, FitReply, RoundContext } from '../strategy.js';
import { BaseStrategy, FEW_REPLIES_ROBUST_HINT, type Requirement } from './base.js';
import { BulyanOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** Bulyan's options as a caller writes them (all optional; see `BulyanOptionsSchema`). */
export type BulyanInput = Omit<Partial<StrategyOptions<'bulyan'>>, 'name'>;

/** Bulyan: repeated Krum, then a coordinate-wise trimmed mean around the median. */
export class Bulyan extends BaseStrategy<StrategyOptions<'bulyan'>> {
  readonly name = 'bulyan';

  constructor(options: BulyanInput = {}) {
    super(parseStrategyOptions(BulyanOptionsSchema, 'bulyan', options));
  }

  protected get title(): string {
    return `Bulyan with f=${this.options.byzantine}`;
  }

  protected override requirement(): Requirement {
    const min = bulyanMinVectors(this.options.byzantine);
    return { min, rule: `at least 4f+3 = ${min}` };
  }

  protected override fewRepliesHint(): string {
    return FEW_REPLIES_ROBUST_HINT;
  }

  protected combine(_ctx: RoundContext, replies: readonly FitReply[]): AggregateResult {
    const out = bulyan(
      replies.map((r) => r.params),
      { byzantine: this.options.byzantine },
    );
    return {
      params: out.params,
      metrics: { kept: out.selected.length, rejected: replies.length - out.selected.length, averagedPerCoordinate: out.beta },
    };
  }
}
