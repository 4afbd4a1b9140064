/**
 * Preset `fedavg` (McMahan et al., AISTATS 2017, "Communication-efficient learning of deep
 * networks from decentralized data"): the new global model is the mean of the clients' parameters
 * weighted by their example counts (`mean` aggregator, `plain` server step, `plain` clients).
 * Needs one reply with a positive example count.
 */
import { ComposedStrategy } from './composed.js';
import { FedAvgOptionsSchema, type ComposedStrategySpecInput, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedAvg's options as a caller writes them (all optional; see `FedAvgOptionsSchema`). */
export type FedAvgInput = Omit<Partial<StrategyOptions<'fedavg'>>, 'name'>;

/** The parts of preset `fedavg` with its options. */
export function fedavgParts(o: StrategyOptions<'fedavg'>): ComposedStrategySpecInput {
  return { aggregator: { name: 'mean' }, serverOptimizer: { name: 'plain' }, client: { name: 'plain' }, localEpochs: o.localEpochs, batchSize: o.batchSize };
}

/** Preset `fedavg`. */
export class FedAvg extends ComposedStrategy {
  /** The preset's validated options, defaults filled. */
  readonly options: StrategyOptions<'fedavg'>;

  constructor(options: FedAvgInput = {}) {
    const o = parseStrategyOptions(FedAvgOptionsSchema, 'fedavg', options);
    super(fedavgParts(o), { name: 'fedavg', title: 'FedAvg' });
    this.options = o;
  }
}
