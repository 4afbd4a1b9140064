/**
 * Deep Mutual Learning (Zhang, Xiang, Hospedales and Lu, CVPR 2018): every model minimizes its
 * cross-entropy plus the mean KL divergence from each peer's (fixed) prediction to its own.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { crossEntropy, distillationKl, stopGradient } from '../../engine/losses.js';
import type { StepContext } from '../../engine/objective.js';
import type { MutualMethod } from '../method.js';

export const DmlOptionsSchema = z
  .object({
    /** Softmax temperature of the mimicry term. Default 1 (as in the paper). */
    temperature: z.number().positive().default(1),
    /** Weight of the KL term after ramp-up. Default 1. */
    klWeight: z.number().min(0).default(1),
    /** Epochs over which the KL weight rises linearly (per step) from 0 to klWeight. Default 0 (no ramp). */
    rampUpEpochs: z.number().min(0).default(0),
  })
  .strict();
export type DmlOptions = z.infer<typeof DmlOptionsSchema>;

/** KL weight at a step: linear ramp over the first `rampUpEpochs` epochs. */
export function rampedWeight(opts: DmlOptions, step: number, stepsPerEpoch: number): number {
  if (opts.rampUpEpochs <= 0) return opts.klWeight;
  return opts.klWeight * Math.min(1, (step + 1) / (opts.rampUpEpochs * stepsPerEpoch));
}

export const dml: MutualMethod<DmlOptions> = {
  name: 'dml',
  summary: 'deep mutual learning: each model also matches its peers\' predictions (KL)',
  options: DmlOptionsSchema,
  minModels: 2,
  setup(options, ctx) {
    return {
      trained: ctx.members,
      objective: {
        name: 'dml',
        losses(step: StepContext): Record<string, tf.Scalar> {
          const head = ctx.head;
          const n = step.members.length;
          const weight = rampedWeight(options, step.step, step.stepsPerEpoch);
          const fixed = step.outputs.map((o) => stopGradient(o[head]));
          const out: Record<string, tf.Scalar> = {};
          step.members.forEach((m, i) => {
            const logits = step.outputs[i][head];
            out[`ce/${m.name}`] = crossEntropy(logits, step.batch.targets[head]);
            const peers = fixed.filter((_, j) => j !== i).map((p) => distillationKl(logits, p, options.temperature));
            out[`kl/${m.name}`] = tf.mul(tf.div(tf.addN(peers), n - 1), weight) as tf.Scalar;
          });
          return out;
        },
      },
    };
  },
};
