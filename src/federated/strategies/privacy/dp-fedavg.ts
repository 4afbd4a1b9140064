/**
 * DP-FedAvg (McMahan, Ramage, Talwar & Zhang, ICLR 2018), shared by the fixed and the adaptive
 * clip: every update Δᵢ = yᵢ − x is clipped to ‖Δᵢ‖ ≤ C and the clipped updates are summed with
 * equal weights, so that one client changes the sum by at most C; Gaussian noise of standard
 * deviation z·C on the sum makes each round a Gaussian mechanism of noise multiplier z, applied to
 * a sample of m of the N clients (sampling rate q = m/N). The ledger adds each round's Rényi DP
 * (sampled Gaussian mechanism) and reports ε at δ.
 *
 * - `noise: 'server'`: the server clips and adds N(0, (zC)²) to the sum.
 * - `noise: 'clients'`: each sampled client clips and adds N(0, (zC)²/m) (`client/transforms/
 *   dp-clip-noise.ts`); with n ≤ m replies the sum carries (zC)²·n/m, so the round is accounted
 *   with the effective multiplier z·√(n/m) (dropouts cost privacy, never silently).
 *
 * The accountant treats the sample as Poisson sampling at rate q; jointly samples a fixed number
 * of clients, for which this is the usual approximation (TensorFlow Federated does the same).
 */
import { ConfigError } from '../../../errors.js';
import { belowClipFraction, updateNoiseMultiplier } from '../../privacy/adaptive-clip.js';
import { emptyLedger, ledgerEpsilon, spend, type PrivacyLedger } from '../../privacy/accountant.js';
import { clipToNorm } from '../../privacy/clip.js';
import { addGaussianNoise, secureUniforms, seededUniforms, type UniformSource } from '../../privacy/gaussian-noise.js';
import { DP_BELOW_CLIP } from '../../client/transforms/options.js';
import type { FitReply, RoundConfig, RoundContext, SecureRoundSum, StrategyState } from '../../strategy.js';
import type { StateLayout } from '../base.js';
import type { PrivacySpec } from './options.js';
import type { PrivacyPart, PrivateSum } from './privacy-part.js';

/** State scalars: rounds accounted, then the ledger's RDP per order (`privacy.rdp.<k>`; +∞ stored as the largest double). */
const ROUNDS = 'privacy.rounds';
const rdpName = (k: number): string => `privacy.rdp.${k}`;

/** How a round's clip is chosen and updated: fixed, or following a quantile (`adaptive-clip.ts`). */
export interface ClipRule {
  /** The clip of the coming round. */
  current(): number;
  /** σ_b of the count query for m sampled clients; 0 for a fixed clip. */
  countStd(sampled: number): number;
  /** The clip after a round whose estimated fraction of updates within the clip was `belowFraction`. */
  next(belowFraction: number): number;
  /** Its state scalars (e.g. `privacy.clip`). */
  readonly stateNames: readonly string[];
  getState(): Record<string, number>;
  setState(scalars: Record<string, number>): void;
  /** Sets the clip (after a committed round). */
  set(clip: number): void;
}

/** Clients sampled in the round: the runtime's count, else all of the federation. */
function sampledOf(ctx: RoundContext): number {
  return Math.max(1, ctx.sampled ?? ctx.numClients);
}

/** q = m/N, at most 1 (a federation of unknown size counts as fully sampled). */
function samplingRate(ctx: RoundContext): number {
  return ctx.numClients > 0 ? Math.min(1, sampledOf(ctx) / ctx.numClients) : 1;
}

/** The shared part of both DP-FedAvg variants. */
export class DpFedAvg implements PrivacyPart {
  readonly name: string;
  readonly spec: PrivacySpec;
  readonly replyExtrasHint = 'adaptive clipping with client noise needs each client\'s noised clip indicator; the client must run a jointly version with DP-FedAvg';
  readonly stateLayout: StateLayout;
  private ledger: PrivacyLedger = emptyLedger();
  private rounds = 0;
  private readonly rule: ClipRule;
  private readonly adaptive: boolean;

