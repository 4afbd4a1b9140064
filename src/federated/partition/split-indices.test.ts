import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import { shuffledClassIndices, sortedParts, splitByProportions, splitEvenly } from './split-indices.js';

const range = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

test('splitEvenly gives the first length % parts pieces one more item, like numpy array_split', () => {
  const pieces = splitEvenly(range(10), 4);

  assert.deepEqual(pieces.map((p) => Array.from(p)), [[0, 1, 2], [3, 4, 5], [6, 7], [8, 9]]);
});

test('splitByProportions cuts at floor(cumsum(p) · n), the last piece taking the rest', () => {
  // cumsum = 0.25, 0.6, 1.0 over 10 items: cuts at 2 and 6.
  const pieces = splitByProportions(range(10), [0.25, 0.35, 0.4]);

  assert.deepEqual(pieces.map((p) => Array.from(p)), [[0, 1], [2, 3, 4, 5], [6, 7, 8, 9]]);
});

test('splitByProportions gives zero-proportion clients empty pieces', () => {
  const pieces = splitByProportions(range(5), [0, 1, 0]);

  assert.deepEqual(pieces.map((p) => p.length), [0, 5, 0]);
});

test('shuffledClassIndices groups every sample under its class, in a seeded order', () => {
  const labels = Int32Array.from([2, 0, 1, 2, 2, 0, 1, 0]);

  const a = shuffledClassIndices(labels, 4, createRng(3));
  const b = shuffledClassIndices(labels, 4, createRng(3));

  assert.deepEqual(a.map((idx) => Array.from(idx).sort()), [[1, 5, 7], [2, 6], [0, 3, 4], []]);
  assert.deepEqual(a, b);
});

test('sortedParts concatenates each client pieces and sorts them ascending', () => {
  const parts = sortedParts([[Int32Array.from([9, 3]), Int32Array.from([5])], []]);

  assert.deepEqual(parts.map((p) => Array.from(p)), [[3, 5, 9], []]);
});
