/**
 * Preset `fedyogi` (Reddi et al., ICLR 2021, "Adaptive Federated Optimization"): server-side Yogi on the round's pseudo-gradient (see
 * `fedopt.ts`). Defaults are Flower's (see `FedYogiOptionsSchema`).
 */
import { FedOpt } from './fedopt.js';
import { FedYogiOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedYogi's options as a caller writes them (all optional; see `FedYogiOptionsSchema`). */
export type FedYogiInput = Omit<Partial<StrategyOptions<'fedyogi'>>, 'name'>;

/** Preset `fedyogi`. */
export class FedYogi extends FedOpt<StrategyOptions<'fedyogi'>> {
  constructor(options: FedYogiInput = {}) {
    super(parseStrategyOptions(FedYogiOptionsSchema, 'fedyogi', options), 'FedYogi');
  }
}
