/**
 * The presets `fedadam`, `fedyogi` and `fedadagrad` (Reddi et al., ICLR 2021, "Adaptive Federated
 * Optimization"), as Flower's FedOpt: FedAvg's mean (`mean` aggregator) with an adaptive server
 * optimizer (`adam`, `yogi` or `adagrad`, see `server-optimizers/adaptive.ts`) and `plain`
 * clients. Needs one reply with a positive example count. State: the moments m and v, and the
 * server step count.
 */
import { ComposedStrategy } from './composed.js';
import type { ComposedStrategySpecInput, StrategyOptions } from './options.js';

/** The options FedOpt reads (FedAdam's, FedYogi's and FedAdagrad's). */
export type FedOptOptions = StrategyOptions<'fedadam' | 'fedyogi' | 'fedadagrad'>;

/** The server optimizer of each FedOpt preset. */
const OPTIMIZER = { fedadam: 'adam', fedyogi: 'yogi', fedadagrad: 'adagrad' } as const;

/** The parts of a FedOpt preset with its options. */
export function fedOptParts(o: FedOptOptions): ComposedStrategySpecInput {
  const { name, localEpochs, batchSize, ...optimizer } = o;
  return { aggregator: { name: 'mean' }, serverOptimizer: { name: OPTIMIZER[name], ...optimizer }, client: { name: 'plain' }, localEpochs, batchSize };
}

/** Federated optimization with an adaptive server optimizer. */
export abstract class FedOpt<O extends FedOptOptions> extends ComposedStrategy {
  /** The preset's validated options, defaults filled. */
  readonly options: O;

  protected constructor(options: O, title: string) {
    super(fedOptParts(options), { name: options.name, title });
    this.options = options;
  }
}
