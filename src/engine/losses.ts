/** Loss functions on logits, shared by every mode. */
import * as tf from '@tensorflow/tfjs-core';
import { meanSoftmaxCrossEntropy, softmaxCrossEntropy } from './softmax-cross-entropy.js';

/**
 * Cross-entropy of each sample: -sum(onehot * log_softmax(logits)). Shape [batch]. One fused
 * kernel where the backend has it (see softmax-cross-entropy.ts).
 */
export function perSampleCrossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Tensor1D {
  return softmaxCrossEntropy(logits, oneHot);
}

/** Mean cross-entropy over the batch. */
export function crossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return meanSoftmaxCrossEntropy(logits, oneHot);
}

/**
 * KL(softmax(teacher/T) || softmax(student/T)) averaged over the batch and multiplied by T²
 * (Hinton et al., 2015), so that gradients keep their scale across temperatures.
 * Gradients flow into both arguments: stop the teacher's with `stopGradient` where needed.
 */
export function distillationKl(student: tf.Tensor, teacher: tf.Tensor, temperature: number): tf.Scalar {
  const logQ = tf.logSoftmax(tf.div(student, temperature));
  const logP = tf.logSoftmax(tf.div(teacher, temperature));
  const kl = tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), -1);
  return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
}

const stopGradientOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * The name stopGradient's node has on tfjs's tape (a custom gradient's node takes the name of
 * the scope it runs in). Per-loss backward passes do not walk through it: its gradient is zero,
 * so a loss that reads a peer's fixed prediction does not reach the peer's variables.
 */
export const STOP_GRADIENT_NODE = 'jointly.stopGradient';

/** Identity whose gradient is zero: the value is used as a fixed target. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return tf.tidy(STOP_GRADIENT_NODE, () => stopGradientOp(x)) as T;
}

/**
 * Mean of per-sample values over the samples whose mask is 1 (all samples without a mask);
 * 0 when no sample is labelled, never NaN. Masked-out samples are excluded with a select, not a
 * product, so a NaN there cannot leak in.
 */
export function maskedMean(perSample: tf.Tensor1D, mask?: tf.Tensor1D): tf.Scalar {
  if (mask === undefined) return tf.mean(perSample) as tf.Scalar;
  const kept = tf.where(tf.greater(mask, 0), perSample, tf.zerosLike(perSample));
  return tf.div(tf.sum(kept), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/** Squared error of each sample, summed over its values: sum((prediction − target)²). Shape [batch]. */
export function perSampleSquaredError(prediction: tf.Tensor, target: tf.Tensor): tf.Tensor1D {
  const d = tf.square(tf.sub(prediction, target));
  return (d.rank === 1 ? d : tf.sum(tf.reshape(d, [d.shape[0] as number, -1]), -1)) as tf.Tensor1D;
}
