/**
 * The shared skeleton of every strategy: checks a round's replies (count, duplicates, lengths,
 * finite values, example counts), sorts them by client id so the result does not depend on
 * arrival order, lets the subclass do the math, and adds common diagnostics. Subclasses
 * implement `combine` and, when they have preconditions or state, `requirement`,
 * `getState` and `setState`.
 */
import type { ClientTrainConfig } from '../client-config.js';
import { CheckpointError, RoundRefusedError } from '../../errors.js';
import { weightedMean } from '../aggregate/weighted-mean.js';
import { norm } from '../aggregate/vectors.js';
import type {
  AggregateResult,
  FitFailure,
  FitInstructions,
  FitReply,
  RoundContext,
  Strategy,
  StrategyState,
} from '../strategy.js';
import type { CommonOptions } from './options.js';

/** How many replies a strategy needs, and the rule in words for the refusal message. */
export interface Requirement {
  /** Fewest replies. */
  min: number;
  /** The rule, e.g. `at least 4f+3 = 11` or `more than 2f+2 = 4`. */
  rule: string;
}

/** Hint of a refusal for too few replies. */
export const FEW_REPLIES_HINT = 'raise the fraction of clients sampled, or lengthen the round deadline';
/** Hint of a refusal for too few replies by a strategy with an f (byzantine) option. */
export const FEW_REPLIES_ROBUST_HINT = 'lower f (the byzantine option), raise the fraction of clients sampled, or lengthen the round deadline';

/** Orders strings by UTF-16 code units (locale-independent, unlike localeCompare). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of the replies sorted by client id (the replies themselves are not copied). */
export function sortByClient(replies: readonly FitReply[]): FitReply[] {
  return [...replies].sort((a, b) => compareIds(a.clientId, b.clientId));
}

/** "3 sampled clients failed (a: timeout; b: ...)" or "" when none failed. */
function describeFailures(failures: readonly FitFailure[]): string {
  if (failures.length === 0) return '';
  const shown = failures.slice(0, 3).map((f) => `${f.clientId}: ${f.reason}`);
  const rest = failures.length > 3 ? `; and ${failures.length - 3} more` : '';
  return `; ${failures.length} sampled client(s) failed (${shown.join('; ')}${rest})`;
}

/** Base class of the strategies in this folder. */
export abstract class BaseStrategy<O extends CommonOptions> implements Strategy {
  /** Registry name, e.g. `fedavg`. */
  abstract readonly name: string;
  /** Display name used in messages, e.g. `FedAvg` or `Bulyan with f=2`. */
  protected abstract get title(): string;

  /** The validated options, defaults filled. */
  readonly options: O;

  protected constructor(options: O) {
    this.options = options;
  }

  /** Fewest replies and the rule in words. Default: at least one. */
  protected requirement(): Requirement {
    return { min: 1, rule: 'at least 1' };
  }

  /** The hint of a refusal for too few replies. */
  protected fewRepliesHint(): string {
    return FEW_REPLIES_HINT;
  }

  minReplies(): number {
    return this.requirement().min;
  }

  /** The ClientTrainConfig part of every round's config. Subclasses override to set `proximalMu` or `scaffold`. */
  protected trainConfig(): ClientTrainConfig {
    return { localEpochs: this.options.localEpochs, batchSize: this.options.batchSize, proximalMu: 0, scaffold: false };
  }

  configureFit(_ctx: RoundContext): FitInstructions {
    return { config: { ...this.trainConfig() }, extras: {} };
  }

