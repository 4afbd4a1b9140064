import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../engine/testing.js';
import { formatDelta, formatPercent, summarize } from './stats.js';

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
