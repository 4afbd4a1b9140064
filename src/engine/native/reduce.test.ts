/** Sum, Mean, Max and Min on native against cpu, over axis sets (contiguous or not), keepDims and gradients. Tolerance 1e-5 (scaled). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assertClose, randomValues } from '../testing.js';
import { reductionView, REDUCE_KERNEL_NAMES } from './reduce.js';
import { cpuAndNative, NATIVE_SKIP } from './testing.js';

const TOL = 1e-5;
const tensor = (shape: number[], seed: number): tf.Tensor => tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);

const REDUCE: Record<string, (x: tf.Tensor, axis?: number | number[], keepDims?: boolean) => tf.Tensor> = {
  Sum: tf.sum,
  Mean: tf.mean,
  Max: tf.max,
  Min: tf.min,
};

const CASES: { shape: number[]; axis?: number | number[] }[] = [
  { shape: [128, 10] },
  { shape: [128, 10], axis: 0 },
  { shape: [128, 10], axis: -1 },
  { shape: [4, 5, 6], axis: [1, 2] },
  { shape: [4, 5, 6], axis: 1 },
  { shape: [4, 5, 6], axis: [0, 2] },
  { shape: [64, 13, 13, 16], axis: [0, 1, 2] },
];

describe('reductions (native)', { skip: NATIVE_SKIP }, () => {
  test('every overridden reduction is tested', () => {
    assert.deepEqual([...REDUCE_KERNEL_NAMES].sort(), Object.keys(REDUCE).sort());
  });

  test('reductionView splits a shape into [outer, reduce, inner] for contiguous axes only', () => {
    assert.deepEqual(reductionView([2, 3, 4, 5], [1, 2]), [2, 12, 5]);
    assert.deepEqual(reductionView([2, 3, 4, 5], [0, 1, 2, 3]), [1, 120, 1]);
    assert.equal(reductionView([2, 3, 4], [0, 2]), null);
  });

  for (const [name, op] of Object.entries(REDUCE)) {
    test(`${name}: forward (with and without keepDims) and gradient match cpu`, async () => {
      for (const [i, c] of CASES.entries()) {
        for (const keepDims of [false, true]) {
          const { cpu, native } = await cpuAndNative(() => {
            const x = tensor(c.shape, 80 + i);
            const y = op(x, c.axis, keepDims);
            const w = tensor(y.shape, 90 + i);
            return [y, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a, c.axis, keepDims), w)))(x), tf.tensor1d(y.shape.length === 0 ? [] : y.shape)];
          });
          cpu.forEach((v, k) => assertClose(native[k], v, TOL, `${name} ${c.shape} axis ${JSON.stringify(c.axis)} keepDims ${keepDims} output ${k}`));
        }
      }
    });
  }
});
