/**
 * Preset `fedadagrad` (Reddi et al., ICLR 2021, "Adaptive Federated Optimization"): server-side Adagrad on the round's pseudo-gradient (see
 * `fedopt.ts`). Defaults are Flower's (see `FedAdagradOptionsSchema`).
 */
import { FedOpt } from './fedopt.js';
import { FedAdagradOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedAdagrad's options as a caller writes them (all optional; see `FedAdagradOptionsSchema`). */
export type FedAdagradInput = Omit<Partial<StrategyOptions<'fedadagrad'>>, 'name'>;

/** Preset `fedadagrad`. */
export class FedAdagrad extends FedOpt<StrategyOptions<'fedadagrad'>> {
  constructor(options: FedAdagradInput = {}) {
    super(parseStrategyOptions(FedAdagradOptionsSchema, 'fedadagrad', options), 'FedAdagrad');
  }
}
