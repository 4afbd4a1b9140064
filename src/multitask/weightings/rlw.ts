/**
 * Random loss weighting (RLW; Lin, Ye, Xu, Shi and Zhang, TMLR 2022, "Reasonable effectiveness of
 * random weighting: a litmus test for multi-task learning"): every step draws z ~ N(0, I_K) and
 * minimizes Σᵢ wᵢLᵢ with w = softmax(z). As LibMTL's `LibMTL/weighting/RLW.py`
 * (`F.softmax(torch.randn(self.task_num))`): the weights sum to 1, not multiplied by K.
 *
 * The normals come from Box-Muller over the seeded `createRng(setup.seed)`, so a seed reproduces
 * the sequence of weights. The weights are drawn once per step (`at.step`): calling `combine` again
 * in the same step reuses them. A task without labels in the batch drops out of the sum; the others
 * keep their drawn weights (no renormalization, as EW).
 */
import { z } from 'zod';
import { createRng, type Rng } from '../../engine/random.js';
import type { LossWeighting, RegisteredWeighting, WeightingSetup } from '../weighting.js';
import { checkLosses, checkSetup, labelledWeightedSum } from './ew.js';

/** RLW has no options (the normal distribution, the paper's and LibMTL's default). */
export const RlwOptionsSchema = z.object({}).strict();
export type RlwOptions = z.infer<typeof RlwOptionsSchema>;

/** A stream of standard normals from a uniform generator, by Box-Muller (both values of each pair used). */
export function normalStream(rng: Rng): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const out = spare;
      spare = undefined;
      return out;
    }
    const u1 = 1 - rng.next(); // in (0, 1]: log is finite
    const u2 = rng.next();
    const radius = Math.sqrt(-2 * Math.log(u1));
    spare = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  };
}

/** softmax(z), with the maximum subtracted. */
export function softmax(z: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < z.length; i++) max = Math.max(max, z[i]);
  const out = new Float64Array(z.length);
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    out[i] = Math.exp(z[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < z.length; i++) out[i] /= sum;
  return out;
}

/** `rlw`: softmax of standard normal logits, drawn anew every step. */
export const rlw: RegisteredWeighting<RlwOptions> = {
  name: 'rlw',
  summary: 'random loss weighting: weights softmax(z), z ~ N(0, I) drawn every step',
  reference: 'Lin, Ye, Xu, Shi and Zhang, TMLR 2022',
  kind: 'loss',
  representation: false,
  options: RlwOptionsSchema,
  optionNames: [],
  create(_options: RlwOptions, setup: WeightingSetup): LossWeighting {
    checkSetup('rlw', setup);
    const k = setup.tasks.length;
    const normal = normalStream(createRng(setup.seed));
    /** Before the first step: the uniform 1/K (the weights' expectation by symmetry). */
    let weights: number[] = new Array<number>(k).fill(1 / k);
    let drawnAt: number | undefined;
    return {
      kind: 'loss',
      combine(losses, labelled, at) {
        checkLosses('rlw', setup, losses, labelled);
        if (drawnAt !== at.step) {
          drawnAt = at.step;
          weights = Array.from(softmax(Array.from({ length: k }, normal)));
        }
        return labelledWeightedSum(losses, labelled, weights);
      },
      weights: () => weights,
    };
  },
};
