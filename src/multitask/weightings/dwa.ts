/**
 * Dynamic weight average (DWA; Liu, Johns and Davison, CVPR 2019, eq. 7): from epoch 3 on, task i
 * gets weight
 *
 *   wᵢ = K · exp(rᵢ/T) / Σⱼ exp(rⱼ/T),   rᵢ = Lᵢ(t−1) / Lᵢ(t−2),
 *
 * where Lᵢ(t) is task i's mean training loss over epoch t and T the temperature (2 in the paper);
 * the first two epochs have wᵢ = 1. As in LibMTL (`LibMTL/weighting/DWA.py`, from lorenmt/mtan):
 * `self.epoch > 1` with 0-based epochs, and the loss is Σᵢ wᵢLᵢ. A task without labels in the batch
 * drops out of the sum; the others keep their weights (no renormalization, as EW).
 */
import { z } from 'zod';
import { ShapeMismatchError } from '../../errors.js';
import type { LossWeighting, RegisteredWeighting, WeightingSetup } from '../weighting.js';
import { checkLosses, checkSetup, labelledWeightedSum } from './ew.js';

export const DwaOptionsSchema = z
  .object({
    /** Softmax temperature T: larger is closer to equal weights. Default 2 (the paper's). */
    temperature: z.number().positive().finite().default(2),
  })
  .strict();
export type DwaOptions = z.infer<typeof DwaOptionsSchema>;

/**
 * The descent rate rᵢ = Lᵢ(t−1)/Lᵢ(t−2) of each task from two epochs' mean losses. A task whose
 * ratio is undefined (a mean that is not finite, e.g. no labels in an epoch, or an earlier mean
 * that is not positive) gets rate 1: neither faster nor slower.
 */
export function descentRates(last: readonly number[], beforeLast: readonly number[]): Float64Array {
  const r = new Float64Array(last.length);
  for (let i = 0; i < last.length; i++) {
    const a = last[i];
    const b = beforeLast[i];
    r[i] = Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : 1;
  }
  return r;
}

/** wᵢ = K·softmax(r/T)ᵢ (computed with the maximum subtracted, so large rates do not overflow). */
export function dwaWeights(rates: ArrayLike<number>, temperature: number): Float64Array {
  const k = rates.length;
  let max = -Infinity;
  for (let i = 0; i < k; i++) max = Math.max(max, rates[i] / temperature);
  const w = new Float64Array(k);
  let sum = 0;
  for (let i = 0; i < k; i++) {
    w[i] = Math.exp(rates[i] / temperature - max);
    sum += w[i];
  }
  for (let i = 0; i < k; i++) w[i] = (k * w[i]) / sum;
  return w;
}

/** `dwa`: weights from each task's rate of loss descent over the two previous epochs. */
export const dwa: RegisteredWeighting<DwaOptions> = {
  name: 'dwa',
  summary: 'dynamic weight average: K·softmax of each task\'s epoch-loss ratio over temperature T',
  reference: 'Liu, Johns and Davison, CVPR 2019',
  kind: 'loss',
  representation: false,
  options: DwaOptionsSchema,
  optionNames: ['temperature'],
  create(options: DwaOptions, setup: WeightingSetup): LossWeighting {
    checkSetup('dwa', setup);
    const k = setup.tasks.length;
    /** Mean losses of the last two epochs seen, oldest first. */
    const history: number[][] = [];
    let weights: number[] = new Array<number>(k).fill(1);
    return {
      kind: 'loss',
      combine(losses, labelled) {
        checkLosses('dwa', setup, losses, labelled);
        return labelledWeightedSum(losses, labelled, weights);
      },
      onEpochEnd(meanLosses, epoch) {
        if (meanLosses.length !== k) {
          throw new ShapeMismatchError(`dwa got ${meanLosses.length} mean losses at the end of epoch ${epoch + 1} for ${k} tasks`, 'pass one mean training loss per task, in task order');
        }
        history.push([...meanLosses]);
        if (history.length > 2) history.shift();
        if (history.length === 2) weights = Array.from(dwaWeights(descentRates(history[1], history[0]), options.temperature));
      },
      weights: () => weights,
    };
  },
};
