/**
 * Preset `fedmedian` (Yin et al., ICML 2018, "Byzantine-robust distributed learning: towards
 * optimal statistical rates"): the coordinate-wise median of the clients' parameters, unweighted
 * (`median` aggregator, `plain` server step, `plain` clients). Needs one reply.
 */
import { ComposedStrategy } from './composed.js';
import { FedMedianOptionsSchema, type ComposedStrategySpecInput, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedMedian's options as a caller writes them (all optional; see `FedMedianOptionsSchema`). */
export type FedMedianInput = Omit<Partial<StrategyOptions<'fedmedian'>>, 'name'>;

/** The parts of preset `fedmedian` with its options. */
export function fedmedianParts(o: StrategyOptions<'fedmedian'>): ComposedStrategySpecInput {
  return { aggregator: { name: 'median' }, serverOptimizer: { name: 'plain' }, client: { name: 'plain' }, localEpochs: o.localEpochs, batchSize: o.batchSize };
}

/** Preset `fedmedian`. */
export class FedMedian extends ComposedStrategy {
  /** The preset's validated options, defaults filled. */
  readonly options: StrategyOptions<'fedmedian'>;

  constructor(options: FedMedianInput = {}) {
    const o = parseStrategyOptions(FedMedianOptionsSchema, 'fedmedian', options);
    super(fedmedianParts(o), { name: 'fedmedian', title: 'FedMedian' });
    this.options = o;
  }
}
