/**
 * A strategy built from parts: an aggregator (how replies combine), a server optimizer (the
 * server's step to the new model) and a client algorithm (what clients do besides local
 * training, with its server half). The skeleton every strategy shares lives here: a round's
 * replies are checked (count, duplicates, lengths, finite values, example counts, the extras the
 * client algorithm expects) and sorted by client id, so the result does not depend on arrival
 * order; the parts compute; their new state is committed only once the whole round succeeded; and
 * common diagnostics are added. The twelve named strategies are presets of this class.
 */
import { RoundRefusedError } from '../../errors.js';
import type { ServerHalf } from '../client/algorithms/algorithm.js';
import { CLIENT_ALGORITHMS, roundConfigOff } from '../client/algorithms/registry.js';
import { TRANSFORMS_CONFIG_OFF } from '../client/transforms/options.js';
import { norm } from '../aggregate/vectors.js';
import type { AggregateResult, FitFailure, FitInstructions, FitReply, RoundContext, SecureRoundSum, Strategy, StrategyState } from '../strategy.js';
import { ConfigError } from '../../errors.js';
import { equalWeightSumAggregator, FEW_REPLIES_HINT, type Aggregator, type AggregatorOutput, type SumAggregator } from './aggregators/aggregator.js';
import type { SecureAggregationSpec } from './secure/options.js';
import { compressionConflicts } from '../compression/composition.js';
import { compressionRoundConfig } from './compression/registry.js';
import { createAggregator } from './aggregators/registry.js';
import { clientMetricMeans, pickState, readState, sortByClient, type StateLayout } from './base.js';
import { strategyName, type ComposedStrategySpec, type ComposedStrategySpecInput } from './options.js';
import { parseComposedSpec } from './parse-options.js';
import { createPrivacyPart } from './privacy/registry.js';
import type { PrivacyPart, PrivateSum } from './privacy/privacy-part.js';
import { createServerOptimizer } from './server-optimizers/registry.js';
import type { ServerOptimizer } from './server-optimizers/server-optimizer.js';

/** Naming of a composed strategy (presets set both). */
export interface ComposedStrategyNaming {
  /** Registry name, in checkpoints and reports. Default `<aggregator>+<serverOptimizer>+<client>`, e.g. `krum+adam+fedprox`. */
  name?: string;
  /** Display name in messages, e.g. `FedAvg`. Default: the parts' titles joined by ` + `. */
  title?: string;
}

/** "3 sampled clients failed (a: timeout; b: ...)" or "" when none failed. */
function describeFailures(failures: readonly FitFailure[]): string {
  if (failures.length === 0) return '';
  const shown = failures.slice(0, 3).map((f) => `${f.clientId}: ${f.reason}`);
  const rest = failures.length > 3 ? `; and ${failures.length - 3} more` : '';
  return `; ${failures.length} sampled client(s) failed (${shown.join('; ')}${rest})`;
}

/** The union of two state layouts, which must not share a name. */
function unionLayout(a: StateLayout, b: StateLayout): StateLayout {
  const clash = [...a.scalars.filter((k) => b.scalars.includes(k)), ...a.vectors.filter((k) => b.vectors.includes(k))];
  if (clash.length > 0) throw new Error(`strategy parts share state names: ${clash.join(', ')}`);
  return { scalars: [...a.scalars, ...b.scalars], vectors: [...a.vectors, ...b.vectors] };
}

/** A strategy from an aggregator, a server optimizer and a client algorithm. */
export class ComposedStrategy implements Strategy {
  readonly name: string;
  /** The validated spec, defaults filled. */
  readonly spec: ComposedStrategySpec;
  readonly aggregator: Aggregator;
  readonly serverOptimizer: ServerOptimizer;
  /** The client algorithm's server half. */
  readonly clientAlgorithm: ServerHalf;
  /** The privacy part (DP-FedAvg), when the spec has one. */
  readonly privacy: PrivacyPart | undefined;
  /** Display name used in messages. */
  readonly title: string;
  private readonly layout: StateLayout;
  /** The aggregator as a sum aggregator, when a privacy part or secure aggregation drives it. */
  private readonly sumAggregator: SumAggregator | undefined = undefined;
  /** The secure aggregation protocol, when the spec has one. */
  readonly secure: SecureAggregationSpec | undefined;

