/**
 * Softmax cross-entropy on logits as one kernel, with its gradient as one kernel: every
 * classification loss of jointly (the cross-entropy of a member, of a task head, of a fused
 * model) goes through here. On a backend that registers the two kernels (jointly's native backend
 * does) a loss costs two kernel calls per step instead of about twenty (logSoftmax's six, the
 * product, the sums and the mean, then their gradients); on any other backend the same function
 * runs the tfjs ops it replaces, which stay the reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasFusedKernel } from './optimizers/fused-kernels.js';

/**
 * Inputs logits [n, c] and labels [n, c], attr `mean`: output the per-sample cross-entropy [n]
 * (`mean` false) or its mean over the samples, a scalar (`mean` true).
 */
export const SOFTMAX_CROSS_ENTROPY = 'JointlySoftmaxCrossEntropy';
/**
 * Inputs logits, labels and dy (the gradient of the output of {@link SOFTMAX_CROSS_ENTROPY}),
 * attr `mean`: output the gradient with respect to the logits, [n, c].
 */
export const SOFTMAX_CROSS_ENTROPY_GRAD = 'JointlySoftmaxCrossEntropyGrad';

/** The tfjs ops the kernel replaces: -sum(labels * logSoftmax(logits)) per sample. */
function composite(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1)) as tf.Tensor1D;
}

tf.registerGradient({
  kernelName: SOFTMAX_CROSS_ENTROPY,
  inputsToSave: ['logits', 'labels'],
  gradFunc: (dy, saved, attrs) => {
    const [logits, labels] = saved;
    const mean = attrs?.mean === true;
    const g = dy as tf.Tensor;
    return {
      logits: () => tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_GRAD, { logits, labels, dy: g }, { mean }) as tf.Tensor,
      // d/dlabels of -sum(labels * logSoftmax): rarely needed (labels are data), so composed.
      labels: () => tf.mul(tf.neg(tf.logSoftmax(logits)), mean ? tf.div(g, logits.shape[0]) : tf.expandDims(g, 1)),
    };
  },
});

/** Whether the fused kernels can take these tensors on the active backend. */
function fusable(logits: tf.Tensor, labels: tf.Tensor): boolean {
  return (
    logits.rank === 2 &&
    logits.dtype === 'float32' &&
    labels.dtype === 'float32' &&
    labels.rank === 2 &&
    labels.shape[0] === logits.shape[0] &&
    labels.shape[1] === logits.shape[1] &&
    hasFusedKernel(SOFTMAX_CROSS_ENTROPY) &&
    hasFusedKernel(SOFTMAX_CROSS_ENTROPY_GRAD)
  );
}

/** Cross-entropy of each sample: -sum(labels * log_softmax(logits)) over the last axis. Shape [batch]. */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor1D {
  if (!fusable(logits, labels)) return composite(logits, labels);
  return tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits, labels }, { mean: false }) as tf.Tensor1D;
}

/** Mean over the batch of {@link softmaxCrossEntropy}. */
export function meanSoftmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  if (!fusable(logits, labels)) return tf.mean(composite(logits, labels)) as tf.Scalar;
  return tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits, labels }, { mean: true }) as tf.Scalar;
}
