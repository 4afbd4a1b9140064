/** Loss functions on logits, shared by every mode. */
import * as tf from '@tensorflow/tfjs-core';

/** Cross-entropy of each sample: -sum(onehot * log_softmax(logits)). Shape [batch]. */
export function perSampleCrossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1)) as tf.Tensor1D;
}

/** Mean cross-entropy over the batch. */
export function crossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.mean(perSampleCrossEntropy(logits, oneHot)) as tf.Scalar;
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

/** Identity whose gradient is zero: the value is used as a fixed target. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientOp(x) as T;
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