  constructor(spec: PrivacySpec, rule: ClipRule, adaptive: boolean) {
    this.name = spec.name;
    this.spec = spec;
    this.rule = rule;
    this.adaptive = adaptive;
    this.stateLayout = { scalars: [ROUNDS, ...this.ledger.orders.map((_, k) => rdpName(k)), ...rule.stateNames], vectors: [] };
  }

  get title(): string {
    const clip = this.adaptive ? `adaptive clip from ${this.rule.current()}` : `C=${this.rule.current()}`;
    return `DP-FedAvg (z=${this.spec.noiseMultiplier}, ${clip}, ${this.spec.noise} noise, δ=${this.spec.delta}${this.spec.budget === undefined ? '' : `, ε budget ${this.spec.budget}`})`;
  }


  /** σ_b and z_Δ of a round with m sampled clients (z_Δ = z for a fixed clip). */
  private noiseOf(sampled: number): { countStd: number; updateMultiplier: number } {
    const countStd = this.rule.countStd(sampled);
    if (countStd === 0) return { countStd, updateMultiplier: this.spec.noiseMultiplier };
    return { countStd, updateMultiplier: updateNoiseMultiplier(this.spec.noiseMultiplier, countStd) };
  }

  config(ctx: RoundContext): RoundConfig {
    if (this.spec.noise === 'server') return {};
    const m = sampledOf(ctx);
    const clip = this.rule.current();
    const { countStd, updateMultiplier } = this.noiseOf(m);
    return {
      dpClip: clip,
      dpNoiseStd: (updateMultiplier * clip) / Math.sqrt(m),
      dpAdaptive: this.adaptive,
      dpCountNoiseStd: countStd / Math.sqrt(m),
      dpNoiseSeed: this.spec.noiseSeed ?? -1,
    };
  }

  replyExtras(): Record<string, number> {
    return this.adaptive && this.spec.noise === 'clients' ? { [DP_BELOW_CLIP]: 1 } : {};
  }

  stopBeforeRound(ctx: RoundContext): string | undefined {
    const budget = this.spec.budget;
    if (budget === undefined) return undefined;
    const after = ledgerEpsilon(spend(this.ledger, { q: samplingRate(ctx), noiseMultiplier: this.spec.noiseMultiplier }), this.spec.delta).epsilon;
    if (after <= budget) return undefined;
    const now = ledgerEpsilon(this.ledger, this.spec.delta).epsilon;
    return `round ${ctx.round} would take ε from ${now.toPrecision(4)} to ${after.toPrecision(4)} (δ = ${this.spec.delta}), past the privacy budget ${budget}`;
  }

  private source(ctx: RoundContext): UniformSource {
    return this.spec.noiseSeed === undefined ? secureUniforms() : seededUniforms(this.spec.noiseSeed, `dp/server/round-${ctx.round}`);
  }

  privateSum(ctx: RoundContext, replies: readonly FitReply[]): PrivateSum {
    const d = ctx.global.length;
    const clip = this.rule.current();
    const sum = new Float64Array(d);
    const delta = new Float64Array(d);
    let within = 0;
    let centeredBelow = 0;
    for (const reply of replies) {
      for (let i = 0; i < d; i++) delta[i] = reply.params[i] - ctx.global[i];
      if (this.spec.noise === 'server') {
        const { norm } = clipToNorm(delta, clip);
        if (norm <= clip) within++;
      } else if (this.adaptive) {
        centeredBelow += reply.extras[DP_BELOW_CLIP][0];
      }
      for (let i = 0; i < d; i++) sum[i] += delta[i];
    }
    return this.noised(ctx, sum, replies.length, this.spec.noise === 'server' ? within - 0.5 * replies.length : centeredBelow);
  }

  /**
   * The private sum of a secure round: the clients clipped and noised their updates and their
   * indicators before masking (`noise: 'clients'`), so the server only reads the sums.
   */
  privateSecureSum(ctx: RoundContext, secure: SecureRoundSum): PrivateSum {
    if (this.spec.noise !== 'clients') throw new ConfigError('privacy.noise', 'secure aggregation hides every update from the server, so the server cannot clip them', 'set privacy.noise to "clients"');
    return this.noised(ctx, Float64Array.from(secure.sum), secure.total, secure.extras[DP_BELOW_CLIP]?.[0] ?? 0);
  }

