/**
 * Knowledge distillation (Hinton, Vinyals and Dean, 2015): the first model of the cohort is the
 * teacher, trained alone first (the alone run trains it); every other model is a student that
 * learns from the labels and from the teacher's softened predictions.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { crossEntropy, distillationKl } from '../../engine/losses.js';
import { forward } from '../../engine/member.js';
import type { StepContext } from '../../engine/objective.js';
import type { MutualMethod } from '../method.js';

export const DistillationOptionsSchema = z
  .object({
    /** Softmax temperature of the teacher's and student's predictions. Default 4. */
    temperature: z.number().positive().default(4),
    /** Weight α of the distillation term; the label term gets 1 - α. Default 0.9. */
    alpha: z.number().min(0).max(1).default(0.9),
  })
  .strict();
export type DistillationOptions = z.infer<typeof DistillationOptionsSchema>;

export const distillation: MutualMethod<DistillationOptions> = {
  name: 'distillation',
  summary: 'knowledge distillation: models 2..n learn from model 1, trained first as the teacher',
  options: DistillationOptionsSchema,
  minModels: 2,
  setup(options, ctx) {
    const teacher = ctx.aloneMembers[0];
    const students = ctx.members.slice(1);
    return {
      trained: students,
      fixed: [{ member: teacher, role: 'teacher' }],
      objective: {
        name: 'distillation',
        losses(step: StepContext): Record<string, tf.Scalar> {
          const head = ctx.head;
          const target = forward(teacher, step.batch, false)[head];
          const out: Record<string, tf.Scalar> = {};
          step.members.forEach((m, i) => {
            const logits = step.outputs[i][head];
            out[`ce/${m.name}`] = tf.mul(crossEntropy(logits, step.batch.targets[head]), 1 - options.alpha) as tf.Scalar;
            out[`kd/${m.name}`] = tf.mul(distillationKl(logits, target, options.temperature), options.alpha) as tf.Scalar;
          });
          return out;
        },
      },
    };
  },
};
