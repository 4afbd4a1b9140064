/**
 * What a runtime provides to the coordinator: a set of clients that can be asked to train and
 * to evaluate. The networked server implements it over WebSocket connections, the simulation
 * over worker threads. Replies reaching the coordinator have been validated already.
 */
import type { FitFailure, FitInstructions, FitReply, Vectors } from '../strategy.js';

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

export interface ClientPool {
  /** Ids of the clients that can take part now. */
  available(): string[];
  /** Resolves once at least `n` clients are available; rejects if `signal` aborts first. */
  waitForClients(n: number, signal: AbortSignal): Promise<void>;
  /** Asks each client to train; resolves when all have replied or failed, or at the deadline. */
  fit(req: FitRequest, signal: AbortSignal): Promise<FitOutcome>;
  /** Asks each client to score the parameters on its own data. */
  evaluate(req: EvaluateRequest, signal: AbortSignal): Promise<EvaluateOutcome>;
  /** Runtime state that a checkpoint must keep (e.g. simulated clients' SCAFFOLD control variates). */
  getState?(): Vectors;
  setState?(state: Vectors): void;
}
