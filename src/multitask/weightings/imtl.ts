/**
 * IMTL-G, the gradient half of impartial multi-task learning (Liu et al., "Towards Impartial
 * Multi-task Learning", ICLR 2021). It finds weights α with Σα = 1 such that the combined gradient
 * g = Σᵢ αᵢ gᵢ has the same projection on every task's unit gradient uᵢ = gᵢ/‖gᵢ‖:
 * g·(u₁ − uᵢ) = 0 for i = 2..m. The paper's closed form (section 3.2) is
 * α₂..ₘ = g₁Uᵀ(DUᵀ)⁻¹, α₁ = 1 − Σ α₂..ₘ, where D has the rows g₁ − gᵢ and U the rows u₁ − uᵢ
 * (i = 2..m), as LibMTL's `LibMTL/weighting/IMTL.py`. Here the same m linear equations are written on the
 * Gram matrix G alone (uₐ·g_q = G_aq / ‖gₐ‖):
 *
 *   Σ_q α_q = 1,   Σ_q (G_1q/‖g₁‖ − G_aq/‖gₐ‖) α_q = 0   (a = 2..m),
 *
 * and solved by Gaussian elimination; when they are singular (two tasks with parallel gradients,
 * for which the condition holds for any α) the minimum-norm solution is taken, so identical rows
 * share the weight equally.
 *
 * The loss half of the paper, IMTL-L (learned loss scales e^s·L − s), is not included: combine
 * `imtl` with a loss transform if that is wanted. Tasks without labels in the batch, and labelled
 * tasks whose gradient is exactly zero (they have no direction to be impartial to), get weight 0.
 */
import { z } from 'zod';
import { combineRows, gram, solveLinear, symmetricEigen } from '../jacobian/linalg.js';
import { activeTasks, checkAggregateInput, checkGradientSetup, diagonal, expandWeights, subJacobian, subMatrix } from '../jacobian/task-rows.js';
import type { Aggregation, GradientMethod, RegisteredWeighting, WeightingSetup } from '../weighting.js';

/** IMTL-G has no options. */
export const ImtlOptionsSchema = z.object({}).strict();
export type ImtlOptions = z.infer<typeof ImtlOptionsSchema>;

/** The minimum-norm least-squares solution of A x = b (A row-major m×m) through the eigen-decomposition of AᵀA. */
function minimumNormSolution(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const ata = new Float64Array(m * m);
  const atb = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let r = 0; r < m; r++) s += a[r * m + i] * a[r * m + j];
      ata[i * m + j] = s;
    }
    for (let r = 0; r < m; r++) atb[i] += a[r * m + i] * b[r];
  }
  const { values, vectors } = symmetricEigen(ata, m);
  const cutoff = 1e-12 * Math.max(values[0], 0);
  const x = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    if (!(values[k] > cutoff)) continue;
    let proj = 0;
    for (let i = 0; i < m; i++) proj += vectors[i * m + k] * atb[i];
    for (let i = 0; i < m; i++) x[i] += (vectors[i * m + k] * proj) / values[k];
  }
  return x;
}

/**
 * The IMTL-G weights α (Σα = 1) from a row-major m×m Gram matrix with a positive diagonal (every
 * task has a non-zero gradient). Pure; exported for tests.
 */
export function imtlWeights(g: ArrayLike<number>, m: number): Float64Array {
  if (m === 1) return Float64Array.of(1);
  let scale = 0;
  for (let i = 0; i < m; i++) scale = Math.max(scale, g[i * m + i]);
  // Dividing G by a constant leaves the equations' solution unchanged and keeps them near 1.
  const gn = Float64Array.from(g, (v) => v / scale);
  const norms = Float64Array.from({ length: m }, (_, i) => Math.sqrt(gn[i * m + i]));
  const a = new Float64Array(m * m);
  const b = new Float64Array(m);
  b[0] = 1;
  for (let q = 0; q < m; q++) a[q] = 1;
  for (let r = 1; r < m; r++) {
    for (let q = 0; q < m; q++) a[r * m + q] = gn[q] / norms[0] - gn[r * m + q] / norms[r];
  }
  let alpha: Float64Array | undefined;
  try {
    alpha = solveLinear(a, b);
  } catch {
    alpha = undefined;
  }
  if (alpha === undefined || !alpha.every(Number.isFinite)) alpha = minimumNormSolution(a, b, m);
  return alpha;
}

/** `imtl`: IMTL-G, equal projections of the update on every task's unit gradient. */
export const imtl: RegisteredWeighting<ImtlOptions> = {
  name: 'imtl',
  summary: 'impartial MTL (IMTL-G): the update projects equally on every task gradient direction (loss-scale part IMTL-L not included)',
  reference: 'Liu et al., ICLR 2021',
  kind: 'gradient',
  representation: true,
  options: ImtlOptionsSchema,
  optionNames: [],
  create(_options: ImtlOptions, setup: WeightingSetup): GradientMethod {
    checkGradientSetup('imtl', setup);
    const m = setup.tasks.length;
    let last: readonly number[] = new Array<number>(m).fill(1 / m);
    return {
      kind: 'gradient',
      aggregate(jacobian, info): Aggregation {
        checkAggregateInput('imtl', setup.tasks, jacobian, info);
        const g = gram(jacobian);
        const idx = activeTasks(info.labelled, diagonal(g, m));
        if (idx.length === 0) {
          last = new Array<number>(m).fill(0);
          return { direction: new Float32Array(jacobian.n), weights: last };
        }
        const alpha = imtlWeights(subMatrix(g, m, idx), idx.length);
        last = expandWeights(alpha, idx, m);
        return { direction: combineRows(subJacobian(jacobian, idx), alpha), weights: last };
      },
      weights: () => last,
    };
  },
};
