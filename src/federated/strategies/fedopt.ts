/**
 * The base of FedAdam, FedYogi and FedAdagrad (Reddi et al., ICLR 2021, "Adaptive Federated
 * Optimization"), as Flower's FedOpt: the FedAvg average a gives Δ = a − x, which an adaptive
 * server optimizer applies to the global x (see `aggregate/adaptive.ts`). Needs one reply with a
 * positive example count. State: the moments m and v, and the server step count.
 */
import { CheckpointError } from '../../errors.js';
import { adaptiveStep, type AdaptiveRule } from '../aggregate/adaptive.js';
import type { AggregateResult, FitReply, RoundContext, StrategyState } from '../strategy.js';
import { BaseStrategy, checkStateLength, readState } from './base.js';
import type { StrategyOptions } from './options.js';

/** The options FedOpt reads (FedAdam's, FedYogi's and FedAdagrad's). */
export type FedOptOptions = StrategyOptions<'fedadam' | 'fedyogi' | 'fedadagrad'>;

/** Federated optimization with an adaptive server optimizer. */
export abstract class FedOpt<O extends FedOptOptions> extends BaseStrategy<O> {
  /** Which second-moment rule the subclass uses. */
  protected abstract readonly rule: AdaptiveRule;
  private m: Float32Array | undefined;
  private v: Float32Array | undefined;
  /** Server steps taken (aggregated rounds). */
  private steps = 0;

  /** Whether η is bias-corrected (FedAdam's option). */
  protected biasCorrection(): boolean {
    return false;
  }

  protected combine(ctx: RoundContext, replies: readonly FitReply[]): AggregateResult {
    const d = ctx.global.length;
    if (this.m !== undefined) checkStateLength(this.name, 'm', this.m, d);
    if (this.v !== undefined) checkStateLength(this.name, 'v', this.v, d);
    const step = this.steps + 1;
    const out = adaptiveStep({
      rule: this.rule,
      global: ctx.global,
      average: this.weightedAverage(replies),
      m: this.m ?? new Float32Array(d),
      v: this.v ?? new Float32Array(d),
      serverLearningRate: this.options.serverLearningRate,
      beta1: this.options.beta1,
      beta2: this.options.beta2,
      tau: this.options.tau,
      biasCorrectionStep: this.biasCorrection() ? step : undefined,
    });
    this.m = out.m;
    this.v = out.v;
    this.steps = step;
    return { params: out.params, metrics: { serverStep: step } };
  }

  override getState(): StrategyState {
    const vectors: Record<string, Float32Array> = {};
    if (this.m !== undefined) vectors.m = Float32Array.from(this.m);
    if (this.v !== undefined) vectors.v = Float32Array.from(this.v);
    return { scalars: { steps: this.steps }, vectors };
  }

  override setState(state: StrategyState): void {
    const read = readState(this.name, state, { scalars: ['steps'], vectors: ['m', 'v'] });
    const { m, v } = read.vectors;
    const steps = read.scalars.steps ?? 0;
    if ((m === undefined) !== (v === undefined) || !Number.isInteger(steps) || steps < 0) {
      throw new CheckpointError(
        `state of strategy '${this.name}': expected both moments m and v (or neither) and an integer step count ≥ 0`,
        'resume with the strategy and options the checkpoint was written with',
      );
    }
    this.m = m;
    this.v = v;
    this.steps = steps;
  }
}
