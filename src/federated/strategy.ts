/**
 * The strategy interface shared by both federated runtimes (networked server and in-process
 * simulation). A strategy configures a round and aggregates its replies; the runtimes do the
 * sampling, transport, deadlines and validation. Strategies see only flat Float32Arrays (all of
 * the global model's length, in the order of its parameter layout), never tfjs or the network.
 */
import type { SecureAggregationSpec } from './strategies/secure/options.js';

/** A value in a round's client configuration. */
export type ConfigValue = number | string | boolean;

/** Settings a round sends to its clients (local epochs, learning rate, proximal term, ...). */
export type RoundConfig = Record<string, ConfigValue>;

/** Named vectors of the global parameter length (SCAFFOLD's control variates, for example). */
export type Vectors = Record<string, Float32Array>;

/** What the runtime tells a strategy about the round at hand. */
export interface RoundContext {
  /** 1-based round number. */
  round: number;
  /** The global parameters the round starts from (do not modify). */
  global: Float32Array;
  /**
   * N, the clients in the federation: registered and not revoked in the token file on a networked
   * server, the simulated clients in a simulation. SCAFFOLD's control step scales by |S|/N.
   */
  numClients: number;
  /** m, the clients sampled for this round (the runtimes set it; DP-FedAvg's sampling rate is m/N). */
  sampled?: number;
}

/** What every client sampled in a round receives, and what its reply must carry. */
export interface FitInstructions {
  /** Settings for local training. Keys the client understands are listed in `ClientTrainConfig`. */
  config: RoundConfig;
  /** Extra vectors sent with the parameters (e.g. `serverControl` for SCAFFOLD). */
  extras: Vectors;
  /**
   * Extra vectors every reply must carry, name → length (e.g. `{ controlDelta: d }` for
   * SCAFFOLD). Absent when none: the runtimes refuse a reply with an extra not listed here.
   */
  replyExtras?: Readonly<Record<string, number>>;
}

/** One client's successful, validated reply to a fit instruction. */
export interface FitReply {
  clientId: string;
  /** The client's parameters after local training. */
  params: Float32Array;
  /** Training examples the client used (the weight of its reply in weighted means). */
  numExamples: number;
  /** Client-side training metrics (loss, accuracy, ...). */
  metrics: Record<string, number>;
  /** Extra vectors returned by the client (e.g. `controlDelta` for SCAFFOLD). */
  extras: Vectors;
}

/** A sampled client that did not deliver a usable reply, and why. */
export interface FitFailure {
  clientId: string;
  reason: string;
}

/** The outcome of aggregating a round. */
export interface AggregateResult {
  /** The new global parameters (a new array, never an alias of a reply's or of `global`). */
  params: Float32Array;
  /** Aggregation diagnostics (e.g. clients kept by Krum, update norm). */
  metrics: Record<string, number>;
}

/** A round's secure sum as a strategy receives it (see `server/client-pool.ts`, SecureFitOutcome). */
export interface SecureRoundSum {
  /** Σ(yᵢ − x) over the included clients, in float64. */
  sum: Float64Array;
  /** Σ wᵢ (equal weights: the number of included clients). */
  total: number;
  /** The sums of the summed extras. */
  extras: Record<string, Float64Array>;
  /** Included clients, sorted. */
  included: readonly string[];
  /** Their training metrics, reported in the clear. */
  clientMetrics: Readonly<Record<string, Record<string, number> & { numExamples: number }>>;
}

/** Serializable strategy state for checkpoints: server optimizer moments, control variates, step counts. */
export interface StrategyState {
  scalars: Record<string, number>;
  vectors: Vectors;
}

/**
 * A federated strategy: an aggregator, a server optimizer and a client algorithm composed
 * (`strategies/composed.ts`), from a composed spec or a named preset found through the registry.
 */
export interface Strategy {
  /** Registry name, e.g. `fedavg`. */
  readonly name: string;
  /**
   * Fewest replies this strategy can aggregate (e.g. Krum with f Byzantine clients needs more
   * than 2f+2, Bulyan at least 4f+3). Runtimes sample and wait for at least this many.
   */
  minReplies(): number;
  /** What to send to the round's sampled clients. */
  configureFit(ctx: RoundContext): FitInstructions;
  /**
   * Combines the replies into the new global parameters. `failures` lists the sampled clients
   * that timed out, disconnected or sent invalid replies. Throws RoundRefusedError (with the
   * precondition and the counts) when the replies cannot be aggregated; the runtime then keeps
   * the old global parameters for that round. The replies' arrays belong to the runtime, which
   * reuses their memory for later rounds (the simulation's workers read the next replies into
   * them): neither the result nor anything the strategy keeps may share memory with them.
   */
  aggregateFit(ctx: RoundContext, replies: readonly FitReply[], failures: readonly FitFailure[]): AggregateResult;
  /**
   * Why the run must end before this round, or undefined to run it: a privacy budget that the
   * round would exceed. Runtimes ask after sampling and before sending anything.
   */
  stopBeforeRound?(ctx: RoundContext): string | undefined;
  /**
   * The secure aggregation this strategy asks for, and the reply extras to sum with the updates;
   * undefined for a strategy that aggregates replies one by one.
   */
  secureAggregation?(ctx: RoundContext): { spec: SecureAggregationSpec; summedExtras: Record<string, number> } | undefined;
  /** Combines a round's secure sum into the new global parameters (strategies with `secureAggregation`). */
  aggregateSecure?(ctx: RoundContext, sum: SecureRoundSum, failures: readonly FitFailure[]): AggregateResult;
  /** State to checkpoint; `setState(getState())` on a fresh instance with the same options resumes exactly. */
  getState(): StrategyState;
  /** Restores a state written by `getState` on an instance with the same options; throws CheckpointError for a state that does not fit. */
  setState(state: StrategyState): void;
}
