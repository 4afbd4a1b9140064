/**
 * Preset `bulyan` (El Mhamdi, Guerraoui and Rouault, ICML 2018): repeated Krum, then a
 * coordinate-wise trimmed mean around the median (`bulyan` aggregator, `plain` server step,
 * `plain` clients). Tolerates f Byzantine replies; needs n ≥ 4f + 3.
 */
import { ComposedStrategy } from './composed.js';
import { BulyanOptionsSchema, type ComposedStrategySpecInput, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** Bulyan's options as a caller writes them (all optional; see `BulyanOptionsSchema`). */
export type BulyanInput = Omit<Partial<StrategyOptions<'bulyan'>>, 'name'>;

/** The parts of preset `bulyan` with its options. */
export function bulyanParts(o: StrategyOptions<'bulyan'>): ComposedStrategySpecInput {
  return { aggregator: { name: 'bulyan', byzantine: o.byzantine }, serverOptimizer: { name: 'plain' }, client: { name: 'plain' }, localEpochs: o.localEpochs, batchSize: o.batchSize };
}

/** Preset `bulyan`. */
export class Bulyan extends ComposedStrategy {
  /** The preset's validated options, defaults filled. */
  readonly options: StrategyOptions<'bulyan'>;

  constructor(options: BulyanInput = {}) {
    const o = parseStrategyOptions(BulyanOptionsSchema, 'bulyan', options);
    super(bulyanParts(o), { name: 'bulyan', title: `Bulyan with f=${o.byzantine}` });
    this.options = o;
  }
}
