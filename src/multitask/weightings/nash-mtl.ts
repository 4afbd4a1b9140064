/**
 * Nash-MTL (Navon et al., "Multi-Task Learning as a Bargaining Game", ICML 2022). The update is
 * d = Σᵢ αᵢ gᵢ with α the Nash bargaining solution, the α > 0 with Gα = 1/α elementwise (paper
 * eq. 3 / Theorem 5.1: each task's improvement gᵢᵀd equals 1/αᵢ), G the Gram matrix.
 *
 * The official code (AvivNavon/nash-mtl, `methods/weight_methods.py`, `NashMTL`) approaches that
 * point by a sequence of convex problems (CCP) solved by cvxpy/ECOS. Here it is found as the
 * minimizer of the strictly convex f(α) = ½αᵀGα − Σᵢ log αᵢ, whose gradient is Gα − 1/α, by
 * Newton's method with a step that keeps α > 0 and decreases f (Armijo), warm-started from the
 * previous step's α as the official code. G is divided by its Frobenius norm first, as the
 * official code does, and α is mapped back (α = α̃/√‖G‖), so the solution is that of the real G
 * (the official CCP constraint αᵢ·(Gα)ᵢ ≥ 1 is in real units too).
 *
 * As the official code, α is recomputed every `updateWeightsEvery` steps, the task-specific
 * parameters see the loss Σᵢ αᵢ Lᵢ (`taskScales` = α), and the shared gradient is clipped to norm
 * `maxNorm` (`clip_grad_norm_`). When no solution exists (a non-negative combination of the
 * gradients is 0: the point is Pareto-stationary and f is unbounded below) or the solver does not
 * converge within `optimNiter` Newton steps, the last iterate is kept if it improved the residual,
 * else the previous α (the official code keeps its previous α when ECOS fails).
 *
 * Tasks without labels in the batch, and labelled tasks with an exactly zero gradient (no finite
 * 1/αᵢ), get weight 0; with one task left, the direction is its gradient.
 */
import { z } from 'zod';
import { combineRows, gram, solveLinear } from '../jacobian/linalg.js';
import { activeTasks, checkAggregateInput, checkGradientSetup, diagonal, expandWeights, subJacobian, subMatrix } from '../jacobian/task-rows.js';
import type { Aggregation, GradientMethod, RegisteredWeighting, WeightingSetup } from '../weighting.js';

/** Options of `nash-mtl` (the official code's defaults). */
export const NashMtlOptionsSchema = z
  .object({
    /** Recompute α every this many steps and reuse it in between; default 1 (official `update_weights_every`). */
    updateWeightsEvery: z.number().int().min(1).default(1),
    /** Clip the norm of the shared direction to this; 0 turns clipping off; default 1 (official `max_norm`). */
    maxNorm: z.number().min(0).default(1),
    /** Most Newton steps per solve; default 20 (the official cap of CCP iterations, `optim_niter`). */
    optimNiter: z.number().int().min(1).max(1000).default(20),
  })
  .strict();
export type NashMtlOptions = z.infer<typeof NashMtlOptionsSchema>;

/** What `solveNashBargaining` found. */
export interface NashSolution {
  /** α > 0 in the units of G. */
  readonly alpha: Float64Array;
  /** max |αᵢ(Gα)ᵢ − 1|: 0 at the bargaining solution. */
  readonly residual: number;
  readonly converged: boolean;
  readonly iterations: number;
}

function residualOf(g: Float64Array, alpha: Float64Array, m: number): number {
  let worst = 0;
  for (let i = 0; i < m; i++) {
    let v = 0;
    for (let k = 0; k < m; k++) v += g[i * m + k] * alpha[k];
    worst = Math.max(worst, Math.abs(alpha[i] * v - 1));
  }
  return worst;
}

function objective(g: Float64Array, alpha: Float64Array, m: number): number {
  let quadratic = 0;
  let logs = 0;
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) quadratic += alpha[i] * g[i * m + k] * alpha[k];
    logs += Math.log(alpha[i]);
  }
  return quadratic / 2 - logs;
}

/**
 * Solves Gα = 1/α, α > 0, on a row-major m×m Gram matrix (see the file comment), starting from
 * `start` (in the units of G; default all ones), with at most `maxIterations` Newton steps and
 * stopping when max |αᵢ(Gα)ᵢ − 1| ≤ `tolerance` (default 1e-9). Pure; exported for tests.
 */
