/** MaxPool, AvgPool and their gradients on native against cpu, over window sizes, strides and paddings. Tolerance 1e-5 (scaled). */
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { assertClose, randomValues } from '../testing.js';
import { cpuAndNative, NATIVE_SKIP } from './testing.js';

const TOL = 1e-5;

interface Case {
  x: [number, number, number, number];
  filterSize: [number, number];
  strides: [number, number];
  pad: 'valid' | 'same' | number;
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
  { x: [2, 7, 7, 2], filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
  { x: [1, 7, 9, 2], filterSize: [3, 3], strides: [2, 2], pad: 'same' },
  { x: [2, 6, 6, 4], filterSize: [3, 2], strides: [1, 1], pad: 'same' },
  { x: [1, 8, 8, 2], filterSize: [3, 3], strides: [2, 2], pad: 1 },
  { x: [3, 26, 26, 16], filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
];

const tensor = (shape: number[], seed: number): tf.Tensor => tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);
const label = (c: Case): string => `x ${c.x} window ${c.filterSize} strides ${c.strides} pad ${c.pad}`;

describe('pooling (native)', { skip: NATIVE_SKIP }, () => {
  for (const kind of ['max', 'avg'] as const) {
    test(`${kind} pooling: forward and gradient match cpu`, async () => {
      for (const [i, c] of CASES.entries()) {
        const { cpu, native } = await cpuAndNative(() => {
          const x = tensor(c.x, i);
          const pool = (a: tf.Tensor): tf.Tensor =>
            kind === 'max' ? tf.maxPool(a as tf.Tensor4D, c.filterSize, c.strides, c.pad) : tf.avgPool(a as tf.Tensor4D, c.filterSize, c.strides, c.pad);
          const y = pool(x);
          const weights = tensor(y.shape, 50 + i);
          return [y, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), weights)))(x)];
        });
        assertClose(native[0], cpu[0], TOL, `${kind} forward ${label(c)}`);
        assertClose(native[1], cpu[1], TOL, `${kind} gradient ${label(c)}`);
      }
    });
  }

  test('max pooling gives a tie to the first maximum of the window, as cpu does', async () => {
    const { cpu, native } = await cpuAndNative(() => {
      const x = tf.ones([1, 4, 4, 1]);
      return tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x);
    });
    assertClose(native[0], cpu[0], 0, 'tie gradient');
  });

  for (const [shape, pad] of [[[2, 6, 7, 5], 'valid'], [[1, 5, 5, 3], 'same']] as const) {
    test(`max pooling 2x2 stride 2 (${pad}, ${shape}) with many ties across channels matches cpu`, async () => {
      const { cpu, native } = await cpuAndNative(() => {
        const values = randomValues(shape.reduce((a: number, b: number) => a * b, 1), 77).map((v) => Math.floor(v * 3));
        const x = tf.tensor(values, [...shape]);
        const weights = tensor(tf.maxPool(x as tf.Tensor4D, 2, 2, pad).shape, 78);
        return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, pad), weights)))(x);
      });
      assertClose(native[0], cpu[0], 0, `tie gradient ${shape} ${pad}`);
    });
  }
});
