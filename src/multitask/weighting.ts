/**
 * The contract of a multi-task weighting: how the tasks' losses, or their gradients on the
 * shared parameters, become one update. Two kinds, as LibMTL and TorchJD split them:
 *
 * - a **loss weighting** turns the per-task losses into one scalar inside the gradient tape
 *   (EW, UW, DWA, RLW, GLS, FAMO); training differentiates it once;
 * - a **gradient method** receives the Jacobian of the shared parameters (one row per task: that
 *   task's gradient; see jacobian/jacobian.ts) and returns one update direction for them
 *   (PCGrad, MGDA-UB, CAGrad, Nash-MTL, UPGrad, ...). Task-specific parameters (a task's head)
 *   always get their own task's gradient, scaled by `taskScales` when the method gives them.
 *
 * A method is one file exporting a `RegisteredWeighting`, listed in weightings/registry.ts; its
 * math that needs no autograd is pure functions over typed arrays (jacobian/).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { z } from 'zod';
import type { Jacobian } from './jacobian/jacobian.js';

/** Where a step is, for schedules and per-step state. */
export interface WeightingStep {
  /** 0-based epoch. */
  readonly epoch: number;
  /** 0-based step within the whole run. */
  readonly step: number;
  readonly stepsPerEpoch: number;
  /** Epochs of the run. */
  readonly epochs: number;
}

/** What a weighting is created with. */
export interface WeightingSetup {
  /** Task names, in the order losses and Jacobian rows come in. */
  readonly tasks: readonly string[];
  /** Seed of any randomness the method uses (RLW's weights, GradDrop's masks); derived from the run seed. */
  readonly seed: number;
}

/** A loss weighting: per-task losses to one scalar, differentiated once. */
export interface LossWeighting {
  readonly kind: 'loss';
  /**
   * The scalar to minimize from the per-task losses (scalars in task order), inside the gradient
   * tape: any tfjs op may be used, and gradients flow into the method's own `variables`. A task
   * whose batch has no labels has loss 0 (and `labelled[i]` false): it must contribute nothing.
   */
  combine(losses: readonly tf.Scalar[], labelled: readonly boolean[], at: WeightingStep): tf.Scalar;
  /** Learned parameters of the method (e.g. UW's log-variances), trained with the model's optimizer. */
  readonly variables?: readonly tf.Variable[];
  /**
   * When true, after every optimizer step the trainer evaluates the task losses again on the
   * same batch (inference mode, no gradient) and passes them to `afterStep` as `lossesAfter`
   * (FAMO needs the change of each loss across its own step).
   */
  readonly needsLossesAfterStep?: boolean;
  /** After every optimizer step, with the step's task-loss values (NaN where a task had no labels in the batch). */
  afterStep?(losses: readonly number[], at: WeightingStep, lossesAfter?: readonly number[]): void;
  /** After every epoch, with each task's mean training loss over the epoch (DWA's input). */
  onEpochEnd?(meanLosses: readonly number[], epoch: number): void;
  /** The current weight of each task, for reports and logs (methods without explicit weights give their effective ones). */
  weights(): readonly number[];
  /** Frees the method's variables. */
  dispose?(): void;
}

/** What a gradient method returns for one step. */
export interface Aggregation {
  /** The update direction of the shared values, length `jacobian.n` (a descent direction's gradient: it is applied as a gradient). */
  readonly direction: Float32Array;
  /** The weight each task got, when the method has them (reported); absent for methods that alter gradients directly. */
  readonly weights?: readonly number[];
  /** Factor on each task's own (task-specific) parameters' gradient; default 1 for every task. */
  readonly taskScales?: readonly number[];
}

/** A gradient method: the Jacobian of the shared values to one update direction. */
export interface GradientMethod {
  readonly kind: 'gradient';
  /**
   * Optional transform of each task's loss inside the tape before differentiation (e.g. DB-MTL's
   * logarithm); default the losses themselves.
   */
  transformLosses?(losses: readonly tf.Scalar[], labelled: readonly boolean[]): tf.Scalar[];
  /**
   * The update direction from the Jacobian. `losses` are the step's task-loss values (before any
   * transform); a task without labels in the batch has an all-zero row and `labelled[i]` false.
   */
  aggregate(jacobian: Jacobian, info: { losses: readonly number[]; labelled: readonly boolean[]; at: WeightingStep }): Aggregation;
  /** After every epoch, with each task's mean training loss over the epoch. */
  onEpochEnd?(meanLosses: readonly number[], epoch: number): void;
  /** The most recent weights, for reports (uniform before the first step). */
  weights(): readonly number[];
}

/** A weighting method for one run, as {@link RegisteredWeighting.create} returns it: a loss weighting or a gradient method, told apart by `kind`. */
export type Weighting = LossWeighting | GradientMethod;

/** A weighting method as the registry holds it. */
export interface RegisteredWeighting<Options = unknown> {
  /** Registry name, lower-case with dashes, e.g. `ew`, `uw`, `pcgrad`, `mgda`, `nash-mtl`. */
  readonly name: string;
  /** One line for docs and `jointly info`. */
  readonly summary: string;
  /** The paper, e.g. "Yu et al., NeurIPS 2020". */
  readonly reference: string;
  readonly kind: 'loss' | 'gradient';
  /**
   * Gradient methods: whether the method may run on gradients of the shared representation
   * (one backward pass through the trunk) instead of the shared parameters. Loss weightings: false.
   */
  readonly representation: boolean;
  /** Options, validated by the run config; every field has a default. */
  readonly options: z.ZodType<Options>;
  /** Option names, for error messages. */
  readonly optionNames: readonly string[];
  /** Creates the method for one run from parsed options and the run's tasks and seed. */
  create(options: Options, setup: WeightingSetup): Weighting;
}
