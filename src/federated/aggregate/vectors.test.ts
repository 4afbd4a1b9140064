import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeMismatchError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { assertSameLength, difference, distance, norm, squaredDistance } from './vectors.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);

test('assertSameLength names the client whose vector has the wrong length', () => {
  const vectors = [f32(1, 2), f32(1, 2), f32(1)];

  assert.throws(
    () => assertSameLength(vectors, { labels: ['a', 'b', 'c'], what: 'parameter' }),
    errorLike(ShapeMismatchError, /client 'c' has 1 parameter values, expected 2/),
  );
  assert.throws(() => assertSameLength(vectors), errorLike(ShapeMismatchError, /vector 2 has 1 vector values, expected 2/));
  assert.throws(() => assertSameLength([f32(1, 2)], { expected: 3 }), errorLike(ShapeMismatchError, /expected 3/));
  assert.doesNotThrow(() => assertSameLength([]));
});

test('difference, norm and distances match hand arithmetic', () => {
  const a = f32(4, 6);
  const b = f32(1, 2);

  const d = difference(a, b);

  // (4−1, 6−2) = (3, 4); ||(3, 4)|| = 5; squared distance 9 + 16 = 25.
  assert.deepEqual(Array.from(d), [3, 4]);
  assert.equal(norm(d), 5);
  assert.equal(squaredDistance(a, b), 25);
  assert.equal(distance(a, b), 5);
  assert.deepEqual(Array.from(a), [4, 6], 'inputs untouched');
  assert.throws(() => difference(a, f32(1)), ShapeMismatchError);
});
