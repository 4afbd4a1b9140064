/**
 * FedAvgM (Hsu, Qi and Brown 2019, "Measuring the effects of non-identical data distribution for
 * federated visual classification"): the FedAvg average a gives the pseudo-gradient g = x − a;
 * the server keeps a momentum v ← β·v + g and steps x ← x − η·v. Needs one reply with a
 * positive example count. State: the momentum vector.
 */
import { serverMomentumStep } from '../aggregate/server-momentum.js';
import type { AggregateResult, FitReply, RoundContext, StrategyState } from '../strategy.js';
import { BaseStrategy, checkStateLength, readState } from './base.js';
import { FedAvgMOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** FedAvgM's options as a caller writes them (all optional; see `FedAvgMOptionsSchema`). */
export type FedAvgMInput = Omit<Partial<StrategyOptions<'fedavgm'>>, 'name'>;

/** Federated averaging with server momentum. */
export class FedAvgM extends BaseStrategy<StrategyOptions<'fedavgm'>> {
  readonly name = 'fedavgm';
  /** v; undefined until the first aggregated round (then zeros were its start). */
  private momentum: Float32Array | undefined;

  constructor(options: FedAvgMInput = {}) {
    super(parseStrategyOptions(FedAvgMOptionsSchema, 'fedavgm', options));
  }

  protected get title(): string {
    return 'FedAvgM';
  }

  protected combine(ctx: RoundContext, replies: readonly FitReply[]): AggregateResult {
    const d = ctx.global.length;
    if (this.momentum !== undefined) checkStateLength(this.name, 'momentum', this.momentum, d);
    const step = serverMomentumStep({
      global: ctx.global,
      average: this.weightedAverage(replies),
      momentum: this.momentum ?? new Float32Array(d),
      serverLearningRate: this.options.serverLearningRate,
      serverMomentum: this.options.serverMomentum,
    });
    this.momentum = step.momentum;
    return { params: step.params, metrics: {} };
  }

  override getState(): StrategyState {
    return { scalars: {}, vectors: this.momentum === undefined ? {} : { momentum: Float32Array.from(this.momentum) } };
  }

  override setState(state: StrategyState): void {
    this.momentum = readState(this.name, state, { scalars: [], vectors: ['momentum'] }).vectors.momentum;
  }
}
