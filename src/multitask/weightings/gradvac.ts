/**
 * GradVac (Wang et al., "Gradient Vaccine: Investigating and Improving Multi-task Optimization in
 * Massively Multilingual Models", ICLR 2021, Algorithm 1): like PCGrad, but every pair (i, j) has
 * a target cosine φ̂_ij, an exponential moving average of the observed cosines
 * (φ̂ ← (1 − β) φ̂ + β φ, starting at 0); whenever cos(g_i^PC, g_j) = φ < φ̂_ij, g_j is added to
 * g_i^PC with the weight that lifts the cosine to φ̂_ij (eq. 3):
 *   w = ‖g_i^PC‖ (φ̂ √(1 − φ²) − φ √(1 − φ̂²)) / (‖g_j‖ √(1 − φ̂²)).
 * The direction is the sum of the adjusted gradients. Mirrors LibMTL (`LibMTL/weighting/GradVac.py`,
 * `GradVac_beta` default 0.5) with one parameter group: the whole shared vector (LibMTL's
 * `group_type` 0, its default); per-layer groups are not offered. The EMA is updated with the
 * cosine measured before the adjustment, in the visiting order, as LibMTL does.
 *
 * Computed in weight space from the Gram matrix: g_i^PC = Σ c_k g_k, ‖g_i^PC‖² = cᵀGc.
 * Differences from LibMTL's `+ 1e-8` guards (absolute, so they distort tiny gradients): a cosine
 * with a zero vector is taken as 0, and √(1 − φ̂²) is bounded below by 1e-4 (φ̂ → 1 would ask for
 * an unbounded weight).
 */
import { z } from 'zod';
import { ShapeMismatchError } from '../../errors.js';
import { createRng, deriveSeed, permutation } from '../../engine/random.js';
import { checkJacobian, type Jacobian } from '../jacobian/jacobian.js';
import { subMatrix, weighLabelledRows } from '../jacobian/task-rows.js';
import type { Aggregation, GradientMethod, RegisteredWeighting } from '../weighting.js';

/** Options of GradVac. */
export const GradvacOptionsSchema = z
  .object({
    /** EMA rate of the target cosines, φ̂ ← (1 − beta) φ̂ + beta φ. Default 0.5 (LibMTL's `GradVac_beta`). */
    beta: z.number().min(0).max(1).default(0.5),
  })
  .strict();

/** Options of GradVac, parsed. */
export type GradvacOptions = z.infer<typeof GradvacOptionsSchema>;

/**
 * One GradVac step in weight space. `g` is the k×k Gram matrix of the rows, `targets` the k×k
 * target cosines φ̂ (row-major, updated in place), `order(i)` the order in which task i visits
 * the others. Returns the weights W with direction Σ W_j g_j. Pure apart from `targets`.
 */
export function gradvacWeights(
  g: Float64Array,
  k: number,
  targets: Float64Array,
  beta: number,
  order: (i: number) => ArrayLike<number>,
): Float64Array {
  const total = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const c = new Float64Array(k);
    c[i] = 1;
    const visit = order(i);
    for (let t = 0; t < visit.length; t++) {
      const j = visit[t];
      if (j === i) continue;
      let pcDotGj = 0;
      let pcNormSq = 0;
      for (let a = 0; a < k; a++) {
        pcDotGj += c[a] * g[a * k + j];
        for (let b = 0; b < k; b++) pcNormSq += c[a] * c[b] * g[a * k + b];
      }
      const pcNorm = Math.sqrt(Math.max(pcNormSq, 0));
      const gjNorm = Math.sqrt(Math.max(g[j * k + j], 0));
      const product = pcNorm * gjNorm;
      const phi = product > 0 ? Math.max(-1, Math.min(1, pcDotGj / product)) : 0;
      const target = targets[i * k + j];
      if (phi < target && gjNorm > 0) {
        const sinTarget = Math.max(Math.sqrt(Math.max(1 - target * target, 0)), 1e-4);
        const w = (pcNorm * (target * Math.sqrt(1 - phi * phi) - phi * sinTarget)) / (gjNorm * sinTarget);
        c[j] += w;
      }
      targets[i * k + j] = (1 - beta) * target + beta * phi;
    }
    for (let a = 0; a < k; a++) total[a] += c[a];
  }
  return total;
}

/** Creates the gradient method. */
function createGradvac(options: GradvacOptions, tasks: readonly string[], seed: number): GradientMethod {
  const m = tasks.length;
  const rng = createRng(deriveSeed(seed, 'gradvac'));
  /** φ̂ for every pair of tasks (m×m), kept across steps; only labelled pairs move. */
  const targets = new Float64Array(m * m);
  let last: readonly number[] = new Array<number>(m).fill(1);
  return {
    kind: 'gradient',
    aggregate(jacobian: Jacobian, info): Aggregation {
      checkJacobian(jacobian);
      if (info.labelled.length !== jacobian.rows.length || jacobian.rows.length !== m) {
        throw new ShapeMismatchError(
          `GradVac was set up for ${m} tasks but got ${jacobian.rows.length} Jacobian rows and ${info.labelled.length} labelled flags`,
          'pass one row and one labelled flag per task, in the order of setup.tasks',
        );
      }
      const out = weighLabelledRows(jacobian, info.labelled, (g, k, active) => {
        const sub = subMatrix(targets, m, active);
        const w = gradvacWeights(g, k, sub, options.beta, (i) => permutation(k, rng).filter((j) => j !== i));
        active.forEach((i, a) => active.forEach((j, b) => (targets[i * m + j] = sub[a * k + b])));
        return w;
      });
      last = out.weights;
      return out;
    },
    weights: () => last,
  };
}

/** GradVac, registered as `gradvac`. */
export const gradvac: RegisteredWeighting<GradvacOptions> = {
  name: 'gradvac',
  summary: 'GradVac: lift each pair of task gradients to an EMA target cosine, then sum (whole shared vector as one group)',
  reference: 'Wang et al., ICLR 2021',
  kind: 'gradient',
  representation: true,
  options: GradvacOptionsSchema,
  optionNames: Object.keys(GradvacOptionsSchema.shape),
  create: (options, setup) => createGradvac(options, setup.tasks, setup.seed),
};
