/**
 * A joint objective: given every member's outputs on a batch, the named losses to minimize.
 * Mutual learning's methods, multi-task weightings and multimodal alignments are objectives.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Batch } from './batch.js';
import type { Member } from './member.js';

/**
 * What an {@link Objective} sees in one step: the members, their outputs on the batch, the batch
 * itself, and where the step is in the run.
 */
export interface StepContext {
  readonly members: readonly Member[];
  /** `outputs[i][head]`: logits (or values, for regression heads) of member i on the batch. */
  readonly outputs: readonly Record<string, tf.Tensor>[];
  readonly batch: Batch;
  /** 0-based epoch. */
  readonly epoch: number;
  /** 0-based step within the whole run. */
  readonly step: number;
  readonly stepsPerEpoch: number;
}

/**
 * A joint objective: the named losses of one step, computed from every member's outputs. The
 * training loop minimizes their sum (or combines their gradients); an objective may own trainable
 * variables of its own.
 */
export interface Objective {
  /** Method name, for reports. */
  readonly name: string;
  /**
   * Named scalar losses for one batch; training minimizes their sum. Called inside the
   * gradient tape, so any tfjs op may be used; use `stopGradient` for fixed targets.
   */
  losses(ctx: StepContext): Record<string, tf.Scalar>;
  /** Called at the start of every epoch (e.g. to update a schedule). */
  onEpochStart?(epoch: number): void;
  /**
   * Trainable variables the objective owns (e.g. learned loss weights): every step differentiates
   * the losses with respect to them too and updates them, with `optimizer` if given, else with
   * the first member's optimizer.
   */
  readonly variables?: readonly tf.Variable[];
  /** Optimizer of `variables` (default: the first member's). */
  readonly optimizer?: tf.Optimizer;
  /** Frees the objective's variables and optimizer; whoever made the objective calls it. */
  dispose?(): void;
}
