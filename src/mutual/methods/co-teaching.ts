/**
 * Co-teaching (Han et al., NeurIPS 2018): each model picks its small-loss samples of the batch,
 * which are probably clean, and its peer learns from those. With more than two models the
 * selection passes around a ring: model i learns from the samples model i+1 selects.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { perSampleCrossEntropy } from '../../engine/losses.js';
import type { StepContext } from '../../engine/objective.js';
import type { MutualMethod } from '../method.js';

export const CoTeachingOptionsSchema = z
  .object({
    /** Fraction of each batch dropped at full schedule (τ); default: the data's label-noise rate, or 0.2 if none is set. */
    forgetRate: z.number().min(0).max(0.95).optional(),
    /** Epochs over which the forget rate rises linearly from 0 to τ (T_k). Default 10. */
    gradualEpochs: z.number().int().min(1).default(10),
    /** Exponent c of the schedule R(t) = τ·min(t/(T_k − 1), 1)^c. Default 1. */
    exponent: z.number().positive().default(1),
  })
  .strict();
export type CoTeachingOptions = z.infer<typeof CoTeachingOptionsSchema>;

/**
 * Forget rate at a 0-based epoch: τ·min(t/(T_k − 1), 1)^c, 0 at epoch 0 and τ from epoch T_k − 1.
 * For c = 1 this is the authors' schedule (linspace(0, τ, T_k), then τ); for c ≠ 1 their code
 * jumps from τ^c to τ at epoch T_k, which this smooth version avoids.
 */
export function forgetRateAt(tau: number, opts: CoTeachingOptions, epoch: number): number {
  if (opts.gradualEpochs <= 1) return tau;
  const t = Math.min(epoch / (opts.gradualEpochs - 1), 1);
  return tau * Math.pow(t, opts.exponent);
}

/** Indices of the `keep` smallest values, as a 0/1 mask. */
export function smallLossMask(losses: Float32Array, keep: number): Float32Array {
  const order = Array.from(losses.keys()).sort((a, b) => losses[a] - losses[b] || a - b);
  const mask = new Float32Array(losses.length);
  for (let i = 0; i < keep; i++) mask[order[i]] = 1;
  return mask;
}

export const coTeaching: MutualMethod<CoTeachingOptions> = {
  name: 'co-teaching',
  summary: 'co-teaching: each model trains on the small-loss samples its peer selects (noisy labels)',
  options: CoTeachingOptionsSchema,
  minModels: 2,
  setup(options, ctx) {
    const tau = options.forgetRate ?? (ctx.labelNoise > 0 ? ctx.labelNoise : 0.2);
    let rate = 0;
    return {
      trained: ctx.members,
      objective: {
        name: 'co-teaching',
        onEpochStart(epoch: number): void {
          rate = forgetRateAt(tau, options, epoch);
        },
        losses(step: StepContext): Record<string, tf.Scalar> {
          const head = ctx.head;
          const n = step.members.length;
          const perSample = step.outputs.map((o) => perSampleCrossEntropy(o[head], step.batch.targets[head]));
          const size = step.batch.size;
          const keep = Math.max(1, Math.round((1 - rate) * size));
          const masks = perSample.map((l) => tf.tensor1d(smallLossMask(l.dataSync() as Float32Array, keep)));
          const out: Record<string, tf.Scalar> = {};
          step.members.forEach((m, i) => {
            const teacherMask = masks[(i + 1) % n];
            out[`ce/${m.name}`] = tf.div(tf.sum(tf.mul(perSample[i], teacherMask)), keep) as tf.Scalar;
          });
          return out;
        },
      },
    };
  },
};
