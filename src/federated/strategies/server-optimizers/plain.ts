/**
 * `plain`: the server takes the aggregate as it is (x ← a, FedAvg), or a step of η towards it
 * (x ← x + η·(a − x)). An aggregate given as an unrounded sum of updates is stepped as
 * x + η·sum/total, rounded once (SCAFFOLD's x + η_g·mean(yᵢ − x)). No state.
 */
import { stepByUpdateSum, stepTowards } from '../../aggregate/server-step.js';
import type { StrategyState } from '../../strategy.js';
import type { Aggregate } from '../aggregators/aggregator.js';
import { NO_STATE, readState, type StateLayout } from '../base.js';
import type { ServerOptimizerSpecOf } from './options.js';
import type { PartContext, ServerOptimizer, ServerStep } from './server-optimizer.js';

/** The plain server step. */
export class PlainOptimizer implements ServerOptimizer {
  readonly name = 'plain';
  readonly stateLayout: StateLayout = NO_STATE;
  readonly options: ServerOptimizerSpecOf<'plain'>;
  private readonly ctx: PartContext;

  constructor(options: ServerOptimizerSpecOf<'plain'>, ctx: PartContext) {
    this.options = options;
    this.ctx = ctx;
  }

  get title(): string {
    return this.options.serverLearningRate === 1 ? 'plain server step' : `plain server step (η=${this.options.serverLearningRate})`;
  }

  step(global: Float32Array, aggregate: Aggregate): ServerStep {
    const lr = this.options.serverLearningRate;
    let params: Float32Array;
    if (aggregate.kind === 'update') params = stepByUpdateSum(global, aggregate.sum, aggregate.total, lr);
    // The aggregate is a new array (the Aggregator contract): x ← a is a itself, bit for bit.
    else if (lr === 1) params = aggregate.params;
    else params = stepTowards(global, aggregate.params, lr);
    return { params, metrics: {}, commit: () => undefined };
  }

  getState(): StrategyState {
    return { scalars: {}, vectors: {} };
  }

  setState(state: StrategyState): void {
    readState(this.ctx.strategy, state, this.stateLayout);
  }
}
