/**
 * GradDrop (Chen et al., "Just Pick a Sign: Optimizing Deep Multitask Models with Gradient Sign
 * Dropout", NeurIPS 2020, eqs. 1-3): per shared value k, the sign purity
 * P_k = ½ (1 + Σ_i g_ik / Σ_i |g_ik|); with U_k uniform in [0, 1), task i keeps g_ik when
 * (P_k > U_k and g_ik > 0) or (P_k < U_k and g_ik < 0); a kept value counts fully, a dropped one
 * by `leak`. The direction is the sum over tasks. As LibMTL (`LibMTL/weighting/GradDrop.py`,
 * `leak` default 0).
 *
 * Works on whatever the Jacobian holds, value by value (the paper and LibMTL apply it to the
 * representation's gradients; LibMTL first sums them over the batch with the sign of the input,
 * which needs the activations: here each column is one value, so with representation rows of
 * batch × features every sample's value is its own column). P is computed exactly (a column with
 * Σ|g| = 0 is all zero and its P does not matter) instead of LibMTL's `+ 1e-7`, which biases P
 * towards ½ for tiny gradients. U comes from a seeded stream (`setup.seed`): one value per column
 * per step.
 */
import { z } from 'zod';
import { createRng, deriveSeed, type Rng } from '../../engine/random.js';
import type { Jacobian } from '../jacobian/jacobian.js';
import { activeTasks, checkLabelledFlags } from '../jacobian/task-rows.js';
import type { Aggregation, GradientMethod, RegisteredWeighting } from '../weighting.js';

/** Options of GradDrop. */
export const GraddropOptionsSchema = z
  .object({
    /** Factor on the dropped values (0: dropped entirely, 1: plain sum). Default 0 (LibMTL's `leak`). */
    leak: z.number().min(0).max(1).default(0),
  })
  .strict();

/** Options of GradDrop, parsed. */
export type GraddropOptions = z.infer<typeof GraddropOptionsSchema>;

/** The GradDrop direction of some rows, drawing one uniform per column from `rng`. Pure apart from the stream. */
export function graddropDirection(rows: readonly Float32Array[], n: number, leak: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let col = 0; col < n; col++) {
    let sum = 0;
    let abs = 0;
    for (const row of rows) {
      sum += row[col];
      abs += Math.abs(row[col]);
    }
    const u = rng.next();
    if (abs === 0) continue;
    const purity = 0.5 * (1 + sum / abs);
    let value = 0;
    for (const row of rows) {
      const v = row[col];
      const kept = (purity > u && v > 0) || (purity < u && v < 0);
      value += kept ? v : leak * v;
    }
    out[col] = value;
  }
  return out;
}

/** Creates the gradient method. */
function createGraddrop(options: GraddropOptions, tasks: readonly string[], seed: number): GradientMethod {
  const rng = createRng(deriveSeed(seed, 'graddrop'));
  const m = tasks.length;
  let last: readonly number[] = new Array<number>(m).fill(1);
  return {
    kind: 'gradient',
    aggregate(jacobian: Jacobian, info): Aggregation {
      checkLabelledFlags('GradDrop', jacobian, info.labelled);
      const active = activeTasks(info.labelled);
      last = info.labelled.map((l) => (l ? 1 : 0));
      if (active.length === 0) return { direction: new Float32Array(jacobian.n) };
      if (active.length === 1) return { direction: Float32Array.from(jacobian.rows[active[0]]) };
      const rows = active.map((i) => jacobian.rows[i]);
      return { direction: graddropDirection(rows, jacobian.n, options.leak, rng) };
    },
    weights: () => last,
  };
}

/** GradDrop, registered as `graddrop`. */
export const graddrop: RegisteredWeighting<GraddropOptions> = {
  name: 'graddrop',
  summary: 'GradDrop: per value, keep one sign of the task gradients at random, by sign purity',
  reference: 'Chen et al., NeurIPS 2020',
  kind: 'gradient',
  representation: true,
  options: GraddropOptionsSchema,
  optionNames: Object.keys(GraddropOptionsSchema.shape),
  create: (options, setup) => createGraddrop(options, setup.tasks, setup.seed),
};
