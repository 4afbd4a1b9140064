/**
 * Preset `fedavgm` (Hsu, Qi and Brown 2019, "Measuring the effects of non-identical data
 * distribution for federated visual classification"): FedAvg's mean taken as a server SGD step
 * with momentum (`mean` aggregator, `momentum` server optimizer, `plain` clients). State: the
 * momentum vector.
 */
import { ComposedStrategy } from './composed.js';
import { FedAvgMOptionsSchema, type ComposedStrategySpecInput, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedAvgM's options as a caller writes them (all optional; see `FedAvgMOptionsSchema`). */
export type FedAvgMInput = Omit<Partial<StrategyOptions<'fedavgm'>>, 'name'>;

/** The parts of preset `fedavgm` with its options. */
export function fedavgmParts(o: StrategyOptions<'fedavgm'>): ComposedStrategySpecInput {
  return { aggregator: { name: 'mean' }, serverOptimizer: { name: 'momentum', serverLearningRate: o.serverLearningRate, serverMomentum: o.serverMomentum }, client: { name: 'plain' }, localEpochs: o.localEpochs, batchSize: o.batchSize };
}

/** Preset `fedavgm`. */
export class FedAvgM extends ComposedStrategy {
  /** The preset's validated options, defaults filled. */
  readonly options: StrategyOptions<'fedavgm'>;

  constructor(options: FedAvgMInput = {}) {
    const o = parseStrategyOptions(FedAvgMOptionsSchema, 'fedavgm', options);
    super(fedavgmParts(o), { name: 'fedavgm', title: 'FedAvgM' });
    this.options = o;
  }
}
