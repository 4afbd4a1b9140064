/**
 * Preset `multikrum` (Blanchard et al., NeurIPS 2017): the uniform mean of the m replies of lowest
 * Krum score, m = n − f by default (`multikrum` aggregator, `plain` server step, `plain` clients).
 * Tolerates f Byzantine replies; needs n ≥ max(2f + 3, m).
 */
import { ComposedStrategy } from './composed.js';
import { MultiKrumOptionsSchema, type ComposedStrategySpecInput, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** MultiKrum's options as a caller writes them (all optional; see `MultiKrumOptionsSchema`). */
export type MultiKrumInput = Omit<Partial<StrategyOptions<'multikrum'>>, 'name'>;

/** The parts of preset `multikrum` with its options. */
export function multikrumParts(o: StrategyOptions<'multikrum'>): ComposedStrategySpecInput {
  return { aggregator: { name: 'multikrum', byzantine: o.byzantine, keep: o.keep }, serverOptimizer: { name: 'plain' }, client: { name: 'plain' }, localEpochs: o.localEpochs, batchSize: o.batchSize };
}

/** Preset `multikrum`. */
export class MultiKrum extends ComposedStrategy {
  /** The preset's validated options, defaults filled. */
  readonly options: StrategyOptions<'multikrum'>;

  constructor(options: MultiKrumInput = {}) {
    const o = parseStrategyOptions(MultiKrumOptionsSchema, 'multikrum', options);
    super(multikrumParts(o), { name: 'multikrum', title: o.keep === undefined ? `Multi-Krum with f=${o.byzantine}` : `Multi-Krum with f=${o.byzantine} and m=${o.keep}` });
    this.options = o;
  }
}
