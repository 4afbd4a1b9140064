/**
 * Preset `scaffold` (Karimireddy et al., ICML 2020, "Stochastic Controlled Averaging for Federated
 * Learning"): the `scaffold` client algorithm (control variates; see `client/algorithms/scaffold.ts`),
 * the uniform mean of the updates and the plain server step x ← x + η_g·mean(yᵢ − x), rounded
 * once as the paper's formula. Needs one reply, each with its `controlDelta`. State: c.
 */
import { ComposedStrategy } from './composed.js';
import { ScaffoldOptionsSchema, type ComposedStrategySpecInput, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** Scaffold's options as a caller writes them (all optional; see `ScaffoldOptionsSchema`). */
export type ScaffoldInput = Omit<Partial<StrategyOptions<'scaffold'>>, 'name'>;

/** The parts of preset `scaffold` with its options. */
export function scaffoldParts(o: StrategyOptions<'scaffold'>): ComposedStrategySpecInput {
  return { aggregator: { name: 'mean', weighting: 'uniform', over: 'updates' }, serverOptimizer: { name: 'plain', serverLearningRate: o.serverLearningRate }, client: { name: 'scaffold' }, localEpochs: o.localEpochs, batchSize: o.batchSize };
}

/** Preset `scaffold`. */
export class Scaffold extends ComposedStrategy {
  /** The preset's validated options, defaults filled. */
  readonly options: StrategyOptions<'scaffold'>;

  constructor(options: ScaffoldInput = {}) {
    const o = parseStrategyOptions(ScaffoldOptionsSchema, 'scaffold', options);
    super(scaffoldParts(o), { name: 'scaffold', title: 'SCAFFOLD' });
    this.options = o;
  }
}
