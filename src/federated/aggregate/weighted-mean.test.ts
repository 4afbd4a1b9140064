import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, RoundRefusedError, ShapeMismatchError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { mean, weightedMean, weightedUpdateSum } from './weighted-mean.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);

test('weightedMean weights each vector by its example count', () => {
  const vectors = [f32(1, 2), f32(3, 6)];
  const before = vectors.map((v) => Array.from(v));

  const out = weightedMean(vectors, [1, 3]);

  // ((1·1 + 3·3)/4, (1·2 + 3·6)/4) = (10/4, 20/4) = (2.5, 5)
  assertClose(out, [2.5, 5], 1e-7, 'weighted mean');
  assert.deepEqual(vectors.map((v) => Array.from(v)), before, 'inputs not mutated');
  assert.notEqual(out, vectors[0]);
});

test('mean is the uniform mean', () => {
  // ((1 + 3 + 8)/3, (0 + 0 + 3)/3) = (4, 1)
  assertClose(mean([f32(1, 0), f32(3, 0), f32(8, 3)]), [4, 1], 1e-7, 'mean');
});

test('weightedMean accumulates in float64: 100,000 copies of 0.1 average to float32(0.1) exactly', () => {
  const v = f32(0.1);
  const vectors = Array.from({ length: 100_000 }, () => v);

  const out = weightedMean(vectors, vectors.map(() => 1));

  // A float32 running sum of 0.1 drifts by ~1e-3 relative at this count; float64 does not.
  assert.equal(out[0], Math.fround(0.1));
});

test('weightedMean refuses empty input, mismatched weights or lengths, and bad weights', () => {
  assert.throws(() => weightedMean([], []), errorLike(RoundRefusedError, /at least one vector, got 0/));
  assert.throws(() => weightedMean([f32(1)], [1, 2]), errorLike(ConfigError, /2 weights for 1 vectors/));
  assert.throws(() => weightedMean([f32(1), f32(1, 2)], [1, 1]), errorLike(ShapeMismatchError, /vector 1 has 2/));
  assert.throws(() => weightedMean([f32(1)], [-1]), errorLike(ConfigError, /weights\.0: must be a finite number ≥ 0, got -1/));
  assert.throws(() => weightedMean([f32(1)], [NaN]), ConfigError);
  assert.throws(() => weightedMean([f32(1), f32(2)], [0, 0]), errorLike(ConfigError, /sum to 0/));
});

test('a vector of weight 0 does not contribute', () => {
  // (2·4 + 0·1000) / 2 = 4
  assertClose(weightedMean([f32(4), f32(1000)], [2, 0]), [4], 0, 'zero weight');
});

test('weightedUpdateSum keeps Σ wᵢ(vᵢ − x) and Σ wᵢ in float64, undivided', () => {
  const x = f32(1, 2);
  const vectors = [f32(2, 2), f32(4, 0)];

  const out = weightedUpdateSum(x, vectors, [1, 3]);

  // 1·((2, 2) − (1, 2)) + 3·((4, 0) − (1, 2)) = (1, 0) + (9, −6) = (10, −6); Σ w = 4
  assert.ok(out.sum instanceof Float64Array);
  assert.deepEqual(Array.from(out.sum), [10, -6]);
  assert.equal(out.total, 4);
  assert.deepEqual(Array.from(x), [1, 2], 'global not mutated');
});

test('weightedUpdateSum refuses what weightedMean refuses, and a global of another length', () => {
  assert.throws(() => weightedUpdateSum(f32(1), [], []), errorLike(RoundRefusedError, /at least one vector, got 0/));
  assert.throws(() => weightedUpdateSum(f32(1), [f32(1)], [1, 2]), errorLike(ConfigError, /2 weights for 1 vectors/));
  assert.throws(() => weightedUpdateSum(f32(1), [f32(1, 2)], [1]), ShapeMismatchError);
  assert.throws(() => weightedUpdateSum(f32(1), [f32(1)], [0]), errorLike(ConfigError, /sum to 0/));
});
