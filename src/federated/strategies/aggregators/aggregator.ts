/**
 * The first part of a composed strategy: an aggregator turns a round's checked replies into one
 * aggregate (the new model before the server optimizer's step). One aggregator per file in this
 * folder, found by name through `registry.ts`; their math lives in `../../aggregate/` as pure
 * functions over Float32Arrays.
 */
import { ConfigError } from '../../../errors.js';
import { stepByUpdateSum } from '../../aggregate/server-step.js';
import type { FitReply } from '../../strategy.js';

/**
 * A round's aggregate, in one of two exact forms: the parameters themselves, or a sum of updates
 * kept unrounded (so that a server step x + η·sum/total rounds once, and so that a secure or
 * private sum, which never sees a single reply, can deliver it).
 */
export type Aggregate =
  /** a: the aggregated parameters (a new array, never an alias of a reply's). */
  | { kind: 'params'; params: Float32Array }
  /** a = x + sum/total: `sum` = Σ wᵢ·(yᵢ − x) in float64, `total` = Σ wᵢ. */
  | { kind: 'update'; sum: Float64Array; total: number };

/** What an aggregator is given. */
export interface AggregatorInput {
  /** x: the global parameters the round started from (do not modify). */
  global: Float32Array;
  /** The round's replies, checked (lengths, finite values, example counts) and sorted by client id. */
  replies: readonly FitReply[];
  /** The strategy's display name, for refusal messages (e.g. `FedAvg`). */
  title: string;
}

/** An aggregator's result. */
export interface AggregatorOutput {
  aggregate: Aggregate;
  /** Diagnostics (e.g. `kept`, `rejected`, `krumScore`, `trimmedPerEnd`). */
  metrics: Record<string, number>;
}

/** How many replies an aggregator needs, the rule in words, and what to do about too few. */
export interface MinimumReplies {
  /** Fewest replies. */
  min: number;
  /** The rule, e.g. `at least 4f+3 = 11` or `more than 2f+2 = 4`. */
  rule: string;
  /** Hint of the refusal of a round with fewer replies. */
  hint: string;
}

/** Hint of a refusal for too few replies. */
export const FEW_REPLIES_HINT = 'raise the fraction of clients sampled, or lengthen the round deadline';
/** Hint of a refusal for too few replies by an aggregator with an f (byzantine) option. */
export const FEW_REPLIES_ROBUST_HINT = 'lower f (the byzantine option), raise the fraction of clients sampled, or lengthen the round deadline';

/** Turns a round's replies into its aggregate. Stateless. */
export interface Aggregator {
  /** Registry name, e.g. `krum`. */
  readonly name: string;
  /** Display name with its settings, e.g. `Krum with f=1`. */
  readonly title: string;
  /** Fewest replies, the rule in words and the hint. Runtimes sample and wait for at least `min`. */
  requirement(): MinimumReplies;
  /** The aggregate of the replies (at least `requirement().min`); throws RoundRefusedError when there is none. */
  aggregate(input: AggregatorInput): AggregatorOutput;
}

/** Σ wᵢ·(yᵢ − x), Σ wᵢ and the number of terms: all a linear aggregator needs of a round. */
export interface WeightedSum {
  sum: Float64Array;
  total: number;
  count: number;
}

/**
 * An aggregator that is a function of a weighted sum of the updates alone. Room for secure and
 * private sums: a secure-aggregation runtime lets each client scale its own update by
 * `weight(reply)` and delivers only the masked total, a private sum adds noise to it; both then
 * call `fromSum` and never need the replies one by one.
 */
export interface SumAggregator extends Aggregator {
  /** wᵢ of a reply (its example count, or 1). */
  weight(reply: Pick<FitReply, 'numExamples'>): number;
  /** The aggregate of a round from its weighted sum of updates. */
  fromSum(sum: WeightedSum, input: Omit<AggregatorInput, 'replies'>): AggregatorOutput;
}

/** The aggregate as parameters (a new array for the `update` form: x + sum/total rounded once). */
export function aggregateParams(aggregate: Aggregate, global: Float32Array): Float32Array {
  return aggregate.kind === 'params' ? aggregate.params : stepByUpdateSum(global, aggregate.sum, aggregate.total, 1);
}

/**
 * The aggregator as a sum aggregator of equal weights, which differential privacy and secure
 * aggregation need (a weight would multiply one client's contribution); throws ConfigError naming
 * the field otherwise. `field` is the part that needs it (`privacy`, `secureAggregation`).
 */
export function equalWeightSumAggregator(aggregator: Aggregator, field: string, title: string): SumAggregator {
  const a = aggregator as Aggregator & Partial<SumAggregator>;
  if (typeof a.fromSum !== 'function' || typeof a.weight !== 'function') {
    throw new ConfigError(field, `${title}: ${field} needs an aggregator that is a function of the sum of the updates, and '${a.name}' is not one`, 'use aggregator { name: "mean", weighting: "uniform" }');
  }
  if (a.weight({ numExamples: 1 }) !== 1 || a.weight({ numExamples: 1000 }) !== 1) {
    throw new ConfigError('aggregator.weighting', `${title}: ${field} needs equal weights (a client's weight would multiply its contribution), and the aggregator weights by example counts`, 'set aggregator.weighting to "uniform"');
  }
  return a as SumAggregator;
}
