/** Optimizers from a small JSON spec. */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { AdamOptimizer } from './optimizers/adam.js';
import { MomentumOptimizer } from './optimizers/momentum.js';

/**
 * Validates an optimizer spec for {@link createOptimizer}: `adam` (learning rate, betas, epsilon)
 * or `sgd` (learning rate, momentum), told apart by `name`. The parsed type is {@link
 * OptimizerSpec}.
 */
export const OptimizerSpecSchema = z.discriminatedUnion('name', [
  z
    .object({
      name: z.literal('adam'),
      /** Step size. Default 1e-3. */
      learningRate: z.number().positive().default(1e-3),
      /** Decay of the running mean of gradients, in [0, 1). Default 0.9. */
      beta1: z.number().min(0).lt(1).default(0.9),
      /** Decay of the running mean of squared gradients, in [0, 1). Default 0.999. */
      beta2: z.number().min(0).lt(1).default(0.999),
      /** Added to the denominator. Default 1e-8 (PyTorch's default). */
      epsilon: z.number().positive().default(1e-8),
    })
    .strict(),
  z
    .object({
      name: z.literal('sgd'),
      /** Step size. Default 0.01. */
      learningRate: z.number().positive().default(0.01),
      /** Momentum; 0 for plain SGD. Default 0. */
      momentum: z.number().min(0).max(1).default(0),
    })
    .strict(),
]);
/** A parsed optimizer spec, with every default filled in (see {@link OptimizerSpecSchema}). */
export type OptimizerSpec = z.infer<typeof OptimizerSpecSchema>;
/**
 * The input shape of an optimizer spec before defaults: only `name` is required (see {@link
 * OptimizerSpecSchema}).
 */
export type OptimizerSpecInput = z.input<typeof OptimizerSpecSchema>;

/**
 * A fresh optimizer (each model gets its own state). Adam and momentum keep their state per
 * variable (by name), with tfjs's arithmetic; on the native backend each variable is updated by
 * one fused kernel. Plain SGD has no state.
 */
export function createOptimizer(specInput: OptimizerSpecInput): tf.Optimizer {
  return optimizerOf(OptimizerSpecSchema.parse(specInput));
}

/**
 * {@link createOptimizer} for a spec already parsed (defaults filled), without parsing it again:
 * for code that makes a fresh optimizer often, as a federated client does every round.
 */
export function optimizerOf(spec: OptimizerSpec): tf.Optimizer {
  if (spec.name === 'adam') return new AdamOptimizer(spec.learningRate, spec.beta1, spec.beta2, spec.epsilon);
  return spec.momentum > 0 ? new MomentumOptimizer(spec.learningRate, spec.momentum) : tf.train.sgd(spec.learningRate);
}
