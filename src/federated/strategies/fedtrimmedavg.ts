/**
 * Preset `fedtrimmedavg` (Yin et al., ICML 2018): per coordinate, the ⌊β·n⌋ smallest and largest
 * values are dropped and the rest averaged (`trimmed-mean` aggregator, `plain` server step,
 * `plain` clients), as Flower's FedTrimmedAvg. Needs one reply.
 */
import { ComposedStrategy } from './composed.js';
import { FedTrimmedAvgOptionsSchema, type ComposedStrategySpecInput, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedTrimmedAvg's options as a caller writes them (all optional; see `FedTrimmedAvgOptionsSchema`). */
export type FedTrimmedAvgInput = Omit<Partial<StrategyOptions<'fedtrimmedavg'>>, 'name'>;

/** The parts of preset `fedtrimmedavg` with its options. */
export function fedtrimmedavgParts(o: StrategyOptions<'fedtrimmedavg'>): ComposedStrategySpecInput {
  return { aggregator: { name: 'trimmed-mean', beta: o.beta }, serverOptimizer: { name: 'plain' }, client: { name: 'plain' }, localEpochs: o.localEpochs, batchSize: o.batchSize };
}

/** Preset `fedtrimmedavg`. */
export class FedTrimmedAvg extends ComposedStrategy {
  /** The preset's validated options, defaults filled. */
  readonly options: StrategyOptions<'fedtrimmedavg'>;

  constructor(options: FedTrimmedAvgInput = {}) {
    const o = parseStrategyOptions(FedTrimmedAvgOptionsSchema, 'fedtrimmedavg', options);
    super(fedtrimmedavgParts(o), { name: 'fedtrimmedavg', title: `FedTrimmedAvg with beta=${o.beta}` });
    this.options = o;
  }
}
