import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRefusedError, ShapeMismatchError } from '../../errors.js';
import { assertClose } from '../../engine/testing.js';
import { coordinateMedian } from './coordinate-median.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);

test('coordinateMedian takes the middle value per coordinate (odd count)', () => {
  const vectors = [f32(1, -5), f32(5, 0), f32(3, 100)];
  const before = vectors.map((v) => Array.from(v));

  const out = coordinateMedian(vectors);

  // coordinate 0: sorted 1, 3, 5 → 3; coordinate 1: sorted −5, 0, 100 → 0
  assertClose(out, [3, 0], 0, 'median');
  assert.deepEqual(vectors.map((v) => Array.from(v)), before, 'inputs not mutated');
});

test('coordinateMedian averages the two middle values (even count), like numpy', () => {
  // sorted 1, 2, 4, 10 → (2 + 4)/2 = 3
  assertClose(coordinateMedian([f32(1), f32(2), f32(10), f32(4)]), [3], 0, 'even median');
});

test('coordinateMedian of one vector is a copy of it', () => {
  const v = f32(7, 8);
  const out = coordinateMedian([v]);
  assert.deepEqual(Array.from(out), [7, 8]);
  assert.notEqual(out, v);
});

test('coordinateMedian refuses zero vectors and mismatched lengths', () => {
  assert.throws(() => coordinateMedian([]), RoundRefusedError);
  assert.throws(() => coordinateMedian([f32(1), f32(1, 2)]), ShapeMismatchError);
});
