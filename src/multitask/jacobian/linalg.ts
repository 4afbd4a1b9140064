/**
 * Small dense linear algebra for gradient methods, pure and in float64: Gram matrices of
 * Jacobian rows, weighted combinations of rows, and the m×m solvers (linear systems, symmetric
 * eigen-decomposition, projection onto the simplex) that the methods need. m is the number of
 * tasks (a handful); n, the number of shared parameters, may be millions, so everything over n
 * is one pass in float64 accumulators.
 */
import type { Jacobian } from './jacobian.js';

/** Dot product of two rows, summed in float64. */
export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`dot of rows of lengths ${a.length} and ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** L2 norm of a row. */
export function norm(a: Float32Array): number {
  return Math.sqrt(dot(a, a));
}

/** The m×m Gram matrix G[i][j] = rows[i]·rows[j], row-major in a Float64Array. */
export function gram(j: Jacobian): Float64Array {
  const m = j.rows.length;
  const g = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      const v = dot(j.rows[a], j.rows[b]);
      g[a * m + b] = v;
      g[b * m + a] = v;
    }
  }
  return g;
}

/** Σ_i weights[i]·rows[i], summed in float64, as a Float32Array of length n. */
export function combineRows(j: Jacobian, weights: ArrayLike<number>): Float32Array {
  if (weights.length !== j.rows.length) throw new RangeError(`${weights.length} weights for ${j.rows.length} rows`);
  const acc = new Float64Array(j.n);
  j.rows.forEach((row, i) => {
    const w = weights[i];
    if (w === 0) return;
    for (let k = 0; k < row.length; k++) acc[k] += w * row[k];
  });
  return Float32Array.from(acc);
}

/**
 * Solves A x = b for a small dense square A (row-major, m×m) by Gaussian elimination with
 * partial pivoting. Throws RangeError when A is singular (a pivot below `tolerance` times the
 * largest entry).
 */
export function solveLinear(a: ArrayLike<number>, b: ArrayLike<number>, tolerance = 1e-12): Float64Array {
  const m = b.length;
  if (a.length !== m * m) throw new RangeError(`a ${m}-vector needs an ${m}×${m} matrix, got ${a.length} entries`);
  const A = Float64Array.from(a);
  const x = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < A.length; i++) scale = Math.max(scale, Math.abs(A[i]));
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(A[r * m + col]) > Math.abs(A[pivot * m + col])) pivot = r;
    if (Math.abs(A[pivot * m + col]) <= tolerance * Math.max(scale, 1e-300)) throw new RangeError('the matrix is singular');
    if (pivot !== col) {
      for (let c = 0; c < m; c++) [A[col * m + c], A[pivot * m + c]] = [A[pivot * m + c], A[col * m + c]];
      [x[col], x[pivot]] = [x[pivot], x[col]];
    }
    for (let r = col + 1; r < m; r++) {
      const f = A[r * m + col] / A[col * m + col];
      if (f === 0) continue;
      for (let c = col; c < m; c++) A[r * m + c] -= f * A[col * m + c];
      x[r] -= f * x[col];
    }
  }
  for (let r = m - 1; r >= 0; r--) {
    let s = x[r];
    for (let c = r + 1; c < m; c++) s -= A[r * m + c] * x[c];
    x[r] = s / A[r * m + r];
  }
  return x;
}

/**
 * Eigen-decomposition of a small symmetric matrix (row-major m×m) by cyclic Jacobi rotations:
 * `values` in descending order and `vectors` with eigenvector k in column k (row-major m×m).
 */
export function symmetricEigen(s: ArrayLike<number>, m: number): { values: Float64Array; vectors: Float64Array } {
  if (s.length !== m * m) throw new RangeError(`an ${m}×${m} matrix needs ${m * m} entries, got ${s.length}`);
  const A = Float64Array.from(s);
  const V = new Float64Array(m * m);
  for (let i = 0; i < m; i++) V[i * m + i] = 1;
  // Stop when the off-diagonal mass is negligible relative to the whole matrix (a fixed absolute
  // threshold would stop at once on Gram matrices of tiny gradients, entries ~1e-16, and never
  // on large ones).
  let total = 0;
  for (let i = 0; i < A.length; i++) total += A[i] * A[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += A[p * m + q] * A[p * m + q];
    if (off <= 1e-30 * total) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = A[p * m + q];
        if (apq === 0) continue;
        const theta = (A[q * m + q] - A[p * m + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < m; k++) {
          const akp = A[k * m + p];
          const akq = A[k * m + q];
          A[k * m + p] = c * akp - sn * akq;
          A[k * m + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = A[p * m + k];
          const aqk = A[q * m + k];
          A[p * m + k] = c * apk - sn * aqk;
          A[q * m + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = V[k * m + p];
          const vkq = V[k * m + q];
          V[k * m + p] = c * vkp - sn * vkq;
          V[k * m + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => A[y * m + y] - A[x * m + x]);
  const values = Float64Array.from(order, (i) => A[i * m + i]);
  const vectors = new Float64Array(m * m);
  order.forEach((from, to) => {
    for (let k = 0; k < m; k++) vectors[k * m + to] = V[k * m + from];
  });
  return { values, vectors };
}

/** Euclidean projection of a vector onto the probability simplex {w ≥ 0, Σw = 1} (Duchi et al. 2008). */
export function projectToSimplex(v: ArrayLike<number>): Float64Array {
  const m = v.length;
  const u = Float64Array.from(v).sort().reverse();
  let cumulative = 0;
  let theta = 0;
  for (let i = 0; i < m; i++) {
    cumulative += u[i];
    const t = (cumulative - 1) / (i + 1);
    if (u[i] - t > 0) theta = t;
  }
  return Float64Array.from(v, (x) => Math.max(x - theta, 0));
}

/**
 * Solves the non-negative quadratic program min ½ xᵀQx + cᵀx subject to x ≥ 0, for a small
 * symmetric positive definite Q (row-major m×m), by a primal active-set method (Lawson & Hanson's
 * NNLS scheme applied to the QP): variables enter the free set by largest negative gradient; each
 * free set is solved exactly by `solveLinear`, stepping back to the feasible region when a free
 * variable would turn negative. Exact up to rounding once the active set is right, so the answer
 * is as tight as the linear solves (UPGrad needs it tight: TorchJD uses quadprog).
 *
 * `tolerance` is relative to the largest |Q| and |c| entry: a gradient component below
 * −tolerance·scale counts as a descent direction. Throws RangeError when Q is not positive
 * definite on a free set (a singular system) or when the iterations run out.
 */
export function solveNonNegativeQp(q: ArrayLike<number>, c: ArrayLike<number>, tolerance = 1e-13): Float64Array {
  const m = c.length;
  if (q.length !== m * m) throw new RangeError(`a ${m}-vector needs an ${m}×${m} matrix, got ${q.length} entries`);
  let scale = 0;
  for (let i = 0; i < q.length; i++) scale = Math.max(scale, Math.abs(q[i]));
  for (let i = 0; i < m; i++) scale = Math.max(scale, Math.abs(c[i]));
  const threshold = tolerance * scale;
  const x = new Float64Array(m);
  const free = new Array<boolean>(m).fill(false);
  const gradient = (): Float64Array => {
    const g = Float64Array.from(c);
    for (let i = 0; i < m; i++) for (let k = 0; k < m; k++) g[i] += q[i * m + k] * x[k];
    return g;
  };
  // Solution of the free variables with the others fixed at 0.
  const solveFree = (): Float64Array => {
    const idx = free.flatMap((f, i) => (f ? [i] : []));
    const sub = new Float64Array(idx.length * idx.length);
    idx.forEach((a, r) => idx.forEach((b, s) => (sub[r * idx.length + s] = q[a * m + b])));
    const sol = solveLinear(
      sub,
      idx.map((i) => -c[i]),
    );
    const z = new Float64Array(m);
    idx.forEach((i, r) => (z[i] = sol[r]));
    return z;
  };
  const maxOuter = 10 * m + 10;
  for (let outer = 0; outer < maxOuter; outer++) {
    const g = gradient();
    let enter = -1;
    for (let i = 0; i < m; i++) if (!free[i] && g[i] < -threshold && (enter < 0 || g[i] < g[enter])) enter = i;
    if (enter < 0) return x;
    free[enter] = true;
    for (let inner = 0; inner <= m; inner++) {
      const z = solveFree();
      // Step from x towards z, stopping where the first free variable reaches 0.
      let alpha = 1;
      let blocking = -1;
      for (let i = 0; i < m; i++) {
        if (free[i] && z[i] <= 0) {
          const denominator = x[i] - z[i];
          const t = denominator > 0 ? x[i] / denominator : 0;
          if (blocking < 0 || t < alpha) {
            alpha = t;
            blocking = i;
          }
        }
      }
      if (blocking < 0) {
        x.set(z);
        break;
      }
      for (let i = 0; i < m; i++) if (free[i]) x[i] += alpha * (z[i] - x[i]);
      free[blocking] = false;
      x[blocking] = 0;
      for (let i = 0; i < m; i++) {
        if (free[i] && x[i] <= 0) {
          free[i] = false;
          x[i] = 0;
        }
      }
    }
  }
  throw new RangeError(`the non-negative QP did not converge in ${maxOuter} active-set steps`);
}
