import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Measurement } from './measure.js';
import type { TorchMeasurement } from './pytorch.js';
import type { SgemmChildResult } from './sgemm-child.js';
import { denseStepProducts, productFlops } from './sgemm-limit.js';
import { formatComparisons, formatCount, formatLimits, formatProducts, summarizeThroughput, type Run } from './throughput-report.js';

const close = (actual: number, expected: number, tolerance: number): void => {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);
};

/** A jointly run with only the fields the summary reads filled in. */
const jointly = (model: string, threads: number, repeat: number, samplesPerSecond: number, cpuShare = 1): Run => ({
  kind: 'jointly', model, threads, repeat, load: 0, requested: 'auto', backend: 'native', samplesPerSecond, msPerStep: 1000 / samplesPerSecond, cpuShare, detail: {} as Measurement,
});
const torch = (model: string, threads: number, repeat: number, samplesPerSecond: number, cpuShare = 1): Run => ({
  kind: 'pytorch', model, threads, repeat, load: 0, samplesPerSecond, msPerStep: 1000 / samplesPerSecond, cpuShare, detail: {} as TorchMeasurement,
});

/** An sgemm run of the MLP at a uniform `gflops` (every product at that rate). */
const sgemm = (threads: number, repeat: number, gflops: number, gemm: 'onednn' | 'openblas' = 'openblas'): Run => {
  const products = denseStepProducts([784, 256, 128, 10], 128);
  const detail: SgemmChildResult = {
    model: 'mlp', batchSize: 128, units: [784, 256, 128, 10], gemm, threads, openblasThreads: threads, openblasCore: 'Haswell', products,
    measurement: { passes: 10, seconds: 1, products: products.map((p) => ({ label: p.label, m: p.m, n: p.n, k: p.k, msMean: productFlops(p) / (gflops * 1e6), msMedian: 0, msMin: 0, gflopsPerSecond: gflops })) },
  };
  return { kind: 'sgemm', model: 'mlp', threads, repeat, load: 0, detail };
};

test('summarizeThroughput: medians over repetitions, the ratio of medians, and the paired ratios per round', () => {
  const runs = [
    jointly('mlp', 1, 0, 100, 1.3), torch('mlp', 1, 0, 200, 1.0),
    jointly('mlp', 1, 1, 300, 1.4), torch('mlp', 1, 1, 100, 0.9),
    jointly('mlp', 1, 2, 200, 1.2), torch('mlp', 1, 2, 150, 1.0),
    jointly('cnn', 2, 0, 50), torch('cnn', 2, 0, 25),
  ];

  const { comparisons, limits } = summarizeThroughput(runs);

  assert.equal(comparisons.length, 2);
  const mlp = comparisons[0];
  assert.deepEqual([mlp.model, mlp.threads, mlp.jointly.label, mlp.jointly.runs], ['mlp', 1, 'jointly native', 3]);
  assert.equal(mlp.jointly.samplesPerSecond, 200);
  assert.equal(mlp.jointly.minSamplesPerSecond, 100);
  assert.equal(mlp.jointly.maxSamplesPerSecond, 300);
  assert.equal(mlp.jointly.cpuShare, 1.3);
  assert.equal(mlp.pytorch?.samplesPerSecond, 150);
  close(mlp.ratio ?? Number.NaN, 200 / 150, 1e-12);
  assert.deepEqual(mlp.pairedRatios, [0.5, 3, 200 / 150]);
  assert.deepEqual([comparisons[1].model, comparisons[1].threads, comparisons[1].ratio], ['cnn', 2, 2]);
  assert.deepEqual(limits, []);
});

test('summarizeThroughput without PyTorch: no ratio, no pairs', () => {
  const [c] = summarizeThroughput([jointly('lenet', 1, 0, 10)]).comparisons;
  assert.equal(c.pytorch, null);
  assert.equal(c.ratio, null);
  assert.deepEqual(c.pairedRatios, []);
});

