/**
 * SCAFFOLD (Karimireddy et al., ICML 2020, "Stochastic Controlled Averaging for Federated
 * Learning"). The server keeps a control variate c and sends it to every sampled client
 * (`serverControl`, with `scaffold: true` in the config); each client corrects its local
 * gradients by c − cᵢ and returns its parameters yᵢ and the change Δcᵢ of its own control variate
 * (`controlDelta`). The server then steps x ← x + η_g·mean(yᵢ − x) and c ← c + (|S|/N)·mean(Δcᵢ)
 * with N = `ctx.numClients` (see `aggregate/scaffold.ts`). Means are uniform, as in the paper.
 * Needs one reply, and a `controlDelta` of the parameter length in every reply. State: c.
 */
import { EXTRA_CONTROL_DELTA, EXTRA_SERVER_CONTROL, type ClientTrainConfig } from '../client-config.js';
import { scaffoldStep } from '../aggregate/scaffold.js';
import type { AggregateResult, FitInstructions, FitReply, RoundContext, StrategyState } from '../strategy.js';
import { BaseStrategy, checkStateLength, readState } from './base.js';
import { ScaffoldOptionsSchema, type StrategyOptions } from './options.js';
import { parseStrategyOptions } from './parse-options.js';

/** SCAFFOLD's options as a caller writes them (all optional; see `ScaffoldOptionsSchema`). */
export type ScaffoldInput = Omit<Partial<StrategyOptions<'scaffold'>>, 'name'>;

/** Stochastic controlled averaging. */
export class Scaffold extends BaseStrategy<StrategyOptions<'scaffold'>> {
  readonly name = 'scaffold';
  /** c, the server control variate; zeros of the model's length until the first round. */
  private control: Float32Array | undefined;

  constructor(options: ScaffoldInput = {}) {
    super(parseStrategyOptions(ScaffoldOptionsSchema, 'scaffold', options));
  }

  protected get title(): string {
    return 'SCAFFOLD';
  }

  protected override trainConfig(): ClientTrainConfig {
    return { ...super.trainConfig(), scaffold: true };
  }

  /** c, created as zeros of the model's length on first use. */
  private controlFor(ctx: RoundContext): Float32Array {
    if (this.control === undefined) this.control = new Float32Array(ctx.global.length);
    checkStateLength(this.name, 'serverControl', this.control, ctx.global.length);
    return this.control;
  }

  override configureFit(ctx: RoundContext): FitInstructions {
    const base = super.configureFit(ctx);
    return { config: base.config, extras: { [EXTRA_SERVER_CONTROL]: Float32Array.from(this.controlFor(ctx)) } };
  }

  protected override checkExtras(ctx: RoundContext, reply: FitReply): string | undefined {
    const delta = reply.extras[EXTRA_CONTROL_DELTA];
    if (delta === undefined) {
      return `client '${reply.clientId}' sent no '${EXTRA_CONTROL_DELTA}'; SCAFFOLD clients must return the change of their control variate (was the client told scaffold: true?)`;
    }
    if (delta.length !== ctx.global.length) {
      return `client '${reply.clientId}' sent a '${EXTRA_CONTROL_DELTA}' of ${delta.length} values, expected ${ctx.global.length}`;
    }
    const bad = delta.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) return `client '${reply.clientId}' sent a non-finite '${EXTRA_CONTROL_DELTA}' value (${delta[bad]} at index ${bad})`;
    return undefined;
  }

  protected combine(ctx: RoundContext, replies: readonly FitReply[]): AggregateResult {
    // N may be below |S| if clients were revoked during the round; the control step is then |S|/|S|.
    const numClients = Math.max(ctx.numClients, replies.length);
    const out = scaffoldStep({
      global: ctx.global,
      control: this.controlFor(ctx),
      params: replies.map((r) => r.params),
      controlDeltas: replies.map((r) => r.extras[EXTRA_CONTROL_DELTA]),
      numClients,
      serverLearningRate: this.options.serverLearningRate,
      labels: replies.map((r) => r.clientId),
    });
    this.control = out.control;
    let sq = 0;
    for (let i = 0; i < out.control.length; i++) sq += out.control[i] * out.control[i];
    return { params: out.params, metrics: { controlNorm: Math.sqrt(sq) } };
  }

  override getState(): StrategyState {
    return { scalars: {}, vectors: this.control === undefined ? {} : { [EXTRA_SERVER_CONTROL]: Float32Array.from(this.control) } };
  }

  override setState(state: StrategyState): void {
    this.control = readState(this.name, state, { scalars: [], vectors: [EXTRA_SERVER_CONTROL] }).vectors[EXTRA_SERVER_CONTROL];
  }
}
