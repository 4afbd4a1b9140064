import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { buildGraph, defaultNeighbourCount, defaultThreshold } from './graph.js';

const ids = (n: number): number[] => Array.from({ length: n }, (_, i) => i * 3 + 1);

test('defaults: k = min(n − 1, 2⌈log2 n⌉), t = ⌊k/2⌋ + 1', () => {
  assert.deepEqual([3, 10, 100, 1000, 4096].map(defaultNeighbourCount), [2, 8, 14, 20, 24]);
  assert.deepEqual([2, 8, 9, 20].map(defaultThreshold), [2, 5, 5, 11]);
});

test('the Harary graph is k-regular, symmetric, loop-free and connected', () => {
  const g = buildGraph(ids(50), 8, 42);

  for (const [i, ns] of g) {
    assert.equal(ns.length, 8, `degree of ${i}`);
    assert.ok(!ns.includes(i));
    assert.equal(new Set(ns).size, 8);
    for (const j of ns) assert.ok(g.get(j)!.includes(i), `${i}–${j} symmetric`);
  }
  const seen = new Set([1]);
  const stack = [1];
  while (stack.length > 0) {
    for (const j of g.get(stack.pop()!)!) {
      if (!seen.has(j)) {
        seen.add(j);
        stack.push(j);
      }
    }
  }
  assert.equal(seen.size, 50);
});

test('the graph is a function of the seed and the id set, not of their order', () => {
  const a = buildGraph(ids(30), 6, 7);
  const b = buildGraph([...ids(30)].reverse(), 6, 7);
  const c = buildGraph(ids(30), 6, 8);

  assert.deepEqual([...a.entries()].sort(), [...b.entries()].sort());
  assert.notDeepEqual([...a.entries()].sort(), [...c.entries()].sort());
});

test('k ≥ n − 1 gives the complete graph; odd k below n − 1 is refused', () => {
  const g = buildGraph(ids(5), 4, 1);
  assert.deepEqual(g.get(1), [4, 7, 10, 13]);
  assert.throws(() => buildGraph(ids(10), 5, 1), errorLike(ConfigError, /must be even when below n − 1 = 9/));
  assert.throws(() => buildGraph([1, 1, 2], 2, 1), errorLike(ConfigError, /duplicate client id 1/));
});
