/**
 * Minimizes a smooth convex function over the probability simplex {w ≥ 0, Σw = 1} of a small
 * dimension (the number of tasks), pure and in float64. The method is accelerated projected
 * gradient descent (FISTA, Beck & Teboulle 2009) with a backtracking estimate of the Lipschitz
 * constant and a restart whenever the objective goes up (O'Donoghue & Candès 2015), projecting
 * with `projectToSimplex`. It stops on a certificate, the Frank-Wolfe gap
 * ∇f(w)ᵀw − minᵢ ∇f(w)ᵢ, which bounds f(w) − f* from above for a convex f.
 */
import { projectToSimplex } from './linalg.js';

/** A convex objective on the simplex: its value and gradient at a point. */
export interface SimplexObjective {
  value(w: Float64Array): number;
  gradient(w: Float64Array): Float64Array;
}

/** Options of `minimizeOnSimplex`. */
export interface SimplexMinimizeOptions {
  /** Starting point (projected onto the simplex first); default the uniform weights. */
  readonly start?: ArrayLike<number>;
  /** Stop when the Frank-Wolfe gap (an upper bound of f(w) − f*) is at most this; default 1e-9. */
  readonly tolerance?: number;
  /** Iteration cap; default 20000. */
  readonly maxIterations?: number;
}

/** The result of `minimizeOnSimplex`. */
export interface SimplexMinimum {
  /** The minimizer found, on the simplex. */
  readonly w: Float64Array;
  /** f(w). */
  readonly value: number;
  /** The Frank-Wolfe gap at w: f(w) − f* ≤ gap. */
  readonly gap: number;
  readonly iterations: number;
  /** Whether the gap reached the tolerance before the iteration cap. */
  readonly converged: boolean;
}

function frankWolfeGap(g: Float64Array, w: Float64Array): number {
  let inner = 0;
  let min = Infinity;
  for (let i = 0; i < w.length; i++) {
    inner += g[i] * w[i];
    min = Math.min(min, g[i]);
  }
  return Math.max(0, inner - min);
}

/** Minimizes a smooth convex `f` over the simplex of dimension m (see the file comment). */
export function minimizeOnSimplex(f: SimplexObjective, m: number, options: SimplexMinimizeOptions = {}): SimplexMinimum {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`the simplex needs a dimension of at least 1, got ${m}`);
  const tolerance = options.tolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? 20000;
  let x = options.start === undefined ? new Float64Array(m).fill(1 / m) : projectToSimplex(options.start);
  if (x.length !== m) throw new RangeError(`a start of ${x.length} values for a simplex of dimension ${m}`);
  let fx = f.value(x);
  if (m === 1) return { w: x, value: fx, gap: 0, iterations: 0, converged: true };

  let y = x;
  let t = 1;
  let lipschitz = 1;
  let gap = frankWolfeGap(f.gradient(x), x);
  let iterations = 0;
  while (gap > tolerance && iterations < maxIterations) {
    iterations++;
    const gy = f.gradient(y);
    const fy = f.value(y);
    let z: Float64Array;
    let fz: number;
    for (;;) {
      const step = Float64Array.from(y, (v, i) => v - gy[i] / lipschitz);
      z = projectToSimplex(step);
      fz = f.value(z);
      let linear = 0;
      let squared = 0;
      for (let i = 0; i < m; i++) {
        const d = z[i] - y[i];
        linear += gy[i] * d;
        squared += d * d;
      }
      // Sufficient decrease of the quadratic upper model (with a relative slack for rounding).
      if (fz <= fy + linear + (lipschitz / 2) * squared + 1e-15 * Math.abs(fy) || lipschitz > 1e30) break;
      lipschitz *= 2;
    }
    if (fz > fx) {
      // Momentum overshot: restart from the best point with a plain projected-gradient step next.
      // A plain step (y = x) that does not descend happens only at the rounding floor: stop there.
      if (y === x) break;
      y = x;
      t = 1;
      continue;
    }
    const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const momentum = (t - 1) / tNext;
    const previous = x;
    y = Float64Array.from(z, (v, i) => v + momentum * (v - previous[i]));
    x = z;
    fx = fz;
    t = tNext;
    lipschitz *= 0.9;
    gap = frankWolfeGap(f.gradient(x), x);
  }
  return { w: x, value: fx, gap, iterations, converged: gap <= tolerance };
}
