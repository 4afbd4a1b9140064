import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { maliciousCount, selectMaliciousIds, selectMaliciousIndices } from './select-malicious.js';

test('maliciousCount is round(fraction · n), halves up, and exact for binary-inexact products', () => {
  assert.equal(maliciousCount(10, 0.2), 2);
  assert.equal(maliciousCount(10, 0.25), 3);
  assert.equal(maliciousCount(7, 0.2), 1);
  assert.equal(maliciousCount(50, 0.29), 15); // 0.29 · 50 = 14.499999999999998 in floating point
  assert.equal(maliciousCount(10, 0), 0);
  assert.equal(maliciousCount(10, 1), 10);
  assert.equal(maliciousCount(0, 0.5), 0);
});

test('selectMaliciousIndices picks exactly round(fraction · n) distinct clients, sorted, seeded', () => {
  const a = selectMaliciousIndices({ numClients: 100, fraction: 0.3, seed: 5 });
  const b = selectMaliciousIndices({ numClients: 100, fraction: 0.3, seed: 5 });
  const c = selectMaliciousIndices({ numClients: 100, fraction: 0.3, seed: 6 });

  assert.equal(a.length, 30);
  assert.equal(new Set(a).size, 30);
  assert.ok(a.every((i, k) => i >= 0 && i < 100 && (k === 0 || i > a[k - 1])));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('selectMaliciousIds depends on the set of ids, not their order', () => {
  const ids = Array.from({ length: 20 }, (_, i) => `client-${i}`);

  const a = selectMaliciousIds({ clientIds: ids, fraction: 0.2, seed: 3 });
  const b = selectMaliciousIds({ clientIds: [...ids].reverse(), fraction: 0.2, seed: 3 });

  assert.equal(a.size, 4);
  assert.deepEqual([...a].sort(), [...b].sort());
  for (const id of a) assert.ok(ids.includes(id));
});

test('bad fractions and repeated ids are ConfigErrors naming the field', () => {
  assert.throws(() => selectMaliciousIndices({ numClients: 10, fraction: 1.5, seed: 0 }), errorLike(ConfigError, /^attack\.fraction: must be in \[0, 1\], got 1\.5/));
  assert.throws(() => selectMaliciousIds({ clientIds: ['a', 'b', 'a'], fraction: 0.5, seed: 0 }), errorLike(ConfigError, /^clientIds: client id 'a' is listed more than once/));
});
