/**
 * Preset `krum` (Blanchard et al., NeurIPS 2017): the new global model is a copy of the one reply
 * closest to its n − f − 2 nearest others (`krum` aggregator, `plain` server step, `plain`
 * clients). Tolerates f Byzantine replies; needs n > 2f + 2.
 */
import { ComposedStrategy } from './composed.js';
import { KrumOptionsSchema, type ComposedStrategySpecInput, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** Krum's options as a caller writes them (all optional; see `KrumOptionsSchema`). */
export type KrumInput = Omit<Partial<StrategyOptions<'krum'>>, 'name'>;

/** The parts of preset `krum` with its options. */
export function krumParts(o: StrategyOptions<'krum'>): ComposedStrategySpecInput {
  return { aggregator: { name: 'krum', byzantine: o.byzantine }, serverOptimizer: { name: 'plain' }, client: { name: 'plain' }, localEpochs: o.localEpochs, batchSize: o.batchSize };
}

/** Preset `krum`. */
export class Krum extends ComposedStrategy {
  /** The preset's validated options, defaults filled. */
  readonly options: StrategyOptions<'krum'>;

  constructor(options: KrumInput = {}) {
    const o = parseStrategyOptions(KrumOptionsSchema, 'krum', options);
    super(krumParts(o), { name: 'krum', title: `Krum with f=${o.byzantine}` });
    this.options = o;
  }
}
