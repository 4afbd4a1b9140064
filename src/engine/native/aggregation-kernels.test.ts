import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregationKernels, setAggregationKernels } from '../../federated/aggregate/kernels.js';
import { describeKernelsAgainstReference } from '../../federated/aggregate/testing.js';
import { weightedMean } from '../../federated/aggregate/weighted-mean.js';
import { loadNativeAddon } from './addon.js';
import { nativeAggregationKernels, useNativeAggregation } from './aggregation-kernels.js';
import { NATIVE_SKIP } from './testing.js';

const loaded = loadNativeAddon();
const native = 'addon' in loaded ? nativeAggregationKernels(loaded.addon) : undefined;

describeKernelsAgainstReference('native', () => native ?? assert.fail('no addon'), { skip: NATIVE_SKIP, exactDistances: false });

test('native results do not depend on the thread count', { skip: NATIVE_SKIP }, () => {
  if (!('addon' in loaded) || native === undefined) return;
  const vectors = Array.from({ length: 9 }, (_, k) => Float32Array.from({ length: 300_001 }, (_, i) => Math.sin(i * 0.37 + k) * (k + 1)));
  const weights = Float64Array.from(vectors, (_, k) => k + 1);
  const run = (threads: number): { mean: Float32Array; dist: Float64Array } => {
    loaded.addon.setThreads(threads);
    const mean = new Float32Array(300_001);
    native.weightedMean(vectors, weights, 45, mean);
    const dist = new Float64Array(81);
    native.pairwiseSquaredDistances(vectors, dist);
    return { mean, dist };
  };
  const before = loaded.addon.getThreads();
  try {
    const one = run(1);
    const two = run(2);

    assert.deepEqual(two.mean, one.mean);
    assert.deepEqual(two.dist, one.dist);
  } finally {
    loaded.addon.setThreads(before);
  }
});

test('useNativeAggregation makes the aggregation functions use the addon (TypeScript otherwise)', () => {
  useNativeAggregation();
  try {
    const out = weightedMean([Float32Array.of(1, 2), Float32Array.of(3, 6)], [1, 3]);

    assert.deepEqual(Array.from(out), [2.5, 5]);
    assert.equal(aggregationKernels().name, NATIVE_SKIP === false ? 'native' : 'blocked');
  } finally {
    setAggregationKernels(undefined);
  }
  assert.equal(aggregationKernels().name, 'blocked');
});
