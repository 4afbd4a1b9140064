/**
 * Equal weighting (EW): the sum of the task losses, Σᵢ Lᵢ, each task with weight 1. It is what a
 * PyTorch `sum(losses).backward()` does, LibMTL's `LibMTL/weighting/EW.py` (which multiplies by
 * ones and sums: a sum, not a mean, whatever its docstring's "1 / T" says) and the reference
 * protocol's "equal weights"; it is also the weighting of the single-task baselines.
 *
 * The helpers below (the checked, labelled-only weighted sum and the connected zero) are shared by
 * the other loss weightings of this folder.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import type { LossWeighting, RegisteredWeighting, WeightingSetup } from '../weighting.js';

/** EW has no options. */
export const EwOptionsSchema = z.object({}).strict();
export type EwOptions = z.infer<typeof EwOptionsSchema>;

/** Refuses a setup without tasks (every weighting needs at least one). */
export function checkSetup(method: string, setup: WeightingSetup): void {
  if (setup.tasks.length === 0) {
    throw new ConfigError('weighting', `${method} was created with no tasks`, 'give the multi-task run at least one task');
  }
}

/** Refuses losses or labelled flags that do not match the setup's tasks, one per task. */
export function checkLosses(method: string, setup: WeightingSetup, losses: readonly tf.Scalar[], labelled: readonly boolean[]): void {
  const k = setup.tasks.length;
  if (losses.length !== k || labelled.length !== k) {
    throw new ShapeMismatchError(
      `${method} got ${losses.length} losses and ${labelled.length} labelled flags for ${k} tasks (${setup.tasks.join(', ')})`,
      'pass one loss and one labelled flag per task, in the order of the tasks the weighting was created with',
    );
  }
  for (let i = 0; i < k; i++) {
    if (losses[i].rank !== 0) {
      throw new ShapeMismatchError(`${method}: the loss of task '${setup.tasks[i]}' has shape [${losses[i].shape.join(', ')}], not a scalar`, 'reduce each task loss to a scalar (its mean over the labelled samples)');
    }
  }
}

/**
 * A zero that is still connected to the losses (0 · Σᵢ Lᵢ): its value is 0 and its gradient is 0
 * everywhere, but `tf.variableGrads` finds a path to the model's variables, so a step where no task
 * is labelled runs (and changes nothing) instead of failing. The losses of unlabelled tasks are 0
 * by contract, so the product is a finite 0.
 */
export function connectedZero(losses: readonly tf.Scalar[]): tf.Scalar {
  return tf.mul(tf.addN([...losses]), 0) as tf.Scalar;
}

/**
 * Σᵢ wᵢ Lᵢ over the labelled tasks only (wᵢ = 1 when `weights` is omitted); the unlabelled tasks'
 * losses are not used at all, so they cannot bring a NaN in. No labelled task: `connectedZero`.
 */
export function labelledWeightedSum(losses: readonly tf.Scalar[], labelled: readonly boolean[], weights?: readonly number[]): tf.Scalar {
  const terms: tf.Scalar[] = [];
  for (let i = 0; i < losses.length; i++) {
    if (!labelled[i]) continue;
    terms.push(weights === undefined ? losses[i] : (tf.mul(losses[i], weights[i]) as tf.Scalar));
  }
  if (terms.length === 0) return connectedZero(losses);
  return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
}

/** `ew`: Σᵢ Lᵢ over the labelled tasks. */
export const ew: RegisteredWeighting<EwOptions> = {
  name: 'ew',
  summary: 'equal weighting: the sum of the task losses (also the single-task baseline)',
  reference: 'the standard baseline; LibMTL EW (Lin and Zhang, JMLR 2023)',
  kind: 'loss',
  representation: false,
  options: EwOptionsSchema,
  optionNames: [],
  create(_options: EwOptions, setup: WeightingSetup): LossWeighting {
    checkSetup('ew', setup);
    const ones = setup.tasks.map(() => 1);
    return {
      kind: 'loss',
      combine(losses, labelled) {
        checkLosses('ew', setup, losses, labelled);
        return labelledWeightedSum(losses, labelled);
      },
      weights: () => ones,
    };
  },
};
