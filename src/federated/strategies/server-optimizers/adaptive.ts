/**
 * The shared body of the `adam`, `yogi` and `adagrad` server optimizers (Reddi et al., ICLR
 * 2021, "Adaptive Federated Optimization"), as Flower's FedOpt: the aggregate a gives Δ = a − x,
 * which the adaptive rule applies to x (see `aggregate/adaptive.ts`). State: the moments m and v,
 * and the server step count.
 */
import { CheckpointError } from '../../../errors.js';
import { adaptiveStep, type AdaptiveRule } from '../../aggregate/adaptive.js';
import type { StrategyState } from '../../strategy.js';
import { aggregateParams, type Aggregate } from '../aggregators/aggregator.js';
import { checkStateLength, readState, type StateLayout } from '../base.js';
import type { PartContext, ServerOptimizer, ServerStep } from './server-optimizer.js';

/** The options every adaptive optimizer reads. */
export interface AdaptiveOptions {
  serverLearningRate: number;
  beta1: number;
  beta2: number;
  tau: number;
}

/** An adaptive server optimizer; subclasses name the rule. */
export abstract class AdaptiveOptimizer<O extends AdaptiveOptions> implements ServerOptimizer {
  abstract readonly name: string;
  abstract readonly title: string;
  /** Which second-moment rule the subclass uses. */
  protected abstract readonly rule: AdaptiveRule;
  readonly stateLayout: StateLayout = { scalars: ['steps'], vectors: ['m', 'v'] };
  readonly options: O;
  private readonly ctx: PartContext;
  private m: Float32Array | undefined;
  private v: Float32Array | undefined;
  /** Server steps taken. */
  private steps = 0;

  protected constructor(options: O, ctx: PartContext) {
    this.options = options;
    this.ctx = ctx;
  }

  /** Whether η is bias-corrected (Adam's option). */
  protected biasCorrection(): boolean {
    return false;
  }

  step(global: Float32Array, aggregate: Aggregate): ServerStep {
    const d = global.length;
    if (this.m !== undefined) checkStateLength(this.ctx.strategy, 'm', this.m, d);
    if (this.v !== undefined) checkStateLength(this.ctx.strategy, 'v', this.v, d);
    const step = this.steps + 1;
    const out = adaptiveStep({
      rule: this.rule,
      global,
      average: aggregateParams(aggregate, global),
      m: this.m ?? new Float32Array(d),
      v: this.v ?? new Float32Array(d),
      serverLearningRate: this.options.serverLearningRate,
      beta1: this.options.beta1,
      beta2: this.options.beta2,
      tau: this.options.tau,
      biasCorrectionStep: this.biasCorrection() ? step : undefined,
    });
    return {
      params: out.params,
      metrics: { serverStep: step },
      commit: () => {
        this.m = out.m;
        this.v = out.v;
        this.steps = step;
      },
    };
  }

  getState(): StrategyState {
    const vectors: Record<string, Float32Array> = {};
    if (this.m !== undefined) vectors.m = Float32Array.from(this.m);
    if (this.v !== undefined) vectors.v = Float32Array.from(this.v);
    return { scalars: { steps: this.steps }, vectors };
  }

  setState(state: StrategyState): void {
    const read = readState(this.ctx.strategy, state, this.stateLayout);
    const { m, v } = read.vectors;
    const steps = read.scalars.steps ?? 0;
    if ((m === undefined) !== (v === undefined) || !Number.isInteger(steps) || steps < 0) {
      throw new CheckpointError(
        `state of strategy '${this.ctx.strategy}': expected both moments m and v (or neither) and an integer step count ≥ 0`,
        'resume with the strategy and options the checkpoint was written with',
      );
    }
    this.m = m;
    this.v = v;
    this.steps = steps;
  }
}
