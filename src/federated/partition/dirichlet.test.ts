import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { labelHistograms, summarizeHistograms } from './histogram.js';
import { partitionLabels } from './registry.js';
import { assertPartition, balancedLabels } from './testing.js';

const labels = balancedLabels(10, 500); // 5,000 samples, 10 classes

function summaryFor(alpha: number, seed = 0): ReturnType<typeof summarizeHistograms> {
  const parts = partitionLabels(labels, 10, { numClients: 10, seed, spec: { method: 'dirichlet', alpha } });
  assertPartition(parts, labels.length);
  return summarizeHistograms(labelHistograms(labels, 10, parts));
}

test('dirichlet with small alpha gives each client a few dominant classes', () => {
  const summary = summaryFor(0.1);

  assert.ok(summary.meanEffectiveClasses < 3, `effective classes ${summary.meanEffectiveClasses}`);
  assert.ok(summary.minSize >= 10, `smallest client ${summary.minSize}`);
});

test('dirichlet with large alpha is near-uniform over the classes', () => {
  const summary = summaryFor(100);

  assert.ok(summary.meanEffectiveClasses > 9.5, `effective classes ${summary.meanEffectiveClasses}`);
  assert.equal(summary.meanClassesPresent, 10);
});

test('dirichlet skew weakens as alpha grows: 0.1 < 0.5 < 5 in effective classes per client', () => {
  const effective = [0.1, 0.5, 5].map((alpha) => summaryFor(alpha, 4).meanEffectiveClasses);

  assert.ok(effective[0] < effective[1] && effective[1] < effective[2], `effective classes ${effective.join(', ')}`);
});

test('dirichlet is disjoint and covering, and every client gets at least minSize samples', () => {
  const parts = partitionLabels(labels, 10, { numClients: 50, seed: 7, spec: { method: 'dirichlet', alpha: 0.3, minSize: 20 } });

  assertPartition(parts, labels.length);
  assert.equal(parts.length, 50);
  assert.ok(Math.min(...parts.map((p) => p.length)) >= 20);
});

test('dirichlet defaults to alpha 0.5 and minSize 10', () => {
  const a = partitionLabels(labels, 10, { numClients: 10, seed: 2, spec: { method: 'dirichlet' } });
  const b = partitionLabels(labels, 10, { numClients: 10, seed: 2, spec: { method: 'dirichlet', alpha: 0.5, minSize: 10 } });

  assert.deepEqual(a, b);
});

test('dirichlet fails with advice when minSize cannot be met in the allowed attempts', () => {
  // 50 clients of at least 19 samples out of 1,000 is possible in principle but never drawn at alpha 0.05.
  const few = balancedLabels(10, 100);
  assert.throws(
    () => partitionLabels(few, 10, { numClients: 50, seed: 0, spec: { method: 'dirichlet', alpha: 0.05, minSize: 19 } }),
    errorLike(ConfigError, /^partition\.minSize: no Dirichlet\(0\.05\) draw in 1000 attempts/),
  );
});
