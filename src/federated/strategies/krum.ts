/**
 * Krum (Blanchard et al., NeurIPS 2017, "Machine learning with adversaries: Byzantine tolerant
 * gradient descent"): the new global model is the one reply whose sum of squared distances to
 * its n − f − 2 nearest other replies is smallest. Tolerates f Byzantine replies; needs
 * n > 2f + 2 replies.
 */
import { krumMinVectors, krumSelect } from '../aggregate/krum.js';
import type { AggregateResult, FitReply, RoundContext } from '../strategy.js';
import { BaseStrategy, FEW_REPLIES_ROBUST_HINT, type Requirement } from './base.js';
import { KrumOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** Krum's options as a caller writes them (all optional; see `KrumOptionsSchema`). */
export type KrumInput = Omit<Partial<StrategyOptions<'krum'>>, 'name'>;

/** Krum: keep the single most central reply. */
export class Krum extends BaseStrategy<StrategyOptions<'krum'>> {
  readonly name = 'krum';

  constructor(options: KrumInput = {}) {
    super(parseStrategyOptions(KrumOptionsSchema, 'krum', options));
  }

  protected get title(): string {
    return `Krum with f=${this.options.byzantine}`;
  }

  protected override requirement(): Requirement {
    const min = krumMinVectors(this.options.byzantine);
    return { min, rule: `more than 2f+2 = ${min - 1}` };
  }

  protected override fewRepliesHint(): string {
    return FEW_REPLIES_ROBUST_HINT;
  }

  protected combine(_ctx: RoundContext, replies: readonly FitReply[]): AggregateResult {
    const { selected, scores } = krumSelect(
      replies.map((r) => r.params),
      { byzantine: this.options.byzantine, keep: 1 },
    );
    const winner = selected[0];
    return {
      params: Float32Array.from(replies[winner].params),
      metrics: { kept: 1, rejected: replies.length - 1, krumScore: scores[winner] },
    };
  }
}
