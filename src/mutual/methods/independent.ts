/** The alone baseline: every member minimizes only its own cross-entropy. */
import type * as tf from '@tensorflow/tfjs-core';
import { crossEntropy } from '../../engine/losses.js';
import type { Objective, StepContext } from '../../engine/objective.js';

/** Each member's own loss; with one optimizer per member this is exactly independent training. */
export function independentObjective(head = 'y'): Objective {
  return {
    name: 'independent',
    losses(ctx: StepContext): Record<string, tf.Scalar> {
      const out: Record<string, tf.Scalar> = {};
      ctx.members.forEach((m, i) => {
        out[`ce/${m.name}`] = crossEntropy(ctx.outputs[i][head], ctx.batch.targets[head]);
      });
      return out;
    },
  };
}
