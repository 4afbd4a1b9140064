/**
 * Preset `fedprox` (Li et al., MLSys 2020, "Federated optimization in heterogeneous networks"):
 * clients minimize their loss plus (μ/2)·||w − w_global||² (`fedprox` client algorithm), which
 * keeps them near the global model on non-IID data; the server aggregates as FedAvg.
 */
import { ComposedStrategy } from './composed.js';
import { FedProxOptionsSchema, type ComposedStrategySpecInput, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedProx's options as a caller writes them (all optional; see `FedProxOptionsSchema`). */
export type FedProxInput = Omit<Partial<StrategyOptions<'fedprox'>>, 'name'>;

/** The parts of preset `fedprox` with its options. */
export function fedproxParts(o: StrategyOptions<'fedprox'>): ComposedStrategySpecInput {
  return { aggregator: { name: 'mean' }, serverOptimizer: { name: 'plain' }, client: { name: 'fedprox', proximalMu: o.proximalMu }, localEpochs: o.localEpochs, batchSize: o.batchSize };
}

/** Preset `fedprox`. */
export class FedProx extends ComposedStrategy {
  /** The preset's validated options, defaults filled. */
  readonly options: StrategyOptions<'fedprox'>;

  constructor(options: FedProxInput = {}) {
    const o = parseStrategyOptions(FedProxOptionsSchema, 'fedprox', options);
    super(fedproxParts(o), { name: 'fedprox', title: 'FedProx' });
    this.options = o;
  }
}