  /**
   * Why this reply cannot be aggregated, or undefined when it can: wrong parameter length,
   * non-finite parameters, an impossible example count, or (per strategy) missing extras.
   * Runtimes may call it to refuse a single reply before aggregation.
   */
  checkReply(ctx: RoundContext, reply: FitReply): string | undefined {
    const expected = ctx.global.length;
    if (reply.params.length !== expected) {
      return `client '${reply.clientId}' sent ${reply.params.length} parameters, expected ${expected}`;
    }
    if (!(Number.isInteger(reply.numExamples) && reply.numExamples >= 0)) {
      return `client '${reply.clientId}' reported ${reply.numExamples} examples; expected an integer ≥ 0`;
    }
    const bad = reply.params.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) return `client '${reply.clientId}' sent a non-finite parameter (${reply.params[bad]} at index ${bad})`;
    return this.checkExtras(ctx, reply);
  }

  /** Strategy-specific checks of a reply's extras. Default: none. */
  protected checkExtras(_ctx: RoundContext, _reply: FitReply): string | undefined {
    return undefined;
  }

  aggregateFit(ctx: RoundContext, replies: readonly FitReply[], failures: readonly FitFailure[]): AggregateResult {
    const n = replies.length;
    if (n === 0) {
      throw new RoundRefusedError(`${this.title} received no replies to aggregate${describeFailures(failures)}`, FEW_REPLIES_HINT);
    }
    const { min, rule } = this.requirement();
    if (n < min) {
      throw new RoundRefusedError(`${this.title} needs ${rule} replies, got ${n}${describeFailures(failures)}`, this.fewRepliesHint());
    }
    const sorted = sortByClient(replies);
    for (let i = 1; i < n; i++) {
      if (sorted[i].clientId === sorted[i - 1].clientId) {
        throw new RoundRefusedError(`${this.title} got two replies from client '${sorted[i].clientId}' in one round`, 'a runtime must pass at most one reply per client');
      }
    }
    for (const reply of sorted) {
      const problem = this.checkReply(ctx, reply);
      if (problem !== undefined) {
        throw new RoundRefusedError(`${this.title} cannot aggregate: ${problem}`, 'the runtime should refuse such a reply before aggregation');
      }
    }
    const result = this.combine(ctx, sorted);
    const examples = sorted.reduce((s, r) => s + r.numExamples, 0);
    const update = new Float64Array(result.params.length);
    for (let i = 0; i < update.length; i++) update[i] = result.params[i] - ctx.global[i];
    return {
      params: result.params,
      metrics: {
        replies: n,
        failures: failures.length,
        examples,
        updateNorm: norm(update),
        ...clientMetricMeans(sorted),
        ...result.metrics,
      },
    };
  }

  /** The aggregation proper, over replies already checked and sorted by client id. */
  protected abstract combine(ctx: RoundContext, replies: readonly FitReply[]): AggregateResult;

  getState(): StrategyState {
    return { scalars: {}, vectors: {} };
  }

  setState(state: StrategyState): void {
    readState(this.name, state, { scalars: [], vectors: [] });
  }

  /** The example-weighted mean of the replies' parameters (FedAvg's aggregate); refuses when every count is 0. */
  protected weightedAverage(replies: readonly FitReply[]): Float32Array {
    if (!replies.some((r) => r.numExamples > 0)) {
      throw new RoundRefusedError(`${this.title} weights replies by their example counts, and all ${replies.length} replies reported 0 examples`, 'check the clients\' data partitions');
    }
    return weightedMean(
      replies.map((r) => r.params),
      replies.map((r) => r.numExamples),
    );
  }
}

/** Example-weighted means (uniform when all counts are 0) of the client metrics every reply reports, as `fit.<name>`. */
export function clientMetricMeans(replies: readonly FitReply[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (replies.length === 0) return out;
  const total = replies.reduce((s, r) => s + r.numExamples, 0);
  const weightOf = (r: FitReply): number => (total > 0 ? r.numExamples / total : 1 / replies.length);
  for (const key of Object.keys(replies[0].metrics).sort(compareIds)) {
    if (!replies.every((r) => Number.isFinite(r.metrics[key]))) continue;
    out[`fit.${key}`] = replies.reduce((s, r) => s + weightOf(r) * r.metrics[key], 0);
  }
  return out;
}

/** The names a strategy's state may contain. */
export interface StateLayout {
  scalars: readonly string[];
  vectors: readonly string[];
}

/**
 * Checks a state against a strategy's layout (no unknown names, finite scalars, vectors of
 * one length) and returns copies of its values. Throws CheckpointError otherwise.
 */
export function readState(strategy: string, state: StrategyState, layout: StateLayout): StrategyState {
  const fail = (message: string): never => {
    throw new CheckpointError(`state of strategy '${strategy}': ${message}`, 'resume with the strategy and options the checkpoint was written with');
  };
  if (typeof state !== 'object' || state === null || typeof state.scalars !== 'object' || typeof state.vectors !== 'object') {
    fail('expected { scalars, vectors }');
  }
  const scalars: Record<string, number> = {};
  for (const [key, value] of Object.entries(state.scalars)) {
    if (!layout.scalars.includes(key)) fail(`unknown scalar '${key}' (known: ${layout.scalars.join(', ') || 'none'})`);
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`scalar '${key}' must be a finite number, got ${String(value)}`);
    scalars[key] = value;
  }
  const vectors: Record<string, Float32Array> = {};
  let length: number | undefined;
  for (const [key, value] of Object.entries(state.vectors)) {
    if (!layout.vectors.includes(key)) fail(`unknown vector '${key}' (known: ${layout.vectors.join(', ') || 'none'})`);
    if (!(value instanceof Float32Array)) fail(`vector '${key}' must be a Float32Array`);
    if (length !== undefined && value.length !== length) fail(`vector '${key}' has length ${value.length}, the others ${length}`);
    length = value.length;
    vectors[key] = Float32Array.from(value);
  }
  return { scalars, vectors };
}

/** Throws CheckpointError when a state vector does not have the model's parameter length. */
export function checkStateLength(strategy: string, what: string, vector: Float32Array, expected: number): void {
  if (vector.length !== expected) {
    throw new CheckpointError(
      `state of strategy '${strategy}': '${what}' has ${vector.length} values but the model has ${expected} parameters`,
      'the checkpoint was written for another model; resume with the same model spec',
    );
  }
}
