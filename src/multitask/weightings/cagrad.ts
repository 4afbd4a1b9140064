/**
 * CAGrad, conflict-averse gradient descent (Liu et al., "Conflict-Averse Gradient Descent for
 * Multi-task Learning", NeurIPS 2021). The update d maximizes the worst task's improvement
 * minᵢ gᵢᵀd within a ball around the average gradient g₀, ‖d − g₀‖ ≤ c‖g₀‖ (paper eq. 3). Its
 * dual (paper eq. 4, with φ = c²‖g₀‖²) is
 *
 *   min_{w ∈ Δ}  g_wᵀg₀ + √φ ‖g_w‖,   g_w = Σᵢ wᵢ gᵢ,
 *
 * a convex problem in the m task weights that needs only the Gram matrix G (g_wᵀg₀ = wᵀG·1/m,
 * ‖g_w‖² = wᵀGw); then d = g₀ + (√φ / ‖g_w‖) g_w. The official code (Cranial-XIX/CAGrad,
 * `nyuv2/utils.py`, `cagrad`) solves the dual with scipy's SLSQP; here it is solved to a
 * certified Frank-Wolfe gap by `minimizeOnSimplex`. As the official code, d is divided by
 * 1 + c² (`rescale` 1), 1 + c (2) or not at all (0), then multiplied by the number of tasks "to
 * match the sum loss" (its `overwrite_grad`), so that c = 0 gives the gradient of Σᵢ Lᵢ, as EW.
 * (LibMTL's port, `LibMTL/weighting/CAGrad.py`, leaves out that last factor.)
 *
 * Only labelled tasks take part; with one, the direction is its gradient.
 */
import { z } from 'zod';
import type { Jacobian } from '../jacobian/jacobian.js';
import { combineRows, gram } from '../jacobian/linalg.js';
import { minimizeOnSimplex } from '../jacobian/simplex-minimize.js';
import { activeTasks, checkAggregateInput, checkGradientSetup, expandWeights, subJacobian } from '../jacobian/task-rows.js';
import type { Aggregation, GradientMethod, RegisteredWeighting, WeightingSetup } from '../weighting.js';

/** Options of `cagrad`. */
export const CagradOptionsSchema = z
  .object({
    /**
     * c, the radius of the ball around the average gradient relative to its norm (the paper's c,
     * LibMTL's `calpha`); 0 is the average gradient, larger values move towards the worst task.
     * Default 0.4, the value of the official NYUv2 and Cityscapes scripts (`run.sh`); LibMTL and
     * the official function default to 0.5.
     */
    c: z.number().min(0).max(100).default(0.4),
    /** Rescaling of the direction as the official code: 0 none, 1 divide by 1 + c² (default, as the official and LibMTL), 2 divide by 1 + c. */
    rescale: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
  })
  .strict();
export type CagradOptions = z.infer<typeof CagradOptionsSchema>;

/** The solution of CAGrad's dual. */
export interface CagradDual {
  /** The dual weights w on the simplex. */
  readonly w: Float64Array;
  /** The dual objective at w, in the units of G. */
  readonly value: number;
  /** Upper bound of value − optimum, in the units of G. */
  readonly gap: number;
}

/**
 * The dual objective F(w) = wᵀG·1/m + c·‖g₀‖·√(wᵀGw) (paper eq. 4) on a row-major m×m Gram
 * matrix, with ‖g₀‖² = mean(G). Exported for tests.
 */
export function cagradDualObjective(g: ArrayLike<number>, m: number, c: number, w: ArrayLike<number>): number {
  let linear = 0;
  let quadratic = 0;
  let mean = 0;
  for (let a = 0; a < m; a++) {
    let row = 0;
    let gw = 0;
    for (let b = 0; b < m; b++) {
      row += g[a * m + b];
      gw += g[a * m + b] * w[b];
    }
    mean += row;
    linear += (w[a] * row) / m;
    quadratic += w[a] * gw;
  }
  mean /= m * m;
  return linear + c * Math.sqrt(Math.max(mean, 0)) * Math.sqrt(Math.max(quadratic, 0));
}

/**
 * Solves CAGrad's dual on a row-major m×m Gram matrix. G is first divided by its largest diagonal
 * entry (the minimizer does not change: both terms scale alike), and the square root is smoothed
 * by 1e-14 in those units, which moves the objective by at most c·1e-7.
 */
