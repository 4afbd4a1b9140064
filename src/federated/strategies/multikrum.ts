/**
 * Multi-Krum (Blanchard et al., NeurIPS 2017): the uniform mean of the m replies of lowest Krum
 * score (see `krum.ts`), m = n − f by default. Tolerates f Byzantine replies; needs
 * n ≥ max(2f + 3, m) replies.
 */
import { krumMinVectors, krumSelect } from '../aggregate/krum.js';
import { mean } from '../aggregate/weighted-mean.js';
import type { AggregateResult, FitReply, RoundContext } from '../strategy.js';
import { BaseStrategy, FEW_REPLIES_ROBUST_HINT, type Requirement } from './base.js';
import { MultiKrumOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** Multi-Krum's options as a caller writes them (all optional; see `MultiKrumOptionsSchema`). */
export type MultiKrumInput = Omit<Partial<StrategyOptions<'multikrum'>>, 'name'>;

/** Multi-Krum: average the m most central replies. */
export class MultiKrum extends BaseStrategy<StrategyOptions<'multikrum'>> {
  readonly name = 'multikrum';

  constructor(options: MultiKrumInput = {}) {
    super(parseStrategyOptions(MultiKrumOptionsSchema, 'multikrum', options));
  }

  protected get title(): string {
    const { byzantine, keep } = this.options;
    return keep === undefined ? `Multi-Krum with f=${byzantine}` : `Multi-Krum with f=${byzantine} and m=${keep}`;
  }

  protected override requirement(): Requirement {
    const krumMin = krumMinVectors(this.options.byzantine);
    const { keep } = this.options;
    if (keep !== undefined && keep > krumMin) return { min: keep, rule: `at least m = ${keep}` };
    return { min: krumMin, rule: `more than 2f+2 = ${krumMin - 1}` };
  }

  protected override fewRepliesHint(): string {
    return this.options.keep === undefined ? FEW_REPLIES_ROBUST_HINT : `lower m (the keep option) or f (the byzantine option), raise the fraction of clients sampled, or lengthen the round deadline`;
  }

  protected combine(_ctx: RoundContext, replies: readonly FitReply[]): AggregateResult {
    const { byzantine } = this.options;
    const keep = this.options.keep ?? replies.length - byzantine;
    const { selected } = krumSelect(
      replies.map((r) => r.params),
      { byzantine, keep },
    );
    return {
      params: mean(selected.map((i) => replies[i].params)),
      metrics: { kept: keep, rejected: replies.length - keep },
    };
  }
}
