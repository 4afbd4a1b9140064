import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../engine/testing.js';
import { formatDelta, formatPercent, formatPoints, pairedInterval, roundedPercent, summarize, tQuantile } from './stats.js';

test('summarize gives the mean and the sample (n - 1) standard deviation', () => {
  const s = summarize([0.8, 0.9, 0.85, 0.75]);

  assertClose([s.mean, s.std], [0.825, Math.sqrt(0.0125 / 3)], 1e-12, 'mean and std');
  assert.equal(s.n, 4);
  assert.deepEqual(s.values, [0.8, 0.9, 0.85, 0.75]);
});

test('summarize of one value has std 0, of none NaN, and copies its input', () => {
  const input = [0.5];

  const one = summarize(input);
  const none = summarize([]);
  input.push(1);

  assert.deepEqual(one, { mean: 0.5, std: 0, n: 1, values: [0.5] });
  assert.ok(Number.isNaN(none.mean) && Number.isNaN(none.std));
  assert.equal(none.n, 0);
});

test('formatPercent shows mean ± std in percent, the mean alone for one seed, a dash for none', () => {
  assert.equal(formatPercent(summarize([0.8512, 0.8546])), '85.3 ± 0.2');
  assert.equal(formatPercent(summarize([0.8512])), '85.1');
  assert.equal(formatPercent(summarize([0.8512]), 2), '85.12');
  assert.equal(formatPercent(summarize([])), '—');
});

test('formatDelta shows signed percentage points', () => {
  assert.equal(formatDelta(summarize([0.034])), '+3.4');
  assert.equal(formatDelta(summarize([-0.002])), '-0.2');
  assert.equal(formatDelta(summarize([0])), '+0.0');
  assert.equal(formatDelta(summarize([-0.01, 0.006])), '-0.2 ± 1.1');
  assert.equal(formatDelta(summarize([0.02, 0.04]), 2), '+3.00 ± 1.41');
  assert.equal(formatDelta(summarize([])), '—');
});

test('formatDelta never prints -0.0 and keeps NaN visible', () => {
  assert.equal(formatDelta(summarize([-0.0004])), '+0.0');
  assert.equal(formatDelta(summarize([Number.NaN])), 'NaN');
});

test('formatPoints signs a fraction in percentage points, rounding before the sign', () => {
  assert.equal(formatPoints(0.054), '+5.4');
  assert.equal(formatPoints(-0.0216), '-2.2');
  assert.equal(formatPoints(-0.0004), '+0.0');
  assert.equal(formatPoints(0.12345, 2), '+12.35');
});

test('roundedPercent is the percentage formatPercent prints', () => {
  assert.equal(roundedPercent(0.79149), 79.1);
  assert.equal(roundedPercent(0.72351), 72.4);
  assert.equal(roundedPercent(0.72351, 2), 72.35);
  assert.equal(String(roundedPercent(0.8512)), formatPercent(summarize([0.8512])));
});

test('tQuantile gives the two-sided 95% Student t quantile: the table for df 1..30, 1.960 beyond', () => {
  assert.equal(tQuantile(1), 12.706);
  assert.equal(tQuantile(2), 4.303);
  assert.equal(tQuantile(9), 2.262);
  assert.equal(tQuantile(13), 2.16);
  assert.equal(tQuantile(30), 2.042);
  assert.equal(tQuantile(31), 1.96);
  assert.equal(tQuantile(1000), 1.96);
  const table = Array.from({ length: 30 }, (_, i) => tQuantile(i + 1));
  assert.ok(table.every((t, i) => i === 0 || t < table[i - 1]), 'decreasing in df');
});

test('tQuantile rejects other levels and non-positive or fractional degrees of freedom', () => {
  assert.throws(() => tQuantile(5, 0.9), /only the 95% level is supported, got 0.9/);
  assert.throws(() => tQuantile(0), /positive integer, got 0/);
  assert.throws(() => tQuantile(2.5), /positive integer, got 2.5/);
});

test('pairedInterval is mean ± t(n-1) * std / sqrt(n) of the differences', () => {
  // n = 2: std = 0.02 * sqrt(2), so the half width is 12.706 * 0.02.
  const two = pairedInterval([0.02, 0.06]);
  assert.equal(two.n, 2);
  assertClose([two.mean, two.std, two.halfWidth, two.low, two.high], [0.04, 0.02 * Math.SQRT2, 0.25412, -0.21412, 0.29412], 1e-12, 'n = 2');

  // n = 3: std = 0.005, half width 4.303 * 0.005 / sqrt(3) = 0.01242169...
  const three = pairedInterval([0.029, 0.034, 0.039]);
  assertClose([three.mean, three.std, three.halfWidth], [0.034, 0.005, 0.0124216910], 1e-9, 'n = 3');
  assertClose([three.low, three.high], [0.0215783090, 0.0464216910], 1e-9, 'n = 3 bounds');

  // n = 36 (df 35, beyond the table): 18 x 0.01 and 18 x 0.03, std = 0.01 * sqrt(36 / 35).
  const many = pairedInterval([...Array<number>(18).fill(0.01), ...Array<number>(18).fill(0.03)]);
  assertClose([many.mean, many.halfWidth], [0.02, (1.96 * 0.01 * Math.sqrt(36 / 35)) / 6], 1e-12, 'n = 36');
});

test('pairedInterval has no bounds for fewer than 2 differences, and supports only 95%', () => {
  const one = pairedInterval([0.054]);
  assert.deepEqual([one.mean, one.std, one.n], [0.054, 0, 1]);
  assert.ok(Number.isNaN(one.halfWidth) && Number.isNaN(one.low) && Number.isNaN(one.high));
  const none = pairedInterval([]);
  assert.equal(none.n, 0);
  assert.ok([none.mean, none.std, none.halfWidth, none.low, none.high].every(Number.isNaN));
  assert.throws(() => pairedInterval([0.01, 0.02], 0.99), /pairedInterval: only the 95% level is supported, got 0.99/);
});

test('pairedInterval with zero spread is a point', () => {
  const p = pairedInterval([0.01, 0.01, 0.01]);

  assert.deepEqual([p.std, p.halfWidth], [0, 0]);
  assertClose([p.low, p.high], [0.01, 0.01], 1e-15, 'bounds');
});
