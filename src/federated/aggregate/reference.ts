/**
 * The straightforward aggregation loops (one pass over the accumulator per client, one sorted
 * column per coordinate), kept as the reference that the blocked TypeScript kernels and the
 * native ones are tested against. Inputs are assumed checked (lengths, weights) by the caller.
 */
import type { AggregationKernels } from './kernels.js';

/** out = Σ wₖ·vₖ / total, summed in float64 in client order, rounded once. */
function weightedMean(vectors: readonly Float32Array[], weights: Float64Array, total: number, out: Float32Array): void {
  const d = out.length;
  const acc = new Float64Array(d);
  vectors.forEach((v, k) => {
    const w = weights[k];
    if (w === 0) return;
    for (let i = 0; i < d; i++) acc[i] += w * v[i];
  });
  for (let i = 0; i < d; i++) out[i] = acc[i] / total;
}

/** sum += Σ wₖ·(vₖ − global), in float64 in client order. */
function weightedUpdateSum(global: Float32Array, vectors: readonly Float32Array[], weights: Float64Array, sum: Float64Array): void {
  const d = global.length;
  vectors.forEach((v, k) => {
    const w = weights[k];
    if (w === 0) return;
    for (let i = 0; i < d; i++) sum[i] += w * (v[i] - global[i]);
  });
}

/** The per-coordinate median (the mean of the two middle values for an even count). */
function coordinateMedian(vectors: readonly Float32Array[], out: Float32Array): void {
  const n = vectors.length;
  const column = new Float64Array(n);
  const mid = n >> 1;
  for (let i = 0; i < out.length; i++) {
    for (let k = 0; k < n; k++) column[k] = vectors[k][i];
    column.sort();
    out[i] = n % 2 === 1 ? column[mid] : (column[mid - 1] + column[mid]) / 2;
  }
}

/** The per-coordinate mean of the values left after cutting `cut` from each end. */
function trimmedMean(vectors: readonly Float32Array[], cut: number, out: Float32Array): void {
  const n = vectors.length;
  const kept = n - 2 * cut;
  const column = new Float64Array(n);
  for (let i = 0; i < out.length; i++) {
    for (let k = 0; k < n; k++) column[k] = vectors[k][i];
    if (cut > 0) column.sort();
    let s = 0;
    for (let k = cut; k < n - cut; k++) s += column[k];
    out[i] = s / kept;
  }
}

/** out[i·n + j] = ||vᵢ − vⱼ||², summed in float64 in coordinate order (symmetric, zero diagonal). */
function pairwiseSquaredDistances(vectors: readonly Float32Array[], out: Float64Array): void {
  const n = vectors.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = vectors[i];
      const b = vectors[j];
      let s = 0;
      for (let c = 0; c < a.length; c++) {
        const e = a[c] - b[c];
        s += e * e;
      }
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
}

/** The reference kernels (slow, simple): what the fast kernels must agree with. */
export const REFERENCE_KERNELS: AggregationKernels = {
  name: 'reference',
  weightedMean,
  weightedUpdateSum,
  coordinateMedian,
  trimmedMean,
  pairwiseSquaredDistances,
};
