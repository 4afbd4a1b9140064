/**
 * `siglip`: the pairwise sigmoid loss of SigLIP (Zhai, Mustafa, Kolesnikov and Beyer, "Sigmoid
 * Loss for Language Image Pre-Training", ICCV 2023, Algorithm 1). Both embeddings are
 * L2-normalized; every pair (i, j) of the batch is a binary classification, positive on the
 * diagonal (zᵢⱼ = 1) and negative off it (zᵢⱼ = −1), with logits t·aᵢ·bⱼ + b:
 *
 *   L = −(1/N) Σᵢ Σⱼ log σ(zᵢⱼ·(t·aᵢ·bⱼ + b)),   t = exp(t')
 *
 * normalized by the batch size N as the paper's pseudocode does (not by N²). The learned
 * log-scale t' starts at log 10 and the learned bias b at −10, the paper's initialization (so
 * that the many negatives do not dominate the first steps). log σ(x) is computed as −softplus(−x),
 * which is finite for any x. The paper does not clamp t; `maxLogitScale` adds a clamp when given.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { checkPairs, l2NormalizeRows, scalarValue, scalarVariable, type AlignmentLoss, type RegisteredAlignmentLoss } from '../alignment-loss.js';

export const SiglipOptionsSchema = z
  .object({
    /** Initial logit scale t = exp(t'). Default 10 (the paper's t' = log 10). */
    initLogitScale: z.number().positive().finite().default(10),
    /** Initial bias b. Default −10 (the paper's). */
    initBias: z.number().finite().default(-10),
    /** Whether the logit scale is learned. Default true. */
    learnTemperature: z.boolean().default(true),
    /** Whether the bias is learned. Default true. */
    learnBias: z.boolean().default(true),
    /** Largest logit scale (clamped as the `clip` loss does). Default: none, as in the paper. */
    maxLogitScale: z.number().min(1).finite().optional(),
  })
  .strict()
  .refine((o) => o.maxLogitScale === undefined || o.initLogitScale <= o.maxLogitScale * (1 + 1e-9), { message: 'initLogitScale must not exceed maxLogitScale', path: ['initLogitScale'] });
export type SiglipOptions = z.infer<typeof SiglipOptionsSchema>;

/** The SigLIP loss for a given logit scale and bias (tensors, so that gradients reach them); `a` and `b` are normalized here. */
export function siglipLoss(a: tf.Tensor2D, b: tf.Tensor2D, scale: tf.Scalar, bias: tf.Scalar): tf.Scalar {
  checkPairs('siglip', a, b);
  return tf.tidy(() => {
    const n = a.shape[0];
    const logits = tf.add(tf.mul(tf.matMul(l2NormalizeRows(a), l2NormalizeRows(b), false, true), scale), bias);
    const signs = tf.sub(tf.mul(tf.eye(n), 2), 1);
    // −log σ(x) = softplus(−x)
    return tf.div(tf.sum(tf.softplus(tf.neg(tf.mul(signs, logits)))), n) as tf.Scalar;
  });
}

export const siglip: RegisteredAlignmentLoss<SiglipOptions> = {
  name: 'siglip',
  description: 'pairwise sigmoid loss over L2-normalized embeddings with a learned log-scale (init log 10) and bias (init −10) (Zhai et al., ICCV 2023)',
  options: SiglipOptionsSchema,
  optionNames: ['initLogitScale', 'initBias', 'learnTemperature', 'learnBias', 'maxLogitScale'],
  create(options: SiglipOptions): AlignmentLoss {
    const max = options.maxLogitScale ?? Infinity;
    const logScale = scalarVariable('siglip', 'logitScale', Math.log(options.initLogitScale), options.learnTemperature);
    const bias = scalarVariable('siglip', 'bias', options.initBias, options.learnBias);
    let disposed = false;
    const scale = (): number => Math.min(Math.exp(scalarValue(logScale)), max);
    return {
      variables: [logScale, bias],
      loss: (a, b) =>
        tf.tidy(() => {
          const s = options.maxLogitScale === undefined ? tf.exp(logScale) : tf.minimum(tf.exp(logScale), options.maxLogitScale);
          return siglipLoss(a, b, s as tf.Scalar, bias as tf.Scalar);
        }),
      temperature: () => 1 / scale(),
      parameters: () => ({ logitScale: scale(), bias: scalarValue(bias) }),
      afterStep() {
        if (options.maxLogitScale === undefined) return;
        const t = scalarValue(logScale);
        if (t > Math.log(max)) tf.tidy(() => logScale.assign(tf.scalar(Math.log(max))));
      },
      dispose() {
        if (disposed) return;
        disposed = true;
        logScale.dispose();
        bias.dispose();
      },
    };
  },
};
