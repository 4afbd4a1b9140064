import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import { assignClasses } from './classes-per-client.js';
import { labelHistograms } from './histogram.js';
import { partitionLabels } from './registry.js';
import { assertPartition, balancedLabels } from './testing.js';

const classesPresent = (h: number[]): number => h.filter((x) => x > 0).length;

test('classes: every client holds exactly k classes, and the partition is disjoint and covering', () => {
  const labels = balancedLabels(10, 300);

  const parts = partitionLabels(labels, 10, { numClients: 10, seed: 1, spec: { method: 'classes', perClient: 2 } });

  assertPartition(parts, labels.length);
  for (const h of labelHistograms(labels, 10, parts)) assert.equal(classesPresent(h), 2, `histogram ${h.join(' ')}`);
});

test('classes: each class is split equally (within one sample) among the clients holding it', () => {
  const labels = balancedLabels(10, 301);

  const parts = partitionLabels(labels, 10, { numClients: 20, seed: 5, spec: { method: 'classes', perClient: 3 } });

  const histograms = labelHistograms(labels, 10, parts);
  for (let c = 0; c < 10; c++) {
    const shares = histograms.map((h) => h[c]).filter((x) => x > 0);
    assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `class ${c}: shares ${shares.join(' ')}`);
    assert.equal(shares.reduce((a, b) => a + b, 0), 301);
  }
  for (const h of histograms) assert.equal(classesPresent(h), 3);
});

test('classes: with fewer clients than classes, every class is still held when clients · k ≥ classes', () => {
  const labels = balancedLabels(10, 50);

  const parts = partitionLabels(labels, 10, { numClients: 4, seed: 2, spec: { method: 'classes', perClient: 3 } });

  assertPartition(parts, labels.length); // covering: all 10 classes held by 4 · 3 = 12 slots
  for (const h of labelHistograms(labels, 10, parts)) assert.equal(classesPresent(h), 3);
});

test('classes: when clients · k < classes, the unheld classes are left out and documented as such', () => {
  const labels = balancedLabels(10, 20);

  const parts = partitionLabels(labels, 10, { numClients: 3, seed: 2, spec: { method: 'classes', perClient: 2 } });

  assertPartition(parts, labels.length, { covering: false });
  assert.equal(parts.reduce((n, p) => n + p.length, 0), 6 * 20, 'six classes held, four left out');
});

test('classes with k = numClasses gives every client every class', () => {
  const labels = balancedLabels(4, 40);

  const parts = partitionLabels(labels, 4, { numClients: 4, seed: 0, spec: { method: 'classes', perClient: 4 } });

  assertPartition(parts, labels.length);
  assert.deepEqual(labelHistograms(labels, 4, parts), Array.from({ length: 4 }, () => [10, 10, 10, 10]));
});

test('assignClasses gives k distinct classes per client and balances the first class over clients', () => {
  const held = assignClasses({ numClasses: 5, numClients: 10, perClient: 2, rng: createRng(8) });

  const firstCounts = new Array<number>(5).fill(0);
  for (const classes of held) {
    assert.equal(new Set(classes).size, 2);
    firstCounts[classes[0]]++;
  }
  assert.deepEqual(firstCounts, [2, 2, 2, 2, 2]);
});
