/**
 * Geometric loss strategy (GLS; Chennupati, Sistu, Yogamani and Rawashdeh, CVPR workshops 2019,
 * "MultiNet++", eq. 3): the geometric mean of the task losses, (Πᵢ Lᵢ)^(1/K), as LibMTL's
 * `LibMTL/weighting/GLS.py` (`torch.pow(losses.prod(), 1./self.task_num)`).
 *
 * Here over the labelled tasks only, K their number (an unlabelled task's loss 0 would make the
 * product 0), and computed as exp(mean(log(max(Lᵢ, floor)))) so that small losses neither
 * underflow the product nor give log(0). Its gradient on Lᵢ, the effective weight, is
 * G/(K·Lᵢ): a task with a small loss weighs more.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import type { LossWeighting, RegisteredWeighting, WeightingSetup } from '../weighting.js';
import { checkLosses, checkSetup, connectedZero } from './ew.js';

export const GlsOptionsSchema = z
  .object({
    /** Losses below this are raised to it before the logarithm. Default 1e-8. */
    floor: z.number().positive().finite().default(1e-8),
  })
  .strict();
export type GlsOptions = z.infer<typeof GlsOptionsSchema>;

/**
 * The effective weights ∂G/∂Lᵢ = G/(K·Lᵢ) of GLS at the given loss values, G their geometric mean
 * over the finite ones (K their number, each floored); a task whose value is not finite (no labels)
 * gets 0. All equal losses give 1/K each.
 */
export function glsWeights(losses: readonly number[], floor: number): number[] {
  const kept = losses.map((l) => (Number.isFinite(l) ? Math.max(l, floor) : NaN));
  const finite = kept.filter((l) => !Number.isNaN(l));
  if (finite.length === 0) return losses.map(() => 0);
  const g = Math.exp(finite.reduce((s, l) => s + Math.log(l), 0) / finite.length);
  return kept.map((l) => (Number.isNaN(l) ? 0 : g / (finite.length * l)));
}

/** `gls`: the geometric mean of the labelled tasks' losses. */
export const gls: RegisteredWeighting<GlsOptions> = {
  name: 'gls',
  summary: 'geometric loss strategy: the geometric mean of the task losses',
  reference: 'Chennupati, Sistu, Yogamani and Rawashdeh, CVPR workshops 2019',
  kind: 'loss',
  representation: false,
  options: GlsOptionsSchema,
  optionNames: ['floor'],
  create(options: GlsOptions, setup: WeightingSetup): LossWeighting {
    checkSetup('gls', setup);
    const k = setup.tasks.length;
    let weights: number[] = new Array<number>(k).fill(1 / k);
    return {
      kind: 'loss',
      combine(losses, labelled) {
        checkLosses('gls', setup, losses, labelled);
        const logs: tf.Scalar[] = [];
        for (let i = 0; i < k; i++) if (labelled[i]) logs.push(tf.log(tf.maximum(losses[i], options.floor)) as tf.Scalar);
        if (logs.length === 0) return connectedZero(losses);
        return tf.exp(tf.div(tf.addN(logs), logs.length)) as tf.Scalar;
      },
      afterStep(losses) {
        weights = glsWeights(losses, options.floor);
      },
      weights: () => weights,
    };
  },
};
