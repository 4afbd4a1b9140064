/** Slice, SplitV, Concat and Transpose on native against cpu: every rank up to 4, every axis, float32, int32 and bool, forward and gradient (exact). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { randomValues } from '../testing.js';
import { sliceValues, splitSizes } from './slice-concat.js';
import { cpuAndNative, NATIVE_SKIP } from './testing.js';

const tensor = (shape: number[], seed: number, dtype: 'float32' | 'int32' | 'bool' = 'float32'): tf.Tensor => {
  const v = randomValues(shape.reduce((a, b) => a * b, 1), seed);
  return dtype === 'float32' ? tf.tensor(v, shape) : dtype === 'int32' ? tf.tensor(Int32Array.from(v, (x) => Math.round(x * 100)), shape, 'int32') : tf.tensor(Uint8Array.from(v, (x) => (x > 0 ? 1 : 0)), shape, 'bool');
};

test('splitSizes resolves -1 anywhere and leaves its argument alone', () => {
  const sizes = [-1, 3];
  assert.deepEqual(splitSizes(5, sizes), [2, 3]);
  assert.deepEqual(sizes, [-1, 3]);
  assert.deepEqual(splitSizes(6, 3), [2, 2, 2]);
  assert.equal(splitSizes(5, [2, 2]), null);
  assert.equal(splitSizes(5, 2), null);
});

test('sliceValues copies the box by contiguous runs (worked by hand)', () => {
  // [[0 1 2], [3 4 5], [6 7 8]] at rows 1..2, columns 1..2: [[4 5], [7 8]].
  const out = sliceValues(Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]), [3, 3], [1, 1], [2, 2], new Float32Array(4));
  assert.deepEqual(Array.from(out), [4, 5, 7, 8]);
});

describe('native Slice and Concat match cpu', { skip: NATIVE_SKIP }, () => {
  const cases: [number[], number[], number[]][] = [
    [[7], [2], [4]],
    [[128, 256], [0, 128], [128, 128]],
    [[128, 256], [3, 0], [-1, 100]],
    [[4, 5, 6], [1, 2, 3], [2, 3, -1]],
    [[3, 4, 5, 6], [0, 1, 0, 2], [3, 2, 5, 3]],
  ];
  for (const [shape, begin, size] of cases) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      test(`slice ${dtype} [${shape.join(', ')}] at [${begin.join(', ')}] size [${size.join(', ')}]`, async () => {
        const { cpu, native } = await cpuAndNative(() => tf.slice(tensor(shape, 1, dtype), begin, size));
        assert.deepEqual(Array.from(native[0]), Array.from(cpu[0]));
      });
    }
  }
  const concats: [number[][], number][] = [
    [[[5], [3]], 0],
    [[[128, 128], [128, 128]], 1],
    [[[2, 3], [4, 3], [1, 3]], 0],
    [[[2, 3, 4], [2, 1, 4], [2, 5, 4]], 1],
    [[[2, 3, 4], [2, 3, 2]], -1],
    [[[2, 0], [2, 3]], 1],
  ];
  for (const [shapes, axis] of concats) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      test(`concat ${dtype} ${shapes.map((s) => `[${s.join(', ')}]`).join(' + ')} on axis ${axis}`, async () => {
        const { cpu, native } = await cpuAndNative(() => tf.concat(shapes.map((s, i) => tensor(s, i + 2, dtype)), axis));
        assert.deepEqual(Array.from(native[0]), Array.from(cpu[0]));
      });
    }
  }
  for (const [shape, splits, axis] of [[[6, 10], [3, 7], 1], [[6, 10], 2, 0], [[2, 3, 8], [2, -1, 4], 2], [[5, 4], [3, -1], 0]] as [number[], number[] | number, number][]) {
    test(`split [${shape.join(', ')}] into ${JSON.stringify(splits)} on axis ${axis}`, async () => {
      // A fresh array each time: tfjs's cpu kernel writes the resolved -1 into the one it is given.
      const { cpu, native } = await cpuAndNative(() => tf.split(tensor(shape, 9), Array.isArray(splits) ? [...splits] : splits, axis));
      assert.equal(native.length, cpu.length);
      native.forEach((part, i) => assert.deepEqual(Array.from(part), Array.from(cpu[i])));
    });
  }
  for (const [shape, perm] of [[[3, 4], [1, 0]], [[64, 20, 4, 16], [0, 2, 1, 3]], [[2, 3, 4], [2, 0, 1]], [[5], [0]], [[2, 1, 3], [1, 2, 0]]] as [number[], number[]][]) {
    test(`transpose [${shape.join(', ')}] by [${perm.join(', ')}]`, async () => {
      const { cpu, native } = await cpuAndNative(() => [tf.transpose(tensor(shape, 11), perm), tf.transpose(tensor(shape, 12, 'int32'), perm)]);
      native.forEach((v, i) => assert.deepEqual(Array.from(v), Array.from(cpu[i])));
    });
  }
  test('the gradient of a concatenation (a split) matches', async () => {
    const f = (): tf.Tensor[] => {
      const a = tensor([16, 8], 5);
      const b = tensor([16, 4], 6);
      const w = tensor([12, 3], 7);
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(tf.concat([x, y], 1), w))));
      return g([a, b]);
    };
    const { cpu, native } = await cpuAndNative(f);
    for (let i = 0; i < 2; i++) {
      for (let k = 0; k < cpu[i].length; k++) assert.ok(Math.abs(native[i][k] - cpu[i][k]) <= 1e-4 * Math.max(1, Math.abs(cpu[i][k])), `grad ${i}[${k}]`);
    }
  });
});
