/**
 * Aligned-MTL (Senushkin et al., "Independent Component Alignment for Multi-Task Learning",
 * CVPR 2023, Algorithm 1): make the task gradients' system well conditioned. From the Gram matrix
 * M = GGᵀ = VΛVᵀ (rank r: eigenvalues above λ_max·m·ε, ε the float32 epsilon, as the reference),
 * the balance transformation B = √λ_scale · V_r Λ_r^{-1/2} V_rᵀ and the task weights α = B·1
 * (LibMTL `LibMTL/weighting/Aligned_MTL.py`: `alpha = B.sum(0)`; TorchJD's `AlignedMTL` uses the
 * mean preference instead, α = B·1/m, the same direction divided by m). The direction is Σ α_i g_i.
 *
 * `scale` chooses λ_scale as TorchJD (`scale_mode`): 'min' the smallest kept eigenvalue (the
 * paper's and LibMTL's, default), 'median' (the lower median, as torch.median), 'rmse' their
 * mean. A zero Gram matrix (rank 0) gives B = I, as TorchJD.
 */
import { z } from 'zod';
import type { Jacobian } from '../jacobian/jacobian.js';
import { symmetricEigen } from '../jacobian/linalg.js';
import { checkLabelledFlags, weighLabelledRows } from '../jacobian/task-rows.js';
import type { Aggregation, GradientMethod, RegisteredWeighting } from '../weighting.js';

/** float32 machine epsilon (torch.finfo().eps for the default dtype), for the rank cut. */
const FLOAT32_EPS = 1.1920928955078125e-7;

/** Options of Aligned-MTL. */
export const AlignedMtlOptionsSchema = z
  .object({
    /** Which eigenvalue sets the scale of the aligned gradients: 'min' (default, the paper and LibMTL), 'median' or 'rmse' (their mean). */
    scale: z.enum(['min', 'median', 'rmse']).default('min'),
  })
  .strict();

/** Options of Aligned-MTL, parsed. */
export type AlignedMtlOptions = z.infer<typeof AlignedMtlOptionsSchema>;

/** Aligned-MTL's weights α = B·1 from a Gram matrix (row-major k×k). Pure. */
export function alignedMtlWeights(g: Float64Array, k: number, scale: AlignedMtlOptions['scale'] = 'min'): Float64Array {
  const { values, vectors } = symmetricEigen(g, k);
  const tolerance = values[0] * k * FLOAT32_EPS;
  let rank = 0;
  while (rank < k && values[rank] > tolerance) rank++;
  if (rank === 0) return new Float64Array(k).fill(1);
  const kept = Array.from(values.subarray(0, rank));
  let lambda: number;
  if (scale === 'min') lambda = kept[rank - 1];
  else if (scale === 'median') lambda = [...kept].sort((a, b) => a - b)[Math.floor((rank - 1) / 2)];
  else lambda = kept.reduce((s, v) => s + v, 0) / rank;
  // α_i = Σ_j B_ij = √λ Σ_r V_ir (Σ_j V_jr) / √λ_r.
  const alpha = new Float64Array(k);
  for (let r = 0; r < rank; r++) {
    let columnSum = 0;
    for (let j = 0; j < k; j++) columnSum += vectors[j * k + r];
    const f = (Math.sqrt(lambda) * columnSum) / Math.sqrt(kept[r]);
    for (let i = 0; i < k; i++) alpha[i] += f * vectors[i * k + r];
  }
  return alpha;
}

/** Creates the gradient method. */
function createAlignedMtl(options: AlignedMtlOptions, tasks: readonly string[]): GradientMethod {
  const m = tasks.length;
  let last: readonly number[] = new Array<number>(m).fill(1);
  return {
    kind: 'gradient',
    aggregate(jacobian: Jacobian, info): Aggregation {
      checkLabelledFlags('Aligned-MTL', jacobian, info.labelled);
      const out = weighLabelledRows(jacobian, info.labelled, (g, k) => alignedMtlWeights(g, k, options.scale));
      last = out.weights;
      return out;
    },
    weights: () => last,
  };
}

/** Aligned-MTL, registered as `aligned-mtl`. */
export const alignedMtl: RegisteredWeighting<AlignedMtlOptions> = {
  name: 'aligned-mtl',
  summary: 'Aligned-MTL: align the task gradients to an orthogonal, equal-scale system (condition number 1) and sum',
  reference: 'Senushkin et al., CVPR 2023',
  kind: 'gradient',
  representation: true,
  options: AlignedMtlOptionsSchema,
  optionNames: Object.keys(AlignedMtlOptionsSchema.shape),
  create: (options, setup) => createAlignedMtl(options, setup.tasks),
};
