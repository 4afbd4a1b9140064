/**
 * The aggregation kernels: the inner loops of the weighted mean, median, trimmed mean and
 * pairwise distances, behind one small interface so that Node can swap in the native addon's
 * (native/aggregate.cc) while browsers keep the blocked TypeScript ones (blocked.ts). Every
 * kernel gets checked inputs (one length, one weight per vector) and fills a preallocated output.
 */
import { BLOCKED_KERNELS } from './blocked.js';

/** One implementation of the aggregation inner loops. */
export interface AggregationKernels {
  /** Who computes (`blocked`, `native`, `reference`), for benchmarks and tests. */
  readonly name: string;
  /**
   * out = Σ wₖ·vₖ / total per coordinate, summed in float64 in client order (vectors of weight 0
   * are skipped), rounded to float32 once.
   */
  weightedMean(vectors: readonly Float32Array[], weights: Float64Array, total: number, out: Float32Array): void;
  /** sum += Σ wₖ·(vₖ − global) per coordinate, in float64 in client order (weight 0 skipped). */
  weightedUpdateSum(global: Float32Array, vectors: readonly Float32Array[], weights: Float64Array, sum: Float64Array): void;
  /** out = the per-coordinate median (the mean of the two middle values for an even count). */
  coordinateMedian(vectors: readonly Float32Array[], out: Float32Array): void;
  /** out = the per-coordinate mean of the values left after cutting `cut` from each end. */
  trimmedMean(vectors: readonly Float32Array[], cut: number, out: Float32Array): void;
  /** out[i·n + j] = ||vᵢ − vⱼ||² in float64 (n·n values, symmetric, zero diagonal). */
  pairwiseSquaredDistances(vectors: readonly Float32Array[], out: Float64Array): void;
}

let provider: (() => AggregationKernels | undefined) | undefined;
let resolved: AggregationKernels | undefined;

/**
 * Installs the kernels the aggregation functions use: a function called once, on the first
 * aggregation, whose result (when defined) replaces the blocked TypeScript kernels. `undefined`
 * goes back to those. Node's coordinator installs the native addon's this way.
 */
export function setAggregationKernels(next: (() => AggregationKernels | undefined) | undefined): void {
  provider = next;
  resolved = undefined;
}

/** The kernels in use: the installed ones when they loaded, else the blocked TypeScript ones. */
export function aggregationKernels(): AggregationKernels {
  if (resolved === undefined) {
    resolved = provider?.() ?? BLOCKED_KERNELS;
  }
  return resolved;
}
