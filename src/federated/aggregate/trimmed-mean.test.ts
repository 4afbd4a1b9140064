import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, RoundRefusedError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { trimCount, trimmedMean } from './trimmed-mean.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);

test('trimmedMean cuts ⌊β·n⌋ values from each end of every coordinate', () => {
  const vectors = [f32(1, 50), f32(100, 40), f32(3, 30), f32(2, -1000), f32(4, 20)];
  const before = vectors.map((v) => Array.from(v));

  const out = trimmedMean(vectors, { beta: 0.2 });

  // n = 5, β = 0.2 → cut ⌊1⌋ = 1 from each end.
  // coordinate 0: sorted 1, 2, 3, 4, 100 → (2 + 3 + 4)/3 = 3
  // coordinate 1: sorted −1000, 20, 30, 40, 50 → (20 + 30 + 40)/3 = 30
  assertClose(out, [3, 30], 1e-7, 'trimmed mean');
  assert.deepEqual(vectors.map((v) => Array.from(v)), before, 'inputs not mutated');
});

test('trimmedMean with ⌊β·n⌋ = 0 is the plain mean', () => {
  // n = 5, β = 0.1 → cut ⌊0.5⌋ = 0; mean (1 + 2 + 3 + 4 + 100)/5 = 22
  assert.equal(trimCount(5, 0.1), 0);
  assertClose(trimmedMean([f32(1), f32(2), f32(3), f32(4), f32(100)], { beta: 0.1 }), [22], 1e-7, 'untrimmed');
});

test('trimmedMean with n = 10, β = 0.3 cuts 3 from each end', () => {
  const vectors = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((x) => f32(x * x));
  // values 0, 1, 4, 9, 16, 25, 36, 49, 64, 81; keep 9, 16, 25, 36 → 86/4 = 21.5
  assertClose(trimmedMean(vectors, { beta: 0.3 }), [21.5], 1e-7, 'trimmed');
});

test('trimmedMean refuses β outside [0, 0.5) and zero vectors', () => {
  assert.throws(() => trimmedMean([f32(1)], { beta: 0.5 }), errorLike(ConfigError, /beta: must be in \[0, 0\.5\), got 0\.5/));
  assert.throws(() => trimmedMean([f32(1)], { beta: -0.1 }), ConfigError);
  assert.throws(() => trimmedMean([], { beta: 0.2 }), RoundRefusedError);
});
