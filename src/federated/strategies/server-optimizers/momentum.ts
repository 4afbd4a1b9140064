/**
 * `momentum` (FedAvgM: Hsu, Qi and Brown 2019, "Measuring the effects of non-identical data
 * distribution for federated visual classification"): the aggregate a gives the pseudo-gradient
 * g = x − a; the server keeps a momentum v ← β·v + g and steps x ← x − η·v (see
 * `aggregate/server-momentum.ts`). State: the momentum vector.
 */
import { serverMomentumStep } from '../../aggregate/server-momentum.js';
import type { StrategyState } from '../../strategy.js';
import { aggregateParams, type Aggregate } from '../aggregators/aggregator.js';
import { checkStateLength, readState, type StateLayout } from '../base.js';
import type { ServerOptimizerSpecOf } from './options.js';
import type { PartContext, ServerOptimizer, ServerStep } from './server-optimizer.js';

/** Server SGD with momentum. */
export class MomentumOptimizer implements ServerOptimizer {
  readonly name = 'momentum';
  readonly stateLayout: StateLayout = { scalars: [], vectors: ['momentum'] };
  readonly options: ServerOptimizerSpecOf<'momentum'>;
  private readonly ctx: PartContext;
  /** v; undefined until the first step (then zeros were its start). */
  private momentum: Float32Array | undefined;

  constructor(options: ServerOptimizerSpecOf<'momentum'>, ctx: PartContext) {
    this.options = options;
    this.ctx = ctx;
  }

  get title(): string {
    return `server momentum (η=${this.options.serverLearningRate}, β=${this.options.serverMomentum})`;
  }

  step(global: Float32Array, aggregate: Aggregate): ServerStep {
    const d = global.length;
    if (this.momentum !== undefined) checkStateLength(this.ctx.strategy, 'momentum', this.momentum, d);
    const out = serverMomentumStep({
      global,
      average: aggregateParams(aggregate, global),
      momentum: this.momentum ?? new Float32Array(d),
      serverLearningRate: this.options.serverLearningRate,
      serverMomentum: this.options.serverMomentum,
    });
    return {
      params: out.params,
      metrics: {},
      commit: () => {
        this.momentum = out.momentum;
      },
    };
  }

  getState(): StrategyState {
    return { scalars: {}, vectors: this.momentum === undefined ? {} : { momentum: Float32Array.from(this.momentum) } };
  }

  setState(state: StrategyState): void {
    this.momentum = readState(this.ctx.strategy, state, this.stateLayout).vectors.momentum;
  }
}