  /**
   * The common tail: the sum of n clipped updates gets the server's noise (server mode) or is
   * accounted at the clients' noise that arrived (client mode); `centeredBelow` is Σ(bᵢ − ½),
   * noised by the clients in client mode and here in server mode.
   */
  private noised(ctx: RoundContext, sum: Float64Array, n: number, centeredBelowIn: number): PrivateSum {
    const m = Math.max(sampledOf(ctx), n);
    const clip = this.rule.current();
    const { countStd, updateMultiplier } = this.noiseOf(m);
    let centeredBelow = centeredBelowIn;
    const source = this.source(ctx);
    let multiplier = updateMultiplier;
    let noiseStd: number;
    if (this.spec.noise === 'server') {
      noiseStd = updateMultiplier * clip;
      addGaussianNoise(sum, noiseStd, source);
      if (this.adaptive) {
        const count = new Float64Array([centeredBelow]);
        addGaussianNoise(count, countStd, source);
        centeredBelow = count[0];
      }
    } else {
      // The clients' shares: n of the m shares of variance (z_Δ·C)²/m arrived.
      noiseStd = updateMultiplier * clip * Math.sqrt(n / m);
      multiplier = this.spec.noiseMultiplier * Math.sqrt(n / m);
    }
    const within = this.spec.noise === 'server' ? centeredBelowIn + 0.5 * n : Number.NaN;
    const belowFraction = n > 0 ? belowClipFraction(centeredBelow, n) : 1;
    const nextClip = this.adaptive ? this.rule.next(belowFraction) : clip;
    // The round's cost, at the rate it was sampled and the noise the sum carries (adaptive: the
    // update and count queries together have multiplier z, scaled by √(n/m) for client noise).
    const ledger = spend(this.ledger, { q: samplingRate(ctx), noiseMultiplier: this.spec.noise === 'server' ? this.spec.noiseMultiplier : multiplier });
    const epsilon = ledgerEpsilon(ledger, this.spec.delta).epsilon;
    const metrics: Record<string, number> = {
      epsilon,
      delta: this.spec.delta,
      clip,
      noiseMultiplier: this.spec.noise === 'server' ? this.spec.noiseMultiplier : multiplier,
      noiseStd,
    };
    if (this.spec.noise === 'server') metrics.clippedFraction = n > 0 ? 1 - within / n : 0;
    if (this.adaptive) {
      metrics.belowClipEstimate = belowFraction;
      metrics.nextClip = nextClip;
    }
    return {
      sum: { sum, total: n, count: n },
      metrics,
      commit: () => {
        this.ledger = ledger;
        this.rounds++;
        this.rule.set(nextClip);
      },
    };
  }

  spent(): { epsilon: number; delta: number } {
    return { epsilon: ledgerEpsilon(this.ledger, this.spec.delta).epsilon, delta: this.spec.delta };
  }

  getState(): StrategyState {
    const scalars: Record<string, number> = { [ROUNDS]: this.rounds, ...this.rule.getState() };
    this.ledger.rdp.forEach((r, k) => {
      scalars[rdpName(k)] = Number.isFinite(r) ? r : Number.MAX_VALUE;
    });
    return { scalars, vectors: {} };
  }

  setState(state: StrategyState): void {
    const rounds = state.scalars[ROUNDS] ?? 0;
    const rdp = new Float64Array(this.ledger.orders.length);
    for (let k = 0; k < rdp.length; k++) {
      const r = state.scalars[rdpName(k)] ?? 0;
      rdp[k] = r === Number.MAX_VALUE ? Number.POSITIVE_INFINITY : r;
    }
    this.ledger = { orders: this.ledger.orders, rdp, steps: rounds };
    this.rounds = rounds;
    this.rule.setState(state.scalars);
  }
}
