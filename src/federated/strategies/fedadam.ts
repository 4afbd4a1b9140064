/**
 * FedAdam (Reddi et al., ICLR 2021, "Adaptive Federated Optimization"): server-side Adam on the
 * round's pseudo-gradient (see `fedopt.ts` and `aggregate/adaptive.ts`). Needs one reply with a
 * positive example count. Defaults are Flower's (see `FedAdamOptionsSchema`).
 */
import type { AdaptiveRule } from '../aggregate/adaptive.js';
import { FedOpt } from './fedopt.js';
import { FedAdamOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedAdam's options as a caller writes them (all optional; see `FedAdamOptionsSchema`). */
export type FedAdamInput = Omit<Partial<StrategyOptions<'fedadam'>>, 'name'>;

/** Adaptive federated optimization with Adam. */
export class FedAdam extends FedOpt<StrategyOptions<'fedadam'>> {
  readonly name = 'fedadam';
  protected readonly rule: AdaptiveRule = 'adam';

  constructor(options: FedAdamInput = {}) {
    super(parseStrategyOptions(FedAdamOptionsSchema, 'fedadam', options));
  }

  protected get title(): string {
    return 'FedAdam';
  }

  protected override biasCorrection(): boolean {
    return this.options.biasCorrection;
  }
}
