import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultThreshold } from './graph.js';
import { hypergeometricTail, neighboursForDropout } from './neighbours-for-dropout.js';

test('hypergeometricTail: exact small cases and the limits', () => {
  // 5 balls, 2 red, draw 2: P(2 red) = 1/C(5,2) = 0.1; P(≥ 1 red) = 1 − C(3,2)/C(5,2) = 0.7
  assert.ok(Math.abs(hypergeometricTail(5, 2, 2, 1) - 0.1) < 1e-12);
  assert.ok(Math.abs(hypergeometricTail(5, 2, 2, 0) - 0.7) < 1e-12);
  assert.equal(hypergeometricTail(10, 3, 8, 3), 0, 'never more than 3 of 3');
  assert.ok(Math.abs(hypergeometricTail(10, 3, 8, -1) - 1) < 1e-12);
});

test('neighboursForDropout: enough neighbours to survive 30% dropouts, no more than needed', () => {
  for (const n of [10, 20, 100, 1000]) {
    const k = neighboursForDropout(n, 0.3);
    const t = defaultThreshold(k);
    const bound = n * hypergeometricTail(n - 1, Math.floor(0.3 * n), k, k - t);
    assert.ok(bound <= 1e-6, `n=${n}: k=${k}, failure bound ${bound}`);
    assert.ok(k === n - 1 || k % 2 === 0, `n=${n}: k=${k} even or complete`);
    if (k > 8 && k !== n - 1) {
      const smaller = k - 2;
      assert.ok(n * hypergeometricTail(n - 1, Math.floor(0.3 * n), smaller, smaller - defaultThreshold(smaller)) > 1e-6, `n=${n}: k − 2 = ${smaller} would not do`);
    }
  }
  assert.equal(neighboursForDropout(10, 0.3), 8, '3 dropped of 10: 8 neighbours tolerate 3');
  assert.equal(neighboursForDropout(1000, 0), 20, 'no dropout: the O(log n) default');
});
