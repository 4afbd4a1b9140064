/**
 * Blocked TypeScript aggregation kernels: each client update is read once, a block of
 * coordinates at a time, while that block's accumulator (or tile of values) stays in cache. Per
 * coordinate the arithmetic is the reference's (reference.ts), in the same order, so the weighted
 * mean, its update sum, the median and the pairwise distances are bit-identical to it; the
 * trimmed mean sums its kept values in another order (float64, so it differs by at most a few
 * units in the last place of a double before the float32 rounding).
 */
import type { AggregationKernels } from './kernels.js';

/** Coordinates per block of the weighted mean: a 32 KiB float64 accumulator (L1-sized). */
const MEAN_BLOCK = 4096;

/** Bytes of the tile of client values a block of the median, trimmed mean and distances holds (L2-sized). */
const TILE_BYTES = 256 * 1024;

/** Coordinates per block when a tile holds n clients' values of `bytes` each. */
function tileCoordinates(n: number, bytes: number): number {
  return Math.max(64, Math.min(8192, Math.floor(TILE_BYTES / (bytes * Math.max(1, n)))));
}

/** The vectors of non-zero weight and their weights (the sums skip weight 0, as the reference). */
function nonZero(vectors: readonly Float32Array[], weights: Float64Array): { vs: Float32Array[]; ws: number[] } {
  const vs: Float32Array[] = [];
  const ws: number[] = [];
  vectors.forEach((v, k) => {
    if (weights[k] !== 0) {
      vs.push(v);
      ws.push(weights[k]);
    }
  });
  return { vs, ws };
}

/**
 * acc[i − b0] (or sum[i] when `global` is given: the update form) += Σ wₖ·vₖ[i] for i in
 * [b0, b1), clients in order, four per pass over the accumulator.
 */
function accumulateBlock(
  acc: Float64Array, offset: number, vs: readonly Float32Array[], ws: readonly number[], global: Float32Array | null, b0: number, b1: number,
): void {
  const m = vs.length;
  let k = 0;
  for (; k + 4 <= m; k += 4) {
    const v0 = vs[k], v1 = vs[k + 1], v2 = vs[k + 2], v3 = vs[k + 3];
    const w0 = ws[k], w1 = ws[k + 1], w2 = ws[k + 2], w3 = ws[k + 3];
    if (global === null) {
      for (let i = b0; i < b1; i++) {
        let a = acc[i - offset];
        a += w0 * v0[i];
        a += w1 * v1[i];
        a += w2 * v2[i];
        a += w3 * v3[i];
        acc[i - offset] = a;
      }
    } else {
      for (let i = b0; i < b1; i++) {
        const g = global[i];
        let a = acc[i - offset];
        a += w0 * (v0[i] - g);
        a += w1 * (v1[i] - g);
        a += w2 * (v2[i] - g);
        a += w3 * (v3[i] - g);
        acc[i - offset] = a;
      }
    }
  }
  for (; k < m; k++) {
    const v = vs[k];
    const w = ws[k];
    if (global === null) {
      for (let i = b0; i < b1; i++) acc[i - offset] += w * v[i];
    } else {
      for (let i = b0; i < b1; i++) acc[i - offset] += w * (v[i] - global[i]);
    }
  }
}

function weightedMean(vectors: readonly Float32Array[], weights: Float64Array, total: number, out: Float32Array): void {
  const { vs, ws } = nonZero(vectors, weights);
  const d = out.length;
  const acc = new Float64Array(Math.min(d, MEAN_BLOCK));
  for (let b0 = 0; b0 < d; b0 += MEAN_BLOCK) {
    const b1 = Math.min(d, b0 + MEAN_BLOCK);
    acc.fill(0);
    accumulateBlock(acc, b0, vs, ws, null, b0, b1);
    for (let i = b0; i < b1; i++) out[i] = acc[i - b0] / total;
  }
}

function weightedUpdateSum(global: Float32Array, vectors: readonly Float32Array[], weights: Float64Array, sum: Float64Array): void {
  const { vs, ws } = nonZero(vectors, weights);
  const d = global.length;
  for (let b0 = 0; b0 < d; b0 += MEAN_BLOCK) accumulateBlock(sum, 0, vs, ws, global, b0, Math.min(d, b0 + MEAN_BLOCK));
}

/**
 * Rearranges a[lo, hi) so that a[k] holds the value of rank k − lo, smaller-or-equal values
 * before it and greater-or-equal ones after (quickselect, median-of-three pivot).
 */
