/**
 * The objective of a multimodal classifier: the cross-entropy of its `label` head over the
 * labelled samples of the batch. A single-modality model also leaves out the samples that lack
 * its modality: it has nothing to learn from them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { maskedMean, perSampleCrossEntropy } from '../engine/losses.js';
import type { Objective } from '../engine/objective.js';
import { LABEL_FIELD, presenceField } from './modality.js';

/** Cross-entropy of every member's `label` head; `modality`: also mask out samples without it. */
export function labelObjective(modality?: string): Objective {
  return {
    name: 'cross-entropy',
    losses(ctx) {
      const out: Record<string, tf.Scalar> = {};
      const target = ctx.batch.targets[LABEL_FIELD];
      let mask = ctx.batch.masks?.[LABEL_FIELD];
      if (modality !== undefined) {
        const present = ctx.batch.inputs[presenceField(modality)];
        if (present !== undefined) {
          const p = tf.reshape(present, [-1]) as tf.Tensor1D;
          mask = mask === undefined ? p : (tf.mul(mask, p) as tf.Tensor1D);
        }
      }
      ctx.members.forEach((m, i) => {
        out[ctx.members.length === 1 ? 'loss' : m.name] = maskedMean(perSampleCrossEntropy(ctx.outputs[i][LABEL_FIELD], target), mask);
      });
      return out;
    },
  };
}
