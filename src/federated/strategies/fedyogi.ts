/**
 * FedYogi (Reddi et al., ICLR 2021, "Adaptive Federated Optimization"): server-side Yogi on the
 * round's pseudo-gradient (see `fedopt.ts` and `aggregate/adaptive.ts`). Needs one reply with a
 * positive example count. Defaults are Flower's (see `FedYogiOptionsSchema`).
 */
import type { AdaptiveRule } from '../aggregate/adaptive.js';
import { FedOpt } from './fedopt.js';
import { FedYogiOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedYogi's options as a caller writes them (all optional; see `FedYogiOptionsSchema`). */
export type FedYogiInput = Omit<Partial<StrategyOptions<'fedyogi'>>, 'name'>;

/** Adaptive federated optimization with Yogi. */
export class FedYogi extends FedOpt<StrategyOptions<'fedyogi'>> {
  readonly name = 'fedyogi';
  protected readonly rule: AdaptiveRule = 'yogi';

  constructor(options: FedYogiInput = {}) {
    super(parseStrategyOptions(FedYogiOptionsSchema, 'fedyogi', options));
  }

  protected get title(): string {
    return 'FedYogi';
  }
}
