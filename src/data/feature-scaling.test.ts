import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyImpute, applyScaling, fitImputeValues, fitScaling, hasMissing } from './feature-scaling.js';

const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-6): void => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `at ${i}: ${actual[i]} vs ${expected[i]}`);
};

test('standardize fits mean and population std per feature; a constant feature gets scale 1', () => {
  // feature 0: 1, 3 (mean 2, std 1); feature 1: 5, 5 (constant)
  const train = Float64Array.from([1, 5, 3, 5]);

  const s = fitScaling(train, 2, 'standardize');

  close(s.offset, [2, 5]);
  close(s.scale, [1, 1]);
  close(applyScaling(train, 2, s), [-1, 0, 1, 0]);
  // other rows use the training statistics, not their own
  close(applyScaling(Float32Array.from([4, 7]), 2, s), [2, 2]);
});

test('min-max maps the training range to [0, 1] and leaves other rows outside it', () => {
  const train = Float32Array.from([0, 10, 4, 30, 2, 20]);

  const s = fitScaling(train, 2, 'min-max');

  close(s.offset, [0, 10]);
  close(s.scale, [4, 20]);
  close(applyScaling(train, 2, s), [0, 0, 1, 1, 0.5, 0.5]);
  close(applyScaling(Float32Array.from([8, 0]), 2, s), [2, -0.5]);
});

test('impute values are the means of the present values; a column missing everywhere gets 0', () => {
  const values = Float32Array.from([1, NaN, NaN, NaN, 3, NaN]);

  const impute = fitImputeValues(values, 2);
  const filled = applyImpute(values, 2, impute);

  close(impute, [2, 0]);
  close(filled, [1, 0, 2, 0, 3, 0]);
  assert.equal(hasMissing(values), true);
  assert.equal(hasMissing(filled), false);
});

test('mismatched widths are refused', () => {
  assert.throws(() => fitScaling(Float32Array.from([1, 2, 3]), 2, 'standardize'), RangeError);
  assert.throws(() => applyScaling(Float32Array.from([1, 2]), 2, { method: 'standardize', offset: [0], scale: [1] }), /a scaling of 1 features for rows of 2/);
  assert.throws(() => applyImpute(Float32Array.from([1, 2]), 2, [0]), /impute values for 1 features/);
});
