import { test } from 'node:test';
import assert from 'node:assert/strict';
import { denseStepProducts, fractionOfLimit, mlpUnits, productFlops, stepLimit } from './sgemm-limit.js';

const close = (actual: number, expected: number, tolerance: number): void => {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);
};

test('denseStepProducts: the forward products, then each layer back to front with its weight and input gradients, in matMul terms', () => {
  const products = denseStepProducts([784, 256, 10], 128);

  assert.deepEqual(
    products.map((p) => [p.label, p.m, p.n, p.k, p.transposeA, p.transposeB, p.required]),
    [
      ['layer 1 forward', 128, 256, 784, false, false, true],
      ['layer 2 forward', 128, 10, 256, false, false, true],
      ['layer 2 weight gradient', 256, 10, 128, true, false, true],
      ['layer 2 input gradient', 128, 256, 10, false, true, true],
      ['layer 1 weight gradient', 784, 256, 128, true, false, true],
      ['layer 1 input gradient', 128, 784, 256, false, true, false],
    ],
  );
});

test("the MLP 784-256-128-10 at batch 128 is 180.3 MFLOP a step with every product (issue 13's count), 128.9 without the first layer's input gradient", () => {
  const products = denseStepProducts([784, 256, 128, 10], 128);

  const all = products.reduce((a, p) => a + productFlops(p), 0);
  const required = products.filter((p) => p.required).reduce((a, p) => a + productFlops(p), 0);

  assert.equal(products.length, 9);
  assert.equal(all, 3 * 2 * 128 * (784 * 256 + 256 * 128 + 128 * 10));
  assert.equal(all, 180_289_536);
  assert.equal(required, all - 2 * 128 * 784 * 256);
});

test('stepLimit at a uniform 120 GFLOP/s gives the issue\'s 1.5 ms per step and about 85,000 samples/s', () => {
  const products = denseStepProducts([784, 256, 128, 10], 128);
  const ms = products.map((p) => productFlops(p) / 120e6); // 120 GFLOP/s = 120e6 FLOP per ms

  const limit = stepLimit(products, ms, 128, 'all');

  close(limit.minMsPerStep, 1.5024, 1e-4);
  close(limit.maxSamplesPerSecond, 85_196.3, 0.1);
  close(limit.gflopsPerSecond, 120, 1e-9);
  assert.equal(limit.flops, 180_289_536);
});

test('stepLimit with the needed products only leaves out the unneeded product\'s time and FLOPs', () => {
  const products = denseStepProducts([4, 3, 2], 5);
  const ms = products.map((_, i) => i + 1); // 1..6 ms; the last product (layer 1 input gradient) is not needed

  const all = stepLimit(products, ms, 5, 'all');
  const required = stepLimit(products, ms, 5, 'required');

  assert.equal(all.minMsPerStep, 21);
  assert.equal(required.minMsPerStep, 15);
  assert.equal(required.flops, all.flops - 2 * 5 * 4 * 3);
  close(required.maxSamplesPerSecond, (5 * 1000) / 15, 1e-9);
});

test('fractionOfLimit: measured samples/s over the max the limit allows', () => {
  const products = denseStepProducts([784, 256, 128, 10], 128);
  const limit = stepLimit(products, products.map((p) => productFlops(p) / 120e6), 128, 'all');

  close(fractionOfLimit(62_384, limit), 0.732, 0.001); // PyTorch's MLP figure in issue 13: 73% of the limit
});

test('stepLimit refuses a missing or non-positive product time', () => {
  const products = denseStepProducts([4, 3, 2], 5);
  assert.throws(() => stepLimit(products, [1, 2], 5, 'all'), RangeError);
  assert.throws(() => stepLimit(products, [1, 2, 3, 0, 5, 6], 5, 'all'), RangeError);
  assert.throws(() => stepLimit(products, [1, 2, 3, Number.NaN, 5, 6], 5, 'all'), RangeError);
});

test('denseStepProducts refuses fewer than two widths or a non-positive size', () => {
  assert.throws(() => denseStepProducts([784], 128), RangeError);
  assert.throws(() => denseStepProducts([784, 0, 10], 128), RangeError);
  assert.throws(() => denseStepProducts([784, 10], 0), RangeError);
});

test('mlpUnits: input size, hidden widths and classes of an MLP workload; null for a CNN', () => {
  assert.deepEqual(mlpUnits({ spec: { type: 'mlp', hidden: [256, 128] }, inputShape: [28, 28], numClasses: 10 }), [784, 256, 128, 10]);
  assert.equal(mlpUnits({ spec: { type: 'cnn' }, inputShape: [28, 28, 1], numClasses: 10 }), null);
});