export function selectRank(a: Float64Array, lo: number, hi: number, k: number): void {
  while (hi - lo > 16) {
    const x = a[lo], y = a[(lo + hi) >>> 1], z = a[hi - 1];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi - 1;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // [lo, j] ≤ pivot, (j, i) = pivot, [i, hi) ≥ pivot
    if (k <= j) hi = j + 1;
    else if (k >= i) lo = i;
    else return;
  }
  for (let i = lo + 1; i < hi; i++) {
    const t = a[i];
    let j = i - 1;
    while (j >= lo && a[j] > t) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = t;
  }
}

/** Copies coordinates [b0, b1) of every vector into tile[(i − b0)·n + k] (one column per coordinate). */
function fillTile(tile: Float64Array, vectors: readonly Float32Array[], b0: number, b1: number): void {
  const n = vectors.length;
  for (let k = 0; k < n; k++) {
    const v = vectors[k];
    for (let i = b0, t = k; i < b1; i++, t += n) tile[t] = v[i];
  }
}

function coordinateMedian(vectors: readonly Float32Array[], out: Float32Array): void {
  const n = vectors.length;
  const d = out.length;
  const mid = n >> 1;
  const odd = n % 2 === 1;
  const block = tileCoordinates(n, 8);
  const tile = new Float64Array(n * Math.min(d, block));
  for (let b0 = 0; b0 < d; b0 += block) {
    const b1 = Math.min(d, b0 + block);
    fillTile(tile, vectors, b0, b1);
    for (let i = b0, lo = 0; i < b1; i++, lo += n) {
      selectRank(tile, lo, lo + n, lo + mid);
      if (odd) {
        out[i] = tile[lo + mid];
      } else {
        let below = tile[lo];
        for (let t = lo + 1; t < lo + mid; t++) if (tile[t] > below) below = tile[t];
        out[i] = (below + tile[lo + mid]) / 2;
      }
    }
  }
}

function trimmedMean(vectors: readonly Float32Array[], cut: number, out: Float32Array): void {
  const n = vectors.length;
  const kept = n - 2 * cut;
  if (cut === 0) {
    // Nothing is cut: the plain mean, summed in client order as the reference does.
    weightedMean(vectors, new Float64Array(n).fill(1), kept, out);
    return;
  }
  const d = out.length;
  const block = tileCoordinates(n, 8);
  const tile = new Float64Array(n * Math.min(d, block));
  for (let b0 = 0; b0 < d; b0 += block) {
    const b1 = Math.min(d, b0 + block);
    fillTile(tile, vectors, b0, b1);
    for (let i = b0, lo = 0; i < b1; i++, lo += n) {
      selectRank(tile, lo, lo + n, lo + cut);
      if (kept > 1) selectRank(tile, lo + cut + 1, lo + n, lo + n - cut - 1);
      let s = 0;
      for (let t = lo + cut; t < lo + n - cut; t++) s += tile[t];
      out[i] = s / kept;
    }
  }
}

function pairwiseSquaredDistances(vectors: readonly Float32Array[], out: Float64Array): void {
  const n = vectors.length;
  out.fill(0);
  if (n < 2) return;
  const d = vectors[0].length;
  const block = tileCoordinates(n, 4);
  for (let b0 = 0; b0 < d; b0 += block) {
    const b1 = Math.min(d, b0 + block);
    for (let i = 0; i < n - 1; i++) {
      const a = vectors[i];
      const row = i * n;
      let j = i + 1;
      // Four pairs at a time: four independent float64 chains, each summed in coordinate order.
      for (; j + 4 <= n; j += 4) {
        const p0 = vectors[j], p1 = vectors[j + 1], p2 = vectors[j + 2], p3 = vectors[j + 3];
        let s0 = out[row + j], s1 = out[row + j + 1], s2 = out[row + j + 2], s3 = out[row + j + 3];
        for (let c = b0; c < b1; c++) {
          const x = a[c];
          const e0 = x - p0[c], e1 = x - p1[c], e2 = x - p2[c], e3 = x - p3[c];
          s0 += e0 * e0;
          s1 += e1 * e1;
          s2 += e2 * e2;
          s3 += e3 * e3;
        }
        out[row + j] = s0;
        out[row + j + 1] = s1;
        out[row + j + 2] = s2;
        out[row + j + 3] = s3;
      }
      for (; j < n; j++) {
        const p = vectors[j];
        let s = out[row + j];
        for (let c = b0; c < b1; c++) {
          const e = a[c] - p[c];
          s += e * e;
        }
        out[row + j] = s;
      }
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[j * n + i] = out[i * n + j];
}

/** The blocked TypeScript kernels: the default everywhere, and the only ones in a browser. */
export const BLOCKED_KERNELS: AggregationKernels = {
  name: 'blocked',
  weightedMean,
  weightedUpdateSum,
  coordinateMedian,
  trimmedMean,
  pairwiseSquaredDistances,
};
