import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeMismatchError } from '../../errors.js';
import { assertClose } from '../../engine/testing.js';
import { stepByUpdateSum, stepTowards } from './server-step.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);

test('stepTowards: x + η·(a − x)', () => {
  const x = f32(1, -2);

  const out = stepTowards(x, f32(3, 2), 0.25);

  // (1, −2) + 0.25·((3, 2) − (1, −2)) = (1.5, −1)
  assertClose(out, [1.5, -1], 1e-7, 'step');
  assert.notEqual(out, x);
  assert.deepEqual(Array.from(x), [1, -2], 'global not mutated');
});

test('stepByUpdateSum: x + (η·sum)/total, rounded to float32 once', () => {
  const x = f32(0.1, 0.2);
  const sum = Float64Array.from([0.3, -0.6]);

  const out = stepByUpdateSum(x, sum, 3, 0.5);

  const expected = [Math.fround(Math.fround(0.1) + (0.5 * 0.3) / 3), Math.fround(Math.fround(0.2) + (0.5 * -0.6) / 3)];
  assert.deepEqual(Array.from(out), expected);
});

test('both refuse operands of different lengths', () => {
  assert.throws(() => stepTowards(f32(1), f32(1, 2), 1), ShapeMismatchError);
  assert.throws(() => stepByUpdateSum(f32(1), new Float64Array(2), 1, 1), ShapeMismatchError);
});
