import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelHistograms, summarizeHistograms } from './histogram.js';
import { partitionLabels } from './registry.js';
import { assertPartition, balancedLabels } from './testing.js';

test('iid gives clients sizes floor(n / k) or one more, disjoint and covering', () => {
  const labels = balancedLabels(10, 103); // 1,030 samples

  const parts = partitionLabels(labels, 10, { numClients: 7, seed: 0, spec: { method: 'iid' } });

  assertPartition(parts, labels.length);
  // 1030 = 7 · 147 + 1: one client of 148, six of 147.
  assert.deepEqual(parts.map((p) => p.length).sort(), [147, 147, 147, 147, 147, 147, 148]);
});

test('iid clients see all classes in about equal proportions', () => {
  const labels = balancedLabels(10, 600);

  const parts = partitionLabels(labels, 10, { numClients: 10, seed: 3, spec: { method: 'iid' } });

  const histograms = labelHistograms(labels, 10, parts);
  const summary = summarizeHistograms(histograms);
  assert.equal(summary.meanClassesPresent, 10);
  assert.ok(summary.meanEffectiveClasses > 9.8, `effective classes ${summary.meanEffectiveClasses}`);
  for (const h of histograms) for (const count of h) assert.ok(Math.abs(count - 60) < 30, `count ${count}, expected about 60`);
});

test('iid with one client gives it every sample, in order', () => {
  const labels = balancedLabels(3, 5);

  const [only] = partitionLabels(labels, 3, { numClients: 1, seed: 9, spec: { method: 'iid' } });

  assert.deepEqual(Array.from(only), Array.from({ length: 15 }, (_, i) => i));
});
