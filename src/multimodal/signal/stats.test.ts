import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ColumnStats } from './stats.js';

test('mean and population std by hand; constant and empty columns get std 1', () => {
  const s = new ColumnStats(3);
  for (const x of [1, 2, 3, 6]) s.add(0, x); // mean 3, variance (4 + 1 + 0 + 9)/4 = 3.5
  for (let i = 0; i < 3; i++) s.add(1, 0.1);
  const { mean, std } = s.result();
  assert.ok(Math.abs(mean[0] - 3) < 1e-12 && Math.abs(std[0] - Math.sqrt(3.5)) < 1e-12);
  assert.deepEqual([mean[1], std[1]], [0.1, 1]);
  assert.deepEqual([mean[2], std[2]], [0, 1]);
  assert.equal(s.seen(0), 4);
  assert.equal(s.seen(2), 0);
});