  /** Throws UnknownNameError for an unknown part, ConfigError naming the field for a bad option. */
  constructor(spec: ComposedStrategySpecInput, naming: ComposedStrategyNaming = {}) {
    this.spec = parseComposedSpec(spec);
    const { aggregator, serverOptimizer, client, privacy } = this.spec;
    this.name = naming.name ?? strategyName(this.spec);
    const ctx = { strategy: this.name };
    this.aggregator = createAggregator(aggregator);
    this.serverOptimizer = createServerOptimizer(serverOptimizer, ctx);
    this.clientAlgorithm = CLIENT_ALGORITHMS.get(client.name).server(client, ctx);
    this.privacy = privacy === undefined ? undefined : createPrivacyPart(privacy);
    const plainStep = serverOptimizer.name === 'plain' && serverOptimizer.serverLearningRate === 1;
    const parts = [
      this.aggregator.title,
      ...(plainStep ? [] : [this.serverOptimizer.title]),
      ...(client.name === 'plain' ? [] : [this.clientAlgorithm.title]),
      ...(this.privacy === undefined ? [] : [this.privacy.title]),
      ...(this.spec.secureAggregation === undefined ? [] : ['SecAgg+']),
      ...(this.spec.compression === undefined ? [] : [`${this.spec.compression.name} compression`]),
    ];
    this.title = naming.title ?? parts.join(' + ');
    this.secure = this.spec.secureAggregation;
    const { compression } = this.spec;
    if (compression !== undefined) {
      const conflict = compressionConflicts(compression.name, { secureAggregation: this.secure !== undefined, privacy: this.spec.privacy?.noise ?? 'none' });
      if (conflict !== undefined) throw new ConfigError('compression', `${this.title}: ${conflict}`, 'leave out compression, or secure aggregation');
    }
    if (this.privacy !== undefined) this.sumAggregator = equalWeightSumAggregator(this.aggregator, 'privacy', this.title);
    if (this.secure !== undefined) {
      this.sumAggregator = equalWeightSumAggregator(this.aggregator, 'secureAggregation', this.title);
      if (this.privacy !== undefined && this.spec.privacy?.noise !== 'clients') {
        throw new ConfigError('privacy.noise', `${this.title}: with secure aggregation the server never sees an update, so it cannot clip or noise them`, 'set privacy.noise to "clients": each client clips and adds its share of the noise before masking');
      }
      const probe = { round: 1, global: new Float32Array(1), numClients: 1 };
      if (Object.keys(this.clientAlgorithm.replyExtras(probe)).length > 0) {
        throw new ConfigError('client', `${this.title}: the ${this.clientAlgorithm.title} server update needs each client's reply, which secure aggregation hides`, 'use client plain or fedprox with secure aggregation');
      }
    }
    this.layout = unionLayout(unionLayout(this.serverOptimizer.stateLayout, this.clientAlgorithm.stateLayout), this.privacy?.stateLayout ?? { scalars: [], vectors: [] });
  }

  minReplies(): number {
    return this.aggregator.requirement().min;
  }

  /** Extra vectors every reply must carry: the client algorithm's and the privacy part's. */
  private replyExtras(ctx: RoundContext): Record<string, number> {
    return { ...this.clientAlgorithm.replyExtras(ctx), ...(this.privacy?.replyExtras(ctx) ?? {}) };
  }

  secureAggregation(ctx: RoundContext): { spec: SecureAggregationSpec; summedExtras: Record<string, number> } | undefined {
    return this.secure === undefined ? undefined : { spec: this.secure, summedExtras: this.privacy?.replyExtras(ctx) ?? {} };
  }