test('summarizeThroughput: the sgemm limit from the median product times over repetitions, and each side\'s fraction of it', () => {
  // Repetitions at 100, 120 and 140 GFLOP/s: the median of the mean product times is that of 120 GFLOP/s.
  const runs = [jointly('mlp', 1, 0, 42_598), torch('mlp', 1, 0, 62_384), sgemm(1, 0, 100), sgemm(1, 1, 140), sgemm(1, 2, 120)];

  const [limit] = summarizeThroughput(runs).limits;

  assert.equal(limit.gemm, 'openblas');
  assert.equal(limit.repeats, 3);
  close(limit.all.minMsPerStep, 1.5024, 1e-4);
  close(limit.all.gflopsPerSecond, 120, 1e-9);
  close(limit.required.flops, 128_909_312, 0);
  assert.deepEqual(limit.fractions.map((f) => f.label), ['jointly native', 'PyTorch']);
  close(limit.fractions[0].all, 0.5, 0.001);
  close(limit.fractions[1].all, 0.732, 0.001);
  assert.ok(limit.fractions[1].required < limit.fractions[1].all);
  assert.equal(limit.products.length, 9);
  close(limit.products[0].gflopsPerSecond, 120, 1e-9);
});

test('formatComparisons: one aligned row per model and thread count with counts, spread, CPU share and the ratio', () => {
  const { comparisons } = summarizeThroughput([jointly('mlp', 1, 0, 38_145, 1.35), torch('mlp', 1, 0, 62_384, 1.0), jointly('mlp', 1, 1, 40_000, 1.3), torch('mlp', 1, 1, 60_000, 1.0)]);

  const lines = formatComparisons(comparisons).split('\n');

  assert.equal(lines.length, 3); // header, rule, one row
  assert.match(lines[0], /^model +threads +jointly +samples\/s +spread +CPU +PyTorch samples\/s +spread +CPU +jointly\/PyTorch +paired range$/);
  assert.match(lines[2], /^mlp +1 +native +39,073 +5% +1.33 +61,192 +4% +1.00 +0.64× +0.61-0.67$/);
  const widths = new Set(lines.map((l) => l.length));
  assert.equal(widths.size, 1, 'every line is as wide');
});

test('formatLimits and formatProducts: the limit both ways with the fractions, and GFLOP/s per product per thread count', () => {
  const { limits } = summarizeThroughput([jointly('mlp', 1, 0, 42_598), torch('mlp', 1, 0, 62_384), sgemm(1, 0, 120), sgemm(2, 0, 200), jointly('mlp', 2, 0, 50_000)]);

  const table = formatLimits(limits).split('\n');
  const products = formatProducts(limits).split('\n');

  assert.equal(table.length, 2 + 4);
  assert.match(table[0], /^model +threads +sgemm +products +MFLOP\/step +GFLOP\/s +min ms\/step +max samples\/s +native % of limit +PyTorch % of limit$/);
  assert.match(table[2], /^mlp +1 +OpenBLAS +3 per layer +180.3 +120.0 +1.502 +85,196 +50% +73%$/);
  assert.match(table[3], /^mlp +1 +OpenBLAS +needed only +128.9 +120.0 +1.074 +/);
  assert.match(table[4], /^mlp +2 +OpenBLAS +3 per layer +180.3 +200.0 +0.901 +141,994 +35% +-$/);
  assert.match(products[0], /^product +m×n×k +GFLOP\/s 1t OpenBLAS +GFLOP\/s 2t OpenBLAS +ms 1t OpenBLAS +ms 2t OpenBLAS$/);
  assert.match(products.at(-1) ?? '', /^layer 1 input gradient \(not needed\) +128×784×256 +120.0 +200.0 /);
});

test('summarizeThroughput: one limit per sgemm library, each with every side\'s fraction', () => {
  const runs = [jointly('mlp', 1, 0, 100_000), torch('mlp', 1, 0, 60_000), sgemm(1, 0, 200, 'onednn'), sgemm(1, 0, 100, 'openblas'), sgemm(1, 1, 220, 'onednn'), sgemm(1, 1, 100, 'openblas')];

  const { limits } = summarizeThroughput(runs);
  const table = formatLimits(limits).split('\n');

  assert.deepEqual(limits.map((l) => [l.gemm, l.repeats]), [['onednn', 2], ['openblas', 2]]);
  // The median of two repetitions is the mean of their times: the harmonic mean of the rates.
  close(limits[0].all.gflopsPerSecond, 2 / (1 / 200 + 1 / 220), 1e-6);
  close(limits[1].all.gflopsPerSecond, 100, 1e-9);
  assert.ok(limits[0].fractions[0].all < limits[1].fractions[0].all, 'the faster library sets the lower fraction');
  assert.match(table[2], /^mlp +1 +oneDNN +3 per layer /);
  assert.match(table[4], /^mlp +1 +OpenBLAS +3 per layer /);
});

test('formatCount groups thousands and rounds', () => {
  assert.equal(formatCount(85_196.6), '85,197');
  assert.equal(formatCount(12.4), '12');
});
