/**
 * Masked softmax and masked mean: the two ways fusions leave absent modalities (and padding
 * tokens) out. Both are tfjs ops on eager tensors, called inside the fusion layers' `call`; a row
 * whose mask is all zeros gives zeros, never a division by zero or a NaN, and no value is ever
 * exponentiated or divided where the mask is 0 (so no infinity can reach a gradient).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Smallest denominator of a renormalization (sums of 0/1 masks are 0 or at least 1). */
export const MASK_EPSILON = 1e-6;

/** Stands in for the scores of masked entries when taking the row maximum. */
const FAR_BELOW = -1e9;

/**
 * Softmax of `scores` over its last axis restricted to the entries where `mask` > 0 (`mask`
 * broadcasts to `scores`, e.g. [B, 1, 1, T] against [B, H, Tq, T]): masked entries get weight 0
 * and the others sum to 1; a row with no unmasked entry is all zeros.
 */
export function maskedSoftmax(scores: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const keep = tf.greater(tf.mul(tf.ones(scores.shape), mask), 0);
    const zeros = tf.zerosLike(scores);
    const rowMax = tf.max(tf.where(keep, scores, tf.add(zeros, FAR_BELOW)), -1, true);
    // Shifted scores are <= 0 where kept; masked entries are 0 before exp and 0 after the select.
    const shifted = tf.where(keep, tf.sub(scores, rowMax), zeros);
    const e = tf.where(keep, tf.exp(shifted), zeros);
    return tf.div(e, tf.maximum(tf.sum(e, -1, true), MASK_EPSILON));
  });
}

/**
 * Mean over the steps of `sequence` [B, T, d] where `mask` ([B, T], or [B, 1] for one value per
 * sample) is 1: [B, d]. A sample with no unmasked step gives zeros.
 */
export function maskedSequenceMean(sequence: tf.Tensor, mask: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const [batch, steps] = sequence.shape as number[];
    const full = tf.mul(tf.ones([batch, steps]), mask); // [B, T]
    const summed = tf.sum(tf.mul(sequence, tf.expandDims(full, -1)), 1);
    return tf.div(summed, tf.maximum(tf.sum(full, 1, true), MASK_EPSILON)) as tf.Tensor2D;
  });
}
