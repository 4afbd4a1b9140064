/**
 * The third part of a composed strategy: a client algorithm is one plug-in with both halves of a
 * method that changes what clients do. Its server half says what the round config and extras
 * carry, which extra vectors every reply must bring back (name → length, so that the runtimes
 * validate replies against the strategy), updates the server's own state after aggregation
 * (SCAFFOLD's c) and checkpoints it. Its client half adds terms to the local loss, runs a hook
 * after every optimizer step, returns extras, and keeps a per-client state (SCAFFOLD's cᵢ) that
 * the runtimes carry for it without knowing what it is. Browser-safe: no Node imports.
 *
 * A client half may also replace each step's gradient by a combination of per-example gradients
 * (`ClientRound.perExample`, DP-SGD's clipping and noise, run through the engine's
 * `combineGradients` hook of `train`). Extension point for the methods to come: update
 * compression on what `finish` returns, decoded by its server half before aggregation.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Gradients } from '../../../engine/train-step.js';
import { ShapeMismatchError } from '../../../errors.js';
import type { ParsedClientTrainConfig } from '../../client-config.js';
import type { PartContext, StateLayout } from '../../strategies/base.js';
import type { FitReply, RoundConfig, RoundContext, StrategyState, Vectors } from '../../strategy.js';

/** A trainable weight of the task's model and where it sits in the flat parameter vector. */
export interface TrainableSlice {
  variable: tf.Variable;
  /** Offset of its first value in the flat parameters. */
  offset: number;
  size: number;
  shape: number[];
}

/** What the client half is given at the start of a client's round. */
export interface ClientRoundInput {
  clientId: string;
  config: ParsedClientTrainConfig;
  /** x: the global parameters the round starts from (do not modify). */
  global: Float32Array;
  /** The vectors the server sent with them. */
  extras: Vectors;
  /** This algorithm's per-client state from the client's earlier rounds (empty at first). */
  state: Vectors;
  /** The model's trainable weights, in layout order. */
  trainable: readonly TrainableSlice[];
  /** Length of the flat parameter vector (trainable and not). */
  paramCount: number;
  /** The local optimizer's learning rate. */
  learningRate: number;
  /** Optimizer steps in this round: localEpochs × ⌈examples / batchSize⌉. */
  steps: number;
  /** The client's number of local training examples (LocalTrainer always gives it; DP-SGD needs it for its sampling rate). */
  numExamples?: number;
}

/** What a client's round leaves: extras for the reply, and the algorithm's new per-client state. */
export interface ClientRoundEnd {
  extras: Vectors;
  /** Replaces the entries of the same names in the client's state (names from `stateNames`). */
  state: Vectors;
  /** Client metrics for the reply (e.g. DP-SGD's `dpSgdEpsilon`). */
  metrics?: Record<string, number>;
}

/**
 * Per-example gradients in place of the batch's mean gradient (DP-SGD). The local objective then
 * has one loss per example of the batch, `ex0 … ex{B−1}` (that example's cross-entropy), and
 * every step applies what `combine` returns.
 */
export interface PerExampleGradients {
  /**
   * The step's gradients from the per-example ones (in batch order, each by variable name; a
   * variable an example does not reach has no entry). Return a gradient for each variable that
   * some example reaches, and no other. Runs inside the step's tf.tidy.
   */
  combine(perExample: readonly Gradients[]): Gradients;
}

/** One client's round of a client algorithm. */
export interface ClientRound {
  /** Named loss terms added to the local loss, inside the gradient tape (e.g. FedProx's `proximal`). */
  losses?(): Record<string, tf.Scalar>;
  /** Called after every optimizer step (e.g. SCAFFOLD's correction w ← w − lr·(c − cᵢ)). */
  afterStep?(): void;
  /** Replaces every step's gradient by a combination of per-example gradients (DP-SGD); at most one round of a client's may set it. */
  perExample?: PerExampleGradients;
  /** After the last step, given the trained parameters y. */
  finish(params: Float32Array): ClientRoundEnd;
  /** Frees the round's tensors (also after a failure). */
  dispose(): void;
}

/** The client half: runs inside local training (the networked client and the simulation's workers). */
export interface ClientHalf {
  /** Names of its per-client state vectors (unique among all client algorithms). */
  readonly stateNames: readonly string[];
  /** Whether the round config switches this algorithm on. */
  active(config: ParsedClientTrainConfig): boolean;
  /** Starts a client's round; throws (ShapeMismatchError, ...) when the round cannot be run. */
  begin(input: ClientRoundInput): ClientRound;
}

/** The server's update of a round, computed; nothing changes until `commit`. */
export interface ServerUpdate {
  metrics: Record<string, number>;
  commit(): void;
}

/** The server half: runs in the strategy. */
export interface ServerHalf {
  readonly name: string;
  /** Display name, e.g. `FedProx clients (μ=0.01)`. */
  readonly title: string;
  /** The round-config entries it owns, switched on (e.g. `{ proximalMu: 0.01 }`). */
  config(): RoundConfig;
  /** Vectors sent with every round's parameters (new arrays). */
  extras(ctx: RoundContext): Vectors;
  /** Extra vectors every reply must carry, name → length. */
  replyExtras(ctx: RoundContext): Record<string, number>;
  /** Why those extras are needed, for the refusal of a reply without one. */
  readonly replyExtrasHint: string;
  /** The server-side update once the round is aggregated, over its replies sorted by client id. */
  update(ctx: RoundContext, replies: readonly FitReply[]): ServerUpdate;
  /** The names its state may hold (disjoint from every server optimizer's). */
  readonly stateLayout: StateLayout;
  /** Its state to checkpoint (e.g. SCAFFOLD's server control variate); empty when it keeps none. */
  getState(): StrategyState;
  /** Restores a state written by `getState` (already checked against `stateLayout`). */
  setState(state: StrategyState): void;
}

/** A registered client algorithm: both halves. */
export interface ClientAlgorithm<Spec extends { name: string } = { name: string }> {
  readonly name: Spec['name'];
  readonly summary: string;
  /**
   * Its round-config entries switched off. Every round config carries every algorithm's entries
   * (off unless chosen), so that a client knows which client halves to run.
   */
  readonly configOff: RoundConfig;
  /** The server half for a validated spec. */
  server(spec: Spec, ctx: PartContext): ServerHalf;
  readonly client: ClientHalf;
}

/** Throws ShapeMismatchError when a vector does not have the model's parameter count. */
export function checkParamLength(values: Float32Array, paramCount: number, what: string): void {
  if (values.length !== paramCount) {
    throw new ShapeMismatchError(`${what} have ${values.length} values but the task's model has ${paramCount}`, 'server and client must use the same task');
  }
}

/** A server half with nothing to send, expect or keep, owning the given config entries. */
export function statelessServerHalf(name: string, title: string, config: RoundConfig): ServerHalf {
  return {
    name,
    title,
    config: () => ({ ...config }),
    extras: () => ({}),
    replyExtras: () => ({}),
    replyExtrasHint: '',
    update: () => ({ metrics: {}, commit: () => undefined }),
    stateLayout: { scalars: [], vectors: [] },
    getState: () => ({ scalars: {}, vectors: {} }),
    setState: () => undefined,
  };
}
