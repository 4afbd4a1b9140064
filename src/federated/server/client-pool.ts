/**
 * What a runtime provides to the coordinator: a set of clients that can be asked to train and
 * to evaluate. The networked server implements it over WebSocket connections, the simulation
 * over worker threads. Replies reaching the coordinator have been validated already.
 */
import type { SecureSum } from '../secagg/secure-payload.js';
import type { SecureAggregationSpec } from '../strategies/secure/options.js';
import type { FitFailure, FitInstructions, FitReply, Vectors } from '../strategy.js';
import type { UpdateOverhead } from './update-overhead.js';

export interface FitRequest {
  round: number;
  /** Sampled client ids, sorted. */
  clients: readonly string[];
  /** Global parameters the clients start from. */
  params: Float32Array;
  instructions: FitInstructions;
  /** Replies arriving later than this (ms since the epoch) are dropped as stragglers. */
  deadline: number;
}

export interface FitOutcome {
  replies: FitReply[];
  failures: FitFailure[];
  /** Bytes sent to and received from clients for this request. */
  bytesSent: number;
  bytesReceived: number;
  /** The updates' time in and outside training, from a runtime that can measure it (the simulation). */
  overhead?: UpdateOverhead;
}

export interface EvaluateRequest {
  round: number;
  clients: readonly string[];
  params: Float32Array;
  deadline: number;
}

/** One client's evaluation of the global model on its own held-out data. */
export interface ClientEvaluation {
  clientId: string;
  numExamples: number;
  loss: number;
  accuracy: number;
}

export interface EvaluateOutcome {
  results: ClientEvaluation[];
  failures: FitFailure[];
  bytesSent: number;
  bytesReceived: number;
}

/** A round whose replies are summed by secure aggregation: the server learns only their sum. */
export interface SecureFitRequest extends FitRequest {
  /** The protocol and its options. */
  secure: SecureAggregationSpec;
  /** The reply extras summed with the updates, name → length (adaptive clipping's `dpBelowClip`). */
  summedExtras: Readonly<Record<string, number>>;
}

/** What a secure round delivers: a sum, never one client's update. */
export interface SecureFitOutcome {
  /** Σ(yᵢ − x), Σ wᵢ and the extras' sums over the included clients, decoded from the ring. */
  sum: SecureSum;
  /** The clients whose updates are in the sum, sorted. */
  included: string[];
  /** Sampled clients not in the sum, and why. */
  failures: FitFailure[];
  /** Training metrics each included client reported in the clear (loss, example count). */
  clientMetrics: Record<string, Record<string, number> & { numExamples: number }>;
  /** Protocol diagnostics: `secaggNeighbours`, `secaggThreshold`, `secaggDroppedAfterMasking`, `secaggMaxError`. */
  metrics: Record<string, number>;
  bytesSent: number;
  bytesReceived: number;
  /** The updates' time in and outside training, from a runtime that can measure it (the simulation). */
  overhead?: UpdateOverhead;
}

export interface ClientPool {
  /** Ids of the clients that can take part now. */
  available(): string[];
  /** Resolves once at least `n` clients are available; rejects if `signal` aborts first. */
  waitForClients(n: number, signal: AbortSignal): Promise<void>;
  /** Asks each client to train; resolves when all have replied or failed, or at the deadline. */
  fit(req: FitRequest, signal: AbortSignal): Promise<FitOutcome>;
  /**
   * Asks each client to train, then sums their updates by secure aggregation (absent in runtimes
   * that cannot). Throws RoundRefusedError when the protocol cannot complete (too many dropouts).
   */
  fitSecure?(req: SecureFitRequest, signal: AbortSignal): Promise<SecureFitOutcome>;
  /** Asks each client to score the parameters on its own data. */
  evaluate(req: EvaluateRequest, signal: AbortSignal): Promise<EvaluateOutcome>;
  /** Runtime state that a checkpoint must keep (e.g. simulated clients' SCAFFOLD control variates). */
  getState?(): Vectors;
  setState?(state: Vectors): void;
}
