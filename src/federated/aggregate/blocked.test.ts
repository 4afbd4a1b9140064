import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCKED_KERNELS, selectRank } from './blocked.js';
import { describeKernelsAgainstReference } from './testing.js';

describeKernelsAgainstReference('blocked', () => BLOCKED_KERNELS);

test('selectRank puts the value of every rank in place, with ties and ranges inside a larger array', () => {
  const values = [5, 3, 3, 9, -1, 0, 3, 7, 7, 2, 8, 1, 3, 3, 6, 4, 0, 11, -4, 3, 5, 5, 2];
  const sorted = [...values].sort((a, b) => a - b);
  for (let k = 0; k < values.length; k++) {
    const a = Float64Array.from([100, ...values, -100]);

    selectRank(a, 1, values.length + 1, k + 1);

    assert.equal(a[k + 1], sorted[k], `rank ${k}`);
    for (let t = 1; t <= k; t++) assert.ok(a[t] <= a[k + 1], `rank ${k}: ${a[t]} before it is not larger`);
    for (let t = k + 2; t <= values.length; t++) assert.ok(a[t] >= a[k + 1], `rank ${k}: ${a[t]} after it is not smaller`);
    assert.deepEqual([a[0], a[values.length + 1]], [100, -100], 'outside the range untouched');
  }
});