export function solveNashBargaining(
  g: ArrayLike<number>,
  m: number,
  options: { start?: ArrayLike<number>; maxIterations?: number; tolerance?: number } = {},
): NashSolution {
  const maxIterations = options.maxIterations ?? 20;
  const tolerance = options.tolerance ?? 1e-9;
  let frobenius = 0;
  for (let i = 0; i < m * m; i++) frobenius += g[i] * g[i];
  frobenius = Math.sqrt(frobenius);
  if (!(frobenius > 0)) throw new RangeError('the bargaining solution needs a non-zero Gram matrix');
  const gn = Float64Array.from(g, (v) => v / frobenius);
  const root = Math.sqrt(frobenius);
  const start = options.start;
  let alpha =
    start !== undefined && start.length === m && Array.from(start).every((v) => v > 0 && Number.isFinite(v))
      ? Float64Array.from(start, (v) => v * root)
      : new Float64Array(m).fill(1);
  if (start === undefined) {
    // The best multiple of the start: f(tα) is least at t² = m / αᵀGα.
    let quadratic = 0;
    for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) quadratic += alpha[i] * gn[i * m + k] * alpha[k];
    if (quadratic > 0) alpha = alpha.map((v) => v * Math.sqrt(m / quadratic));
  }
  let residual = residualOf(gn, alpha, m);
  let iterations = 0;
  while (residual > tolerance && iterations < maxIterations) {
    iterations++;
    const gradient = new Float64Array(m);
    const hessian = Float64Array.from(gn);
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < m; k++) gradient[i] += gn[i * m + k] * alpha[k];
      gradient[i] -= 1 / alpha[i];
      hessian[i * m + i] += 1 / (alpha[i] * alpha[i]);
    }
    let step: Float64Array;
    try {
      step = solveLinear(hessian, gradient.map((v) => -v));
    } catch {
      break; // G + diag(1/α²) is positive definite; only an overflowing α gets here
    }
    let slope = 0;
    for (let i = 0; i < m; i++) slope += gradient[i] * step[i];
    const f0 = objective(gn, alpha, m);
    let t = 1;
    for (let i = 0; i < m; i++) if (step[i] < 0) t = Math.min(t, (-0.99 * alpha[i]) / step[i]);
    let next = alpha;
    for (let halvings = 0; halvings < 60; halvings++, t /= 2) {
      const candidate = Float64Array.from(alpha, (v, i) => v + t * step[i]);
      if (candidate.every((v) => v > 0) && objective(gn, candidate, m) <= f0 + 1e-4 * t * slope) {
        next = candidate;
        break;
      }
    }
    if (next === alpha) break;
    alpha = next;
    residual = residualOf(gn, alpha, m);
  }
  return { alpha: alpha.map((v) => v / root), residual, converged: residual <= tolerance, iterations };
}

/** `nash-mtl`: the Nash bargaining solution of the tasks' gradients. */
export const nashMtl: RegisteredWeighting<NashMtlOptions> = {
  name: 'nash-mtl',
  summary: 'Nash bargaining: weights α with Gα = 1/α, so every task gets the same product of weight and improvement',
  reference: 'Navon et al., ICML 2022',
  kind: 'gradient',
  representation: true,
  options: NashMtlOptionsSchema,
  optionNames: ['updateWeightsEvery', 'maxNorm', 'optimNiter'],
  create(options: NashMtlOptions, setup: WeightingSetup): GradientMethod {
    checkGradientSetup('nash-mtl', setup);
    const m = setup.tasks.length;
    // α of each task from its last solve (0: never solved); the official code starts from ones.
    const previous = new Float64Array(m);
    let last: readonly number[] = new Array<number>(m).fill(1);
    let step = 0;
    return {
      kind: 'gradient',
      aggregate(jacobian, info): Aggregation {
        checkAggregateInput('nash-mtl', setup.tasks, jacobian, info);
        const due = step % options.updateWeightsEvery === 0;
        step++;
        const g = gram(jacobian);
        const idx = activeTasks(info.labelled, diagonal(g, m));
        if (idx.length === 0) {
          last = new Array<number>(m).fill(0);
          return { direction: new Float32Array(jacobian.n), weights: last, taskScales: last };
        }
        if (idx.length === 1) {
          last = expandWeights([1], idx, m);
          return { direction: Float32Array.from(jacobian.rows[idx[0]]), weights: last, taskScales: last };
        }
        let alpha: Float64Array = Float64Array.from(idx, (i) => previous[i]);
        const known = alpha.every((v) => v > 0 && Number.isFinite(v));
        if (due || !known) {
          const sub = subMatrix(g, m, idx);
          const solution = solveNashBargaining(sub, idx.length, { start: known ? alpha : undefined, maxIterations: options.optimNiter });
          const fallback = known ? alpha : new Float64Array(idx.length).fill(1);
          const improved = solution.alpha.every((v) => v > 0 && Number.isFinite(v)) && solution.residual < residualOf(sub, fallback, idx.length);
          alpha = solution.converged || improved ? solution.alpha : fallback;
          idx.forEach((t, k) => {
            previous[t] = alpha[k];
          });
        }
        const direction = combineRows(subJacobian(jacobian, idx), alpha);
        if (options.maxNorm > 0) {
          let sq = 0;
          for (let i = 0; i < direction.length; i++) sq += direction[i] * direction[i];
          const length = Math.sqrt(sq);
          // As torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
          const factor = options.maxNorm / (length + 1e-6);
          if (factor < 1) for (let i = 0; i < direction.length; i++) direction[i] *= factor;
        }
        last = expandWeights(alpha, idx, m);
        return { direction, weights: last, taskScales: last };
      },
      weights: () => last,
    };
  },
};
