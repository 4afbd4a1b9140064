/**
 * PCGrad (Yu et al., "Gradient Surgery for Multi-Task Learning", NeurIPS 2020, Algorithm 1): for
 * each task i, for the other tasks j in a random order, when g_i^PC · g_j < 0 project g_i^PC onto
 * the normal plane of g_j: g_i^PC ← g_i^PC − (g_i^PC·g_j / ‖g_j‖²) g_j. The direction is the
 * **sum** of the projected gradients, as the official code (tianheyu927/PCGrad `PCGrad_tf.py`,
 * which adds the projected gradients), LibMTL (`pc_grads.sum(0)`) and TorchJD (`PCGradWeighting`,
 * sum of the weight vectors) all do.
 *
 * Computed in weight space from the Gram matrix, as TorchJD does: g_i^PC = Σ_k c_k g_k, so
 * g_i^PC·g_j = (Gc)_j and a projection only changes c_j; the direction is Σ_j W_j g_j with W the
 * sum of the c vectors (the reported weights). A new random order per task and step, from
 * `setup.seed`.
 */
import { z } from 'zod';
import { createRng, deriveSeed, permutation } from '../../engine/random.js';
import type { Jacobian } from '../jacobian/jacobian.js';
import { checkLabelledFlags, weighLabelledRows } from '../jacobian/task-rows.js';
import type { Aggregation, GradientMethod, RegisteredWeighting } from '../weighting.js';

/** PCGrad has no options. */
export const PcgradOptionsSchema = z.object({}).strict();

/** Options of PCGrad (none). */
export type PcgradOptions = z.infer<typeof PcgradOptionsSchema>;

/**
 * PCGrad's weights from a Gram matrix (row-major k×k): W = Σ_i c^(i), where c^(i) starts at e_i
 * and gains −(g_i^PC·g_j)/‖g_j‖² on j for every conflicting j, visited in `order(i)` (a
 * permutation of 0..k−1; i itself is skipped). Pure.
 */
export function pcgradWeights(g: Float64Array, k: number, order: (i: number) => ArrayLike<number>): Float64Array {
  const total = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const c = new Float64Array(k);
    c[i] = 1;
    const visit = order(i);
    for (let t = 0; t < visit.length; t++) {
      const j = visit[t];
      if (j === i) continue;
      let inner = 0;
      for (let l = 0; l < k; l++) inner += c[l] * g[l * k + j];
      // inner < 0 implies g_j ≠ 0, so G_jj > 0: no division by zero.
      if (inner < 0) c[j] -= inner / g[j * k + j];
    }
    for (let l = 0; l < k; l++) total[l] += c[l];
  }
  return total;
}

/** Creates the gradient method. */
function createPcgrad(tasks: readonly string[], seed: number): GradientMethod {
  const m = tasks.length;
  const rng = createRng(deriveSeed(seed, 'pcgrad'));
  let last: readonly number[] = new Array<number>(m).fill(1);
  return {
    kind: 'gradient',
    aggregate(jacobian: Jacobian, info): Aggregation {
      checkLabelledFlags('PCGrad', jacobian, info.labelled);
      const out = weighLabelledRows(jacobian, info.labelled, (g, k) => pcgradWeights(g, k, () => permutation(k, rng)));
      last = out.weights;
      return out;
    },
    weights: () => last,
  };
}

/** PCGrad, registered as `pcgrad`. */
export const pcgrad: RegisteredWeighting<PcgradOptions> = {
  name: 'pcgrad',
  summary: 'PCGrad: project each task gradient off the others it conflicts with (random order), then sum',
  reference: 'Yu et al., NeurIPS 2020',
  kind: 'gradient',
  representation: true,
  options: PcgradOptionsSchema,
  optionNames: Object.keys(PcgradOptionsSchema.shape),
  create: (_options, setup) => createPcgrad(setup.tasks, setup.seed),
};