  /**
   * The new global model from a secure round's sum (the server never saw a reply): the privacy
   * part (client noise) accounts it, the aggregator turns the sum into its aggregate, the server
   * optimizer steps. Throws RoundRefusedError for an empty sum.
   */
  aggregateSecure(ctx: RoundContext, secure: SecureRoundSum, failures: readonly FitFailure[]): AggregateResult {
    const n = secure.included.length;
    const sumAggregator = this.sumAggregator;
    if (this.secure === undefined || sumAggregator === undefined) throw new ConfigError('secureAggregation', `${this.title} has no secure aggregation`, 'give the strategy a secureAggregation part');
    if (n === 0 || !(secure.total > 0)) throw new RoundRefusedError(`${this.title} received an empty secure sum${describeFailures(failures)}`, FEW_REPLIES_HINT);
    const sampledCtx = { ...ctx, sampled: ctx.sampled ?? n + failures.length };
    const priv = this.privacy?.privateSecureSum(sampledCtx, secure);
    const aggregated = sumAggregator.fromSum(priv?.sum ?? { sum: secure.sum, total: secure.total, count: n }, { global: ctx.global, title: this.title });
    // The clients' training metrics travel in the clear: their means, as for plain rounds.
    const asReplies = secure.included.map((clientId) => {
      const { numExamples = 0, ...metrics } = secure.clientMetrics[clientId] ?? {};
      return { clientId, params: ctx.global, numExamples, metrics, extras: {} };
    });
    return this.finishRound(ctx, aggregated, [], asReplies, failures, priv);
  }

  stopBeforeRound(ctx: RoundContext): string | undefined {
    return this.privacy?.stopBeforeRound(ctx);
  }

  configureFit(ctx: RoundContext): FitInstructions {
    const replyExtras = this.replyExtras(ctx);
    return {
      config: {
        localEpochs: this.spec.localEpochs,
        batchSize: this.spec.batchSize,
        ...roundConfigOff(),
        ...TRANSFORMS_CONFIG_OFF,
        ...this.clientAlgorithm.config(),
        ...(this.privacy?.config(ctx) ?? {}),
        ...(this.spec.compression === undefined ? {} : compressionRoundConfig(this.spec.compression)),
      },
      extras: this.clientAlgorithm.extras(ctx),
      ...(Object.keys(replyExtras).length > 0 ? { replyExtras } : {}),
    };
  }

