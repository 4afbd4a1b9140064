/**
 * `clip`: the symmetric InfoNCE loss of CLIP (Radford et al., "Learning Transferable Visual
 * Models From Natural Language Supervision", ICML 2021, Figure 3's pseudocode). Both embeddings
 * are L2-normalized, the logits are s·aᵢ·bⱼ with the learned logit scale s = exp(t), and the loss
 * is the mean of the a→b and b→a cross-entropies with the pairs (the diagonal) as targets:
 *
 *   L = ½·(1/N)Σᵢ [logsumexpⱼ(s·aᵢ·bⱼ) − s·aᵢ·bᵢ] + ½·(1/N)Σⱼ [logsumexpᵢ(s·aᵢ·bⱼ) − s·aⱼ·bⱼ]
 *
 * The log-parameterized scale t starts at log(1/0.07) (temperature 0.07) and is clipped so that s
 * never exceeds 100, as the paper says. Clamping: the forward pass uses min(exp(t), 100), and
 * after every optimizer step t is put back into [0, log 100] as OpenCLIP does
 * (`logit_scale.clamp_(0, math.log(100))`), so that the clamp never leaves t stuck above the
 * bound with a zero gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { checkPairs, l2NormalizeRows, scalarValue, scalarVariable, type AlignmentLoss, type RegisteredAlignmentLoss } from '../alignment-loss.js';

export const ClipOptionsSchema = z
  .object({
    /** Initial temperature τ (the logit scale starts at 1/τ). Default 0.07 (CLIP's). */
    initTemperature: z.number().positive().finite().default(0.07),
    /** Largest logit scale 1/τ. Default 100 (CLIP's clip). */
    maxLogitScale: z.number().min(1).finite().default(100),
    /** Whether the temperature is learned; false keeps it at `initTemperature`. Default true. */
    learnTemperature: z.boolean().default(true),
  })
  .strict()
  .refine((o) => 1 / o.initTemperature <= o.maxLogitScale * (1 + 1e-9), { message: 'initTemperature must be at least 1/maxLogitScale (the scale would start clamped)', path: ['initTemperature'] });
export type ClipOptions = z.infer<typeof ClipOptionsSchema>;

/**
 * The CLIP loss for a given logit scale (a tensor, so that gradients reach it); `a` and `b` are
 * normalized here. Exported for tests and for code that fixes the scale.
 */
export function clipLoss(a: tf.Tensor2D, b: tf.Tensor2D, scale: tf.Scalar): tf.Scalar {
  checkPairs('clip', a, b);
  return tf.tidy(() => {
    const an = l2NormalizeRows(a);
    const bn = l2NormalizeRows(b);
    const logits = tf.mul(tf.matMul(an, bn, false, true), scale);
    const positives = tf.mul(tf.sum(tf.mul(an, bn), -1), scale);
    const aToB = tf.mean(tf.sub(tf.logSumExp(logits, 1), positives));
    const bToA = tf.mean(tf.sub(tf.logSumExp(logits, 0), positives));
    return tf.mul(tf.add(aToB, bToA), 0.5) as tf.Scalar;
  });
}

export const clip: RegisteredAlignmentLoss<ClipOptions> = {
  name: 'clip',
  description: 'symmetric InfoNCE over L2-normalized embeddings with a learned log-temperature clamped at scale 100 (Radford et al., ICML 2021)',
  options: ClipOptionsSchema,
  optionNames: ['initTemperature', 'maxLogitScale', 'learnTemperature'],
  create(options: ClipOptions): AlignmentLoss {
    const maxLog = Math.log(options.maxLogitScale);
    const logScale = scalarVariable('clip', 'logitScale', Math.log(1 / options.initTemperature), options.learnTemperature);
    let disposed = false;
    const scale = (): number => Math.min(Math.exp(scalarValue(logScale)), options.maxLogitScale);
    return {
      variables: [logScale],
      loss: (a, b) => tf.tidy(() => clipLoss(a, b, tf.minimum(tf.exp(logScale), options.maxLogitScale) as tf.Scalar)),
      temperature: () => 1 / scale(),
      parameters: () => ({ logitScale: scale() }),
      afterStep() {
        const t = scalarValue(logScale);
        if (t > maxLog || t < 0) tf.tidy(() => logScale.assign(tf.scalar(Math.min(Math.max(t, 0), maxLog))));
      },
      dispose() {
        if (disposed) return;
        disposed = true;
        logScale.dispose();
      },
    };
  },
};
