/**
 * FedAdagrad (Reddi et al., ICLR 2021, "Adaptive Federated Optimization"): server-side Adagrad on the
 * round's pseudo-gradient (see `fedopt.ts` and `aggregate/adaptive.ts`). Needs one reply with a
 * positive example count. Defaults are Flower's (see `FedAdagradOptionsSchema`).
 */
import type { AdaptiveRule } from '../aggregate/adaptive.js';
import { FedOpt } from './fedopt.js';
import { FedAdagradOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedAdagrad's options as a caller writes them (all optional; see `FedAdagradOptionsSchema`). */
export type FedAdagradInput = Omit<Partial<StrategyOptions<'fedadagrad'>>, 'name'>;

/** Adaptive federated optimization with Adagrad. */
export class FedAdagrad extends FedOpt<StrategyOptions<'fedadagrad'>> {
  readonly name = 'fedadagrad';
  protected readonly rule: AdaptiveRule = 'adagrad';

  constructor(options: FedAdagradInput = {}) {
    super(parseStrategyOptions(FedAdagradOptionsSchema, 'fedadagrad', options));
  }

  protected get title(): string {
    return 'FedAdagrad';
  }
}
