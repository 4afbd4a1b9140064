/**
 * The min-norm point of the convex hull of the Jacobian's rows, from their Gram matrix:
 * min_w ‖Σ w_i g_i‖² over the simplex {w ≥ 0, Σw = 1} (Sener & Koltun, NeurIPS 2018, eq. 3 and
 * Algorithms 1-2). Pure, float64, m×m only: the rows enter through G[i][j] = g_i·g_j.
 *
 * Mirrors `MinNormSolver` of isl-org/MultiObjectiveOptimization `multi_task/min_norm_solvers.py`
 * (and LibMTL's copy in `LibMTL/weighting/MGDA.py`): start from the best pair (the closed-form
 * two-vector line search of Algorithm 1 over every pair), return it when m = 2, otherwise iterate
 * at most 250 times and stop when the step moves the weights by less than 1e-5 in L1 (returning
 * the weights before that step, as the reference does). Two iterations are available:
 * `'projected-gradient'` is `find_min_norm_element` (what the authors' training script and LibMTL
 * use: a projected gradient step, then the line search between the current and the new point);
 * `'frank-wolfe'` is `find_min_norm_element_FW`, the paper's Algorithm 2 (towards the vertex with
 * the smallest (Gw)_t).
 *
 * One deliberate difference from the code: where Algorithm 1 of the paper returns γ = 1 (or 0) in
 * its edge cases, the code returns 0.999 (or 0.001); we return the paper's exact values, so that
 * a gradient inside the hull's min-norm edge gets weight exactly 1.
 */

import { projectToSimplex } from './linalg.js';

/** Options of `minNormWeights`. */
export interface MinNormOptions {
  /** The iteration after the best pair (m ≥ 3). Default `'projected-gradient'` (the reference's `find_min_norm_element`). */
  readonly solver?: 'projected-gradient' | 'frank-wolfe';
  /** Most iterations. Default 250 (`MinNormSolver.MAX_ITER`). */
  readonly maxIterations?: number;
  /** Stop when Σ|w_new − w| falls below this. Default 1e-5 (`MinNormSolver.STOP_CRIT`). */
  readonly tolerance?: number;
}

/** What `minNormWeights` returns. */
export interface MinNormResult {
  /** Weights on the simplex, one per row. */
  readonly weights: Float64Array;
  /** ‖Σ w_i g_i‖² at the weights, as the line search last measured it. */
  readonly cost: number;
  /** Iterations run after the best pair (0 for m ≤ 2). */
  readonly iterations: number;
}

/**
 * Algorithm 1 of the paper: min over γ ∈ [0, 1] of ‖γ x₁ + (1 − γ) x₂‖², from v1v1 = x₁·x₁,
 * v1v2 = x₁·x₂, v2v2 = x₂·x₂ (`_min_norm_element_from2`). Returns γ (the weight of x₁) and the
 * squared norm. Never divides by zero: outside the two edge cases v1v1 + v2v2 − 2·v1v2 > 0.
 */
export function minNormOfTwo(v1v1: number, v1v2: number, v2v2: number): { gamma: number; cost: number } {
  if (v1v2 >= v1v1) return { gamma: 1, cost: v1v1 };
  if (v1v2 >= v2v2) return { gamma: 0, cost: v2v2 };
  const gamma = (v2v2 - v1v2) / (v1v1 + v2v2 - 2 * v1v2);
  return { gamma, cost: v2v2 + gamma * (v1v2 - v2v2) };
}

/** aᵀGb for m-vectors. */
function quadratic(g: Float64Array, m: number, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < m; i++) {
    if (a[i] === 0) continue;
    let row = 0;
    for (let j = 0; j < m; j++) row += g[i * m + j] * b[j];
    s += a[i] * row;
  }
  return s;
}

/** `_next_point`: a step along the negative gradient projected on Σw = 0, to the simplex boundary, then projected back. */
function nextPoint(current: Float64Array, gradient: Float64Array): Float64Array {
  const m = current.length;
  let mean = 0;
  for (let i = 0; i < m; i++) mean += gradient[i];
  mean /= m;
  const projected = Float64Array.from(gradient, (v) => v - mean);
  let t = 1;
  let tm1 = Infinity;
  let tm2 = Infinity;
  for (let i = 0; i < m; i++) {
    const p = projected[i];
    if (p < 0) {
      const v = -current[i] / p;
      if (v > 1e-7) tm1 = Math.min(tm1, v);
    } else if (p > 0) {
      const v = (1 - current[i]) / p;
      if (v > 1e-7) tm2 = Math.min(tm2, v);
    }
  }
  if (tm1 !== Infinity) t = tm1;
  if (tm2 !== Infinity) t = Math.min(t, tm2);
  return projectToSimplex(Float64Array.from(projected, (p, i) => p * t + current[i]));
}

/**
 * The simplex weights of the min-norm point of the rows' convex hull, from their Gram matrix
 * (row-major m×m Float64Array). m = 1 gives [1]; m = 2 is exact (Algorithm 1).
 */
export function minNormWeights(gram: Float64Array, m: number, options: MinNormOptions = {}): MinNormResult {
  if (m < 1) throw new RangeError('the min-norm point needs at least one row');
  if (gram.length !== m * m) throw new RangeError(`an ${m}×${m} Gram matrix needs ${m * m} entries, got ${gram.length}`);
  const maxIterations = options.maxIterations ?? 250;
  const tolerance = options.tolerance ?? 1e-5;
  const solver = options.solver ?? 'projected-gradient';
  if (m === 1) return { weights: Float64Array.of(1), cost: gram[0], iterations: 0 };

  // `_min_norm_2d`: the best pair (strictly smallest cost, first pair on ties).
  let best = { i: 0, j: 1, gamma: 1, cost: Infinity };
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const { gamma, cost } = minNormOfTwo(gram[i * m + i], gram[i * m + j], gram[j * m + j]);
      if (cost < best.cost) best = { i, j, gamma, cost };
    }
  }
  let w = new Float64Array(m);
  w[best.i] = best.gamma;
  w[best.j] = 1 - best.gamma;
  if (m === 2) return { weights: w, cost: best.cost, iterations: 0 };

  let cost = best.cost;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const gw = new Float64Array(m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) gw[i] += gram[i * m + j] * w[j];
    let next: Float64Array;
    let v1v2: number;
    let v2v2: number;
    const v1v1 = quadratic(gram, m, w, w);
    if (solver === 'frank-wolfe') {
      let t = 0;
      for (let i = 1; i < m; i++) if (gw[i] < gw[t]) t = i;
      next = new Float64Array(m);
      next[t] = 1;
      v1v2 = gw[t];
      v2v2 = gram[t * m + t];
    } else {
      next = nextPoint(
        w,
        Float64Array.from(gw, (v) => -v),
      );
      v1v2 = quadratic(gram, m, w, next);
      v2v2 = quadratic(gram, m, next, next);
    }
    const step = minNormOfTwo(v1v1, v1v2, v2v2);
    const updated = Float64Array.from(w, (v, i) => step.gamma * v + (1 - step.gamma) * next[i]);
    let change = 0;
    for (let i = 0; i < m; i++) change += Math.abs(updated[i] - w[i]);
    cost = step.cost;
    if (change < tolerance) return { weights: w, cost, iterations: iteration + 1 };
    w = updated;
  }
  return { weights: w, cost, iterations: maxIterations };
}
