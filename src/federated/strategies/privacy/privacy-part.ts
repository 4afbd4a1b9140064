/**
 * The fourth, optional part of a composed strategy: a privacy part replaces the aggregator's
 * weighted sum of updates by a differentially private one (clipped, noised) and keeps the privacy
 * ledger. It composes with any aggregator that is a function of an equal-weight sum of the updates
 * (a `SumAggregator` whose `weight` is 1 for every reply). One part per file in this folder, found
 * by name through `registry.ts`; the math lives in `../../privacy/` as pure functions.
 */
import type { StateLayout } from '../base.js';
import type { WeightedSum } from '../aggregators/aggregator.js';
import type { FitReply, RoundConfig, RoundContext, SecureRoundSum, StrategyState } from '../../strategy.js';

/** A round's private sum, computed; the part's state (ledger, clip) changes only on `commit`. */
export interface PrivateSum {
  /** Σ of the clipped updates plus noise, with `total` = the number of replies. */
  sum: WeightedSum;
  /** `epsilon`, `delta`, `clip`, `noiseMultiplier`, `noiseStd`, `clippedFraction` (see the part). */
  metrics: Record<string, number>;
  commit(): void;
}

/** A privacy part of a composed strategy. */
export interface PrivacyPart {
  /** Registry name, e.g. `fixed-clip`. */
  readonly name: string;
  /** Display name with its settings, e.g. `DP-FedAvg (z=1, C=0.5, server noise)`. */
  readonly title: string;
  /** The round-config entries for the clients (`client/transforms/options.ts`), given the round. */
  config(ctx: RoundContext): RoundConfig;
  /** Extra vectors every reply must carry, name → length. */
  replyExtras(ctx: RoundContext): Record<string, number>;
  /** Why those extras are needed, for the refusal of a reply without one. */
  readonly replyExtrasHint: string;
  /** Why the run must stop before this round (its ε would pass the budget), or undefined. */
  stopBeforeRound(ctx: RoundContext): string | undefined;
  /** The private sum of a round's replies, sorted by client id. */
  privateSum(ctx: RoundContext, replies: readonly FitReply[]): PrivateSum;
  /** The private sum of a secure round (client noise only: the server never sees an update to clip). */
  privateSecureSum(ctx: RoundContext, secure: SecureRoundSum): PrivateSum;
  /** The (ε, δ) spent so far. */
  spent(): { epsilon: number; delta: number };
  /** The names its state may hold. */
  readonly stateLayout: StateLayout;
  getState(): StrategyState;
  /** Restores a state written by `getState` (already checked against `stateLayout`). */
  setState(state: StrategyState): void;
}
