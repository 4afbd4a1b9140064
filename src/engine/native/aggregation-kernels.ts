/**
 * The native addon's aggregation kernels (native/aggregate.cc) behind the AggregationKernels
 * interface, and the switch that makes the aggregation functions use them in Node. Node-only (it
 * loads the addon); the browser-safe aggregation code never imports it.
 */
import { loadNativeAddon, type NativeAddon } from './addon.js';
import { BLOCKED_KERNELS } from '../../federated/aggregate/blocked.js';
import { setAggregationKernels, type AggregationKernels } from '../../federated/aggregate/kernels.js';

/** The addon's kernels (the trimmed mean with nothing cut is the plain mean, as in TypeScript). */
export function nativeAggregationKernels(addon: NativeAddon): AggregationKernels {
  return {
    name: 'native',
    weightedMean: (vectors, weights, total, out) => addon.aggregateWeightedMean(vectors, weights, total, out),
    weightedUpdateSum: (global, vectors, weights, sum) => addon.aggregateWeightedUpdateSum(global, vectors, weights, sum),
    coordinateMedian: (vectors, out) => addon.aggregateCoordinateMedian(vectors, out),
    trimmedMean: (vectors, cut, out) => {
      if (cut === 0) addon.aggregateWeightedMean(vectors, new Float64Array(vectors.length).fill(1), vectors.length, out);
      else addon.aggregateTrimmedMean(vectors, cut, out);
    },
    pairwiseSquaredDistances: (vectors, out) => addon.aggregatePairwiseSquaredDistances(vectors, out),
  };
}

/**
 * Makes the aggregation functions use the native kernels when the addon loads (it is loaded on
 * the first aggregation, not here), else the blocked TypeScript ones. An addon built before
 * native/aggregate.cc existed lacks the kernels: then TypeScript too.
 */
export function useNativeAggregation(): void {
  setAggregationKernels(() => {
    const loaded = loadNativeAddon();
    if (!('addon' in loaded) || typeof loaded.addon.aggregateWeightedMean !== 'function') return BLOCKED_KERNELS;
    return nativeAggregationKernels(loaded.addon);
  });
}