export function solveCagradDual(g: ArrayLike<number>, m: number, c: number): CagradDual {
  let scale = 0;
  for (let i = 0; i < m; i++) scale = Math.max(scale, g[i * m + i]);
  const uniform = new Float64Array(m).fill(1 / m);
  if (!(scale > 0)) return { w: uniform, value: 0, gap: 0 };
  const gn = Float64Array.from(g, (v) => v / scale);
  const a = new Float64Array(m);
  let mean = 0;
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) a[i] += gn[i * m + k] / m;
    mean += a[i] / m;
  }
  const radius = c * Math.sqrt(Math.max(mean, 0));
  const smoothing = 1e-14;
  const gw = (w: Float64Array): Float64Array => {
    const out = new Float64Array(m);
    for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) out[i] += gn[i * m + k] * w[k];
    return out;
  };
  const quadratic = (w: Float64Array, v: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < m; i++) s += w[i] * v[i];
    return Math.max(s, 0);
  };
  const result = minimizeOnSimplex(
    {
      value(w) {
        let s = 0;
        for (let i = 0; i < m; i++) s += a[i] * w[i];
        return s + radius * Math.sqrt(quadratic(w, gw(w)) + smoothing);
      },
      gradient(w) {
        const v = gw(w);
        const root = Math.sqrt(quadratic(w, v) + smoothing);
        return Float64Array.from(a, (ai, i) => ai + (radius * v[i]) / root);
      },
    },
    m,
    { start: uniform, tolerance: 1e-10 },
  );
  return { w: result.w, value: result.value * scale, gap: result.gap * scale };
}

/**
 * CAGrad's update from a Jacobian (all its rows take part): the direction and the coefficient of
 * each row in it, d = Σᵢ coefᵢ gᵢ with coefᵢ = m·(1/m + λ wᵢ)/r, λ = c‖g₀‖/‖g_w‖ (0 when g_w = 0)
 * and r the rescaling.
 */
export function cagradDirection(jacobian: Jacobian, options: CagradOptions): { direction: Float32Array; coefficients: Float64Array } {
  const m = jacobian.rows.length;
  const g = gram(jacobian);
  const { w } = solveCagradDual(g, m, options.c);
  let mean = 0;
  let gwNormSq = 0;
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      mean += g[i * m + k];
      gwNormSq += w[i] * g[i * m + k] * w[k];
    }
  }
  mean /= m * m;
  const g0Norm = Math.sqrt(Math.max(mean, 0));
  const gwNorm = Math.sqrt(Math.max(gwNormSq, 0));
  let maxDiag = 0;
  for (let i = 0; i < m; i++) maxDiag = Math.max(maxDiag, g[i * m + i]);
  // g_w = 0 (to rounding) happens only when the gradients cancel; then d = g₀ (0 if they all do).
  const lambda = gwNorm > 1e-12 * Math.sqrt(maxDiag) ? (options.c * g0Norm) / gwNorm : 0;
  const r = options.rescale === 0 ? 1 : options.rescale === 1 ? 1 + options.c * options.c : 1 + options.c;
  const coefficients = Float64Array.from(w, (wi) => (1 + m * lambda * wi) / r);
  return { direction: combineRows(jacobian, coefficients), coefficients };
}

/** `cagrad`: conflict-averse gradient descent. */
export const cagrad: RegisteredWeighting<CagradOptions> = {
  name: 'cagrad',
  summary: 'conflict-averse gradient: the best worst-task improvement within a ball around the mean gradient',
  reference: 'Liu et al., NeurIPS 2021',
  kind: 'gradient',
  representation: true,
  options: CagradOptionsSchema,
  optionNames: ['c', 'rescale'],
  create(options: CagradOptions, setup: WeightingSetup): GradientMethod {
    checkGradientSetup('cagrad', setup);
    const m = setup.tasks.length;
    let last: readonly number[] = new Array<number>(m).fill(1);
    return {
      kind: 'gradient',
      aggregate(jacobian, info): Aggregation {
        checkAggregateInput('cagrad', setup.tasks, jacobian, info);
        const idx = activeTasks(info.labelled);
        if (idx.length === 0) {
          last = new Array<number>(m).fill(0);
          return { direction: new Float32Array(jacobian.n), weights: last };
        }
        if (idx.length === 1) {
          last = expandWeights([1], idx, m);
          return { direction: Float32Array.from(jacobian.rows[idx[0]]), weights: last };
        }
        const { direction, coefficients } = cagradDirection(subJacobian(jacobian, idx), options);
        last = expandWeights(coefficients, idx, m);
        return { direction, weights: last };
      },
      weights: () => last,
    };
  },
};