  /**
   * Why this reply cannot be aggregated, or undefined when it can: wrong parameter length,
   * non-finite parameters, an impossible example count, or a missing, mis-sized or non-finite
   * extra that the client algorithm expects. Runtimes may call it to refuse a single reply.
   */
  checkReply(ctx: RoundContext, reply: FitReply): string | undefined {
    const expected = ctx.global.length;
    const who = `client '${reply.clientId}'`;
    if (reply.params.length !== expected) return `${who} sent ${reply.params.length} parameters, expected ${expected}`;
    if (!(Number.isInteger(reply.numExamples) && reply.numExamples >= 0)) return `${who} reported ${reply.numExamples} examples; expected an integer ≥ 0`;
    const bad = reply.params.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) return `${who} sent a non-finite parameter (${reply.params[bad]} at index ${bad})`;
    const own = this.clientAlgorithm.replyExtras(ctx);
    for (const [name, length] of Object.entries(this.replyExtras(ctx))) {
      const extra = reply.extras[name];
      if (extra === undefined) return `${who} sent no '${name}'; ${name in own ? this.clientAlgorithm.replyExtrasHint : (this.privacy?.replyExtrasHint ?? '')}`;
      if (extra.length !== length) return `${who} sent a '${name}' of ${extra.length} values, expected ${length}`;
      const i = extra.findIndex((x) => !Number.isFinite(x));
      if (i >= 0) return `${who} sent a non-finite '${name}' value (${extra[i]} at index ${i})`;
    }
    return undefined;
  }

  aggregateFit(ctx: RoundContext, replies: readonly FitReply[], failures: readonly FitFailure[]): AggregateResult {
    const n = replies.length;
    if (n === 0) {
      throw new RoundRefusedError(`${this.title} received no replies to aggregate${describeFailures(failures)}`, FEW_REPLIES_HINT);
    }
    const { min, rule, hint } = this.aggregator.requirement();
    if (n < min) throw new RoundRefusedError(`${this.title} needs ${rule} replies, got ${n}${describeFailures(failures)}`, hint);
    const sorted = sortByClient(replies);
    for (let i = 1; i < n; i++) {
      if (sorted[i].clientId === sorted[i - 1].clientId) {
        throw new RoundRefusedError(`${this.title} got two replies from client '${sorted[i].clientId}' in one round`, 'a runtime must pass at most one reply per client');
      }
    }
    for (const reply of sorted) {
      const problem = this.checkReply(ctx, reply);
      if (problem !== undefined) throw new RoundRefusedError(`${this.title} cannot aggregate: ${problem}`, 'the runtime should refuse such a reply before aggregation');
    }
    const sampledCtx = { ...ctx, sampled: ctx.sampled ?? n + failures.length };
    const priv = this.privacy?.privateSum(sampledCtx, sorted);
    const aggregated =
      priv === undefined || this.sumAggregator === undefined
        ? this.aggregator.aggregate({ global: ctx.global, replies: sorted, title: this.title })
        : this.sumAggregator.fromSum(priv.sum, { global: ctx.global, title: this.title });
    return this.finishRound(ctx, aggregated, sorted, sorted, failures, priv);
  }

  /**
   * The server optimizer's step to the new model from the round's aggregate, the client
   * algorithm's server update (from `replies`, empty for a secure round), the commit of every
   * part's new state once all succeeded, and the round's diagnostics (`reported`: the replies whose
   * example counts and metrics are averaged).
   */
  private finishRound(
    ctx: RoundContext,
    aggregated: AggregatorOutput,
    replies: readonly FitReply[],
    reported: readonly FitReply[],
    failures: readonly FitFailure[],
    priv: PrivateSum | undefined,
  ): AggregateResult {
    const step = this.serverOptimizer.step(ctx.global, aggregated.aggregate);
    const update = this.clientAlgorithm.update(ctx, replies);
    step.commit();
    update.commit();
    priv?.commit();
    const params = step.params;
    const delta = new Float64Array(params.length);
    for (let i = 0; i < delta.length; i++) delta[i] = params[i] - ctx.global[i];
    return {
      params,
      metrics: {
        replies: reported.length,
        failures: failures.length,
        examples: reported.reduce((s, r) => s + r.numExamples, 0),
        updateNorm: norm(delta),
        ...clientMetricMeans(reported),
        ...aggregated.metrics,
        ...step.metrics,
        ...update.metrics,
        ...(priv?.metrics ?? {}),
      },
    };
  }

  getState(): StrategyState {
    const a = this.serverOptimizer.getState();
    const b = this.clientAlgorithm.getState();
    const c = this.privacy?.getState() ?? { scalars: {}, vectors: {} };
    return { scalars: { ...a.scalars, ...b.scalars, ...c.scalars }, vectors: { ...a.vectors, ...b.vectors, ...c.vectors } };
  }

  /**
   * Restores a state written by `getState`, splitting it between the server optimizer and the
   * client algorithm. Throws CheckpointError when the state has unknown names, non-finite
   * scalars, or vectors that are not Float32Arrays of one common length.
   */
  setState(state: StrategyState): void {
    const read = readState(this.name, state, this.layout);
    this.serverOptimizer.setState(pickState(read, this.serverOptimizer.stateLayout));
    this.clientAlgorithm.setState(pickState(read, this.clientAlgorithm.stateLayout));
    if (this.privacy !== undefined) this.privacy.setState(pickState(read, this.privacy.stateLayout));
  }
}
