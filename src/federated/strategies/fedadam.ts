/**
 * Preset `fedadam` (Reddi et al., ICLR 2021, "Adaptive Federated Optimization"): server-side Adam on the round's pseudo-gradient, η optionally bias-corrected (see
 * `fedopt.ts`). Defaults are Flower's (see `FedAdamOptionsSchema`).
 */
import { FedOpt } from './fedopt.js';
import { FedAdamOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedAdam's options as a caller writes them (all optional; see `FedAdamOptionsSchema`). */
export type FedAdamInput = Omit<Partial<StrategyOptions<'fedadam'>>, 'name'>;

/** Preset `fedadam`. */
export class FedAdam extends FedOpt<StrategyOptions<'fedadam'>> {
  constructor(options: FedAdamInput = {}) {
    super(parseStrategyOptions(FedAdamOptionsSchema, 'fedadam', options), 'FedAdam');
  }
}
