import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelHistograms, summarizeHistograms } from './histogram.js';
import { partitionLabels } from './registry.js';
import { assertPartition, balancedLabels } from './testing.js';

const labels = balancedLabels(10, 1_000); // 10,000 samples

test('quantity skew varies client sizes, more so for small beta, and keeps minSize', () => {
  const skewed = partitionLabels(labels, 10, { numClients: 10, seed: 0, spec: { method: 'quantity', beta: 0.5 } });
  const mild = partitionLabels(labels, 10, { numClients: 10, seed: 0, spec: { method: 'quantity', beta: 50 } });

  assertPartition(skewed, labels.length);
  assertPartition(mild, labels.length);
  const s = summarizeHistograms(labelHistograms(labels, 10, skewed));
  const m = summarizeHistograms(labelHistograms(labels, 10, mild));
  assert.ok(s.sizeCv > 0.4, `size CV at beta 0.5: ${s.sizeCv}`);
  assert.ok(m.sizeCv < 0.25, `size CV at beta 50: ${m.sizeCv}`);
  assert.ok(s.minSize >= 10, `smallest client ${s.minSize}`);
});

test('quantity skew keeps the labels of every client roughly IID', () => {
  const parts = partitionLabels(labels, 10, { numClients: 10, seed: 1, spec: { method: 'quantity', beta: 0.5, minSize: 200 } });

  for (const h of labelHistograms(labels, 10, parts)) {
    const n = h.reduce((a, b) => a + b, 0);
    for (const count of h) {
      // Binomial(n, 0.1): within 5 standard deviations.
      const sd = Math.sqrt(n * 0.1 * 0.9);
      assert.ok(Math.abs(count - n / 10) < 5 * sd, `count ${count} of ${n}`);
    }
  }
});
