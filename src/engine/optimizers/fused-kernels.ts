/**
 * Names of the fused optimizer-update kernels. A backend that registers a kernel under one of
 * these names (jointly's native backend does) gets one kernel call per variable per step instead
 * of tfjs's chain of small ops; on any other backend the optimizers run tfjs ops. Kept apart from
 * the kernels themselves so that the optimizers never import a backend.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Inputs variable, m, v, gradient; attrs learningRate, beta1, beta2, epsilon, oneMinusAccBeta1/2. Outputs [variable, m, v]. */
export const ADAM_UPDATE = 'JointlyAdamUpdate';
/** Inputs variable, accumulation, gradient; attrs learningRate, momentum, useNesterov. Outputs [variable, accumulation]. */
export const MOMENTUM_UPDATE = 'JointlyMomentumUpdate';

/** Whether the active backend has the fused kernel `name`. */
export function hasFusedKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}
