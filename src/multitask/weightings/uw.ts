/**
 * Uncertainty weighting (UW; Kendall, Gal and Cipolla, CVPR 2018): each task i has a learned
 * log-variance sᵢ = log σᵢ², trained with the model, and the loss is
 *
 *   Σᵢ ( exp(−sᵢ)·Lᵢ + sᵢ ) / 2 = Σᵢ Lᵢ / (2σᵢ²) + log σᵢ
 *
 * the paper's eq. 5 (regression form) for every task, as LibMTL writes it
 * (`LibMTL/weighting/UW.py`: `losses / (2 * loss_scale.exp()) + loss_scale / 2`, summed, with
 * `loss_scale` initialized to −0.5). The weight on Lᵢ is exp(−sᵢ)/2. A task without labels in
 * the batch contributes neither its loss nor its regularizer sᵢ/2 (which alone would push sᵢ down
 * without bound).
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { LossWeighting, RegisteredWeighting, WeightingSetup } from '../weighting.js';
import { checkLosses, checkSetup, connectedZero } from './ew.js';

export const UwOptionsSchema = z
  .object({
    /** Initial log-variance sᵢ of every task. Default −0.5 (LibMTL's `loss_scale`; an initial weight exp(0.5)/2 ≈ 0.82). */
    initLogVariance: z.number().finite().default(-0.5),
  })
  .strict();
export type UwOptions = z.infer<typeof UwOptionsSchema>;

/** Makes the variables' names unique across instances (tfjs refuses two live variables of one name). */
let instances = 0;

/** The weight on a task's loss for a log-variance s: exp(−s)/2. */
export function uwWeight(logVariance: number): number {
  return Math.exp(-logVariance) / 2;
}

/** `uw`: learned per-task log-variances (Kendall et al. 2018). */
export const uw: RegisteredWeighting<UwOptions> = {
  name: 'uw',
  summary: 'uncertainty weighting: learned log-variances s, loss Σ (exp(−s)·L + s) / 2',
  reference: 'Kendall, Gal and Cipolla, CVPR 2018',
  kind: 'loss',
  representation: false,
  options: UwOptionsSchema,
  optionNames: ['initLogVariance'],
  create(options: UwOptions, setup: WeightingSetup): LossWeighting {
    checkSetup('uw', setup);
    const id = instances++;
    // Made in tidy so that the initial value is freed (a variable keeps its own reference to the data).
    const logVariances = setup.tasks.map((_, i) => tf.tidy(() => tf.variable(tf.scalar(options.initLogVariance), true, `uw${id}/logVariance${i}`)));
    let disposed = false;
    return {
      kind: 'loss',
      variables: logVariances,
      combine(losses, labelled) {
        checkLosses('uw', setup, losses, labelled);
        const terms: tf.Scalar[] = [];
        for (let i = 0; i < losses.length; i++) {
          if (!labelled[i]) continue;
          const s = logVariances[i];
          terms.push(tf.mul(tf.add(tf.mul(tf.exp(tf.neg(s)), losses[i]), s), 0.5) as tf.Scalar);
        }
        if (terms.length === 0) return connectedZero(losses);
        return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
      },
      weights: () => logVariances.map((s) => uwWeight(s.dataSync()[0])),
      dispose() {
        if (disposed) return;
        disposed = true;
        for (const s of logVariances) s.dispose();
      },
    };
  },
};
