/**
 * UPGrad (Quinton & Rey, "Jacobian Descent for Multi-Objective Optimization", 2024; TorchJD's
 * `UPGrad`, torchjd/aggregation/_upgrad.py): project each row g_i, scaled by the preference 1/m,
 * onto the dual cone of the rows {x : Jx ≥ 0} and average (sum the 1/m-scaled projections). By
 * Proposition 1 of the paper the projection of Jᵀu is Jᵀv with v = argmin vᵀGv subject to v ≥ u
 * (G = JJᵀ); TorchJD solves it with quadprog (`_utils/dual_cone.py`), here the exact active-set
 * solver of jacobian/linalg.ts solves min ½xᵀGx + (Gu)ᵀx, x = v − u ≥ 0. The weights are the sum
 * of the v vectors; the direction is Σ w_i g_i.
 *
 * As TorchJD, before solving, G is divided by its trace (`normalize`; when the trace is below
 * `normEps` G becomes 0, and the weights become the preference itself: the mean) and `regEps`·I is
 * added (`regularize`), so the QP is always positive definite. The preference is TorchJD's
 * default, the mean; custom preference vectors are not offered.
 */
import { z } from 'zod';
import type { Jacobian } from '../jacobian/jacobian.js';
import { solveNonNegativeQp } from '../jacobian/linalg.js';
import { checkLabelledFlags, weighLabelledRows } from '../jacobian/task-rows.js';
import type { Aggregation, GradientMethod, RegisteredWeighting } from '../weighting.js';

/** Options of UPGrad. */
export const UpgradOptionsSchema = z
  .object({
    /** Below this trace (squared Frobenius norm of the Jacobian) the Gram matrix is taken as 0. Default 1e-4 (TorchJD's `norm_eps`). */
    normEps: z.number().min(0).default(1e-4),
    /** Added to the diagonal of the trace-normalized Gram matrix. Default 1e-4 (TorchJD's `reg_eps`). */
    regEps: z.number().positive().default(1e-4),
  })
  .strict();

/** Options of UPGrad, parsed. */
export type UpgradOptions = z.infer<typeof UpgradOptionsSchema>;

/** UPGrad's weights from a Gram matrix (row-major k×k), with the mean preference. Pure. */
export function upgradWeights(g: Float64Array, k: number, normEps: number, regEps: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < k; i++) trace += g[i * k + i];
  const q = new Float64Array(k * k);
  if (trace >= normEps && trace > 0) for (let i = 0; i < k * k; i++) q[i] = g[i] / trace;
  for (let i = 0; i < k; i++) q[i * k + i] += regEps;
  const total = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    // u = e_i / k; v = u + x with x ≥ 0 minimizing ½xᵀQx + (Qu)ᵀx.
    const u = new Float64Array(k);
    u[i] = 1 / k;
    const c = Float64Array.from({ length: k }, (_, r) => q[r * k + i] / k);
    const x = solveNonNegativeQp(q, c);
    for (let r = 0; r < k; r++) total[r] += u[r] + x[r];
  }
  return total;
}

/** Creates the gradient method. */
function createUpgrad(options: UpgradOptions, tasks: readonly string[]): GradientMethod {
  const m = tasks.length;
  let last: readonly number[] = new Array<number>(m).fill(1 / m);
  return {
    kind: 'gradient',
    aggregate(jacobian: Jacobian, info): Aggregation {
      checkLabelledFlags('UPGrad', jacobian, info.labelled);
      const out = weighLabelledRows(jacobian, info.labelled, (g, k) => upgradWeights(g, k, options.normEps, options.regEps));
      last = out.weights;
      return out;
    },
    weights: () => last,
  };
}

/** UPGrad, registered as `upgrad`. */
export const upgrad: RegisteredWeighting<UpgradOptions> = {
  name: 'upgrad',
  summary: 'UPGrad: project each task gradient onto the dual cone of all of them and average (TorchJD)',
  reference: 'Quinton & Rey, 2024 (arXiv:2406.16232)',
  kind: 'gradient',
  representation: true,
  options: UpgradOptionsSchema,
  optionNames: Object.keys(UpgradOptionsSchema.shape),
  create: (options, setup) => createUpgrad(options, setup.tasks),
};
