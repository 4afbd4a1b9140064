import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataMalformedError, ShapeMismatchError } from '../../errors.js';
import { createRng } from '../../engine/random.js';
import { errorLike } from '../../engine/testing.js';
import { addInPlace, checkRingCapacity, decodeSum, maxFractionBits, quantizationErrorBound, quantize, subtractInPlace, type Quantization } from './ring.js';

const Q: Quantization = { clipRange: 8, fractionBits: 16 };
const uniform = (seed: number): (() => number) => {
  const rng = createRng(seed);
  return () => rng.next();
};

test('quantize clips to the range, scales, and stores negatives mod 2^32', () => {
  const x = Float32Array.from([0.5, -0.25, 100, -100, Infinity]);

  const q = quantize(x, Q, () => 0.5);

  // 0.5·2^16 = 32768 exactly (no rounding); −0.25·2^16 = −16384 → 2^32 − 16384; ±100 clip to ±8 → ±2^19
  assert.deepEqual(Array.from(q), [32768, 2 ** 32 - 16384, 2 ** 19, 2 ** 32 - 2 ** 19, 2 ** 19]);
});

test('stochastic rounding is unbiased: the mean of many roundings of 0.3 steps is 0.3 steps', () => {
  const q: Quantization = { clipRange: 1, fractionBits: 0 };
  const x = new Float32Array(20_000).fill(0.3);

  const out = quantize(x, q, uniform(7));

  const mean = out.reduce((s, v) => s + v, 0) / out.length;
  // Bernoulli(0.3) mean over 20,000 draws: std ≈ 0.0032; 5 std of slack
  assert.ok(Math.abs(mean - 0.3) < 0.017, `mean ${mean}`);
  assert.ok(out.every((v) => v === 0 || v === 1));
});

test('quantize refuses NaN', () => {
  assert.throws(() => quantize(Float32Array.from([0, NaN]), Q, Math.random), errorLike(DataMalformedError, /update\[1\] is NaN/));
});

test('add and subtract wrap mod 2^32 in place', () => {
  const a = Uint32Array.from([2 ** 32 - 1, 5]);

  addInPlace(a, Uint32Array.from([2, 1]));
  assert.deepEqual(Array.from(a), [1, 6]);
  subtractInPlace(a, Uint32Array.from([3, 1]));

  assert.deepEqual(Array.from(a), [2 ** 32 - 2, 5]);
  assert.throws(() => addInPlace(a, new Uint32Array(3)), ShapeMismatchError);
});

test('decodeSum of n quantized vectors is within n/scale of the float sum of the clipped values', () => {
  const n = 50;
  const rng = createRng(3);
  const random = uniform(4);
  const sum = new Uint32Array(100);
  const exact = new Float64Array(100);
  for (let c = 0; c < n; c++) {
    const v = Float32Array.from({ length: 100 }, () => (rng.next() * 2 - 1) * 10);
    addInPlace(sum, quantize(v, Q, random));
    for (let i = 0; i < 100; i++) exact[i] += Math.max(-8, Math.min(8, v[i]));
  }

  const decoded = decodeSum(sum, n, Q);

  const bound = quantizationErrorBound(n, Q);
  assert.equal(bound, 50 / 65536);
  for (let i = 0; i < 100; i++) assert.ok(Math.abs(decoded[i] - exact[i]) < bound, `coordinate ${i}: ${decoded[i]} vs ${exact[i]}`);
  assert.ok(decoded.some((v) => v < 0), 'negative sums decode as negative');
});

test('the ring capacity check names the cause and the fix', () => {
  // 4096 · 8 · 2^16 = 2^31: does not fit; 4095 does
  assert.doesNotThrow(() => checkRingCapacity(4095, Q));
  assert.throws(
    () => checkRingCapacity(4096, Q),
    errorLike(ConfigError, /a sum of 4096 clients can reach .* 2147483648, which does not fit below 2\^31/),
  );
  try {
    checkRingCapacity(4096, Q);
  } catch (err) {
    assert.match((err as ConfigError).hint ?? '', /lower clipRange or fractionBits \(at most 15 bits fit 4096 clients/);
  }
  assert.throws(() => decodeSum(new Uint32Array(1), 5000, Q), ConfigError);
  assert.throws(() => checkRingCapacity(3, { clipRange: 0, fractionBits: 16 }), errorLike(ConfigError, /clipRange: must be a finite number > 0/));
  assert.throws(() => checkRingCapacity(3, { clipRange: 1, fractionBits: 31 }), errorLike(ConfigError, /fractionBits: must be an integer in \[0, 30\]/));
});

test('maxFractionBits is the largest bits that fit', () => {
  // 1000 · 8 · 2^18 = 2,097,152,000 < 2^31 = 2,147,483,648; 2^19 does not fit
  assert.equal(maxFractionBits(1000, 8), 18);
  assert.equal(maxFractionBits(1, 1), 30);
});
