/**
 * Each member's own cross-entropy on a head, averaged over the samples that carry a label (the
 * batch's mask for that head; every sample when it has none), 0 for a batch without labels,
 * never NaN. Co-training's per-view training objective.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { maskedMean, perSampleCrossEntropy } from '../../engine/losses.js';
import type { Objective, StepContext } from '../../engine/objective.js';
import { ShapeMismatchError } from '../../errors.js';

export function maskedCrossEntropyObjective(head: string): Objective {
  return {
    name: 'masked-cross-entropy',
    losses(ctx: StepContext): Record<string, tf.Scalar> {
      const target = ctx.batch.targets[head];
      if (target === undefined) throw new ShapeMismatchError(`the batch has no target '${head}' (targets: ${Object.keys(ctx.batch.targets).join(', ') || 'none'})`, `give the data a '${head}' field`);
      const mask = ctx.batch.masks?.[head];
      const out: Record<string, tf.Scalar> = {};
      ctx.members.forEach((m, i) => {
        out[`ce/${m.name}`] = maskedMean(perSampleCrossEntropy(ctx.outputs[i][head], target), mask);
      });
      return out;
    },
  };
}
