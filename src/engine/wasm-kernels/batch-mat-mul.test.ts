import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { registerWasmTrainingKernels } from './register.js';
import { assertClose, randomValues } from '../testing.js';

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const CASES: Case[] = [
  { a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
  { a: [5, 7], b: [3, 7], transposeA: false, transposeB: true },
  { a: [7, 5], b: [7, 3], transposeA: true, transposeB: false },
  { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
  { a: [2, 4, 6], b: [2, 6, 3], transposeA: false, transposeB: false },
  { a: [2, 6, 4], b: [2, 3, 6], transposeA: true, transposeB: true },
  { a: [3, 6, 4], b: [6, 5], transposeA: true, transposeB: false },
  { a: [1, 9, 4], b: [3, 5, 9], transposeA: true, transposeB: true },
  { a: [128, 64], b: [128, 32], transposeA: true, transposeB: false },
];

async function matMulOn(backend: string, c: Case, i: number): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const a = tf.tensor(randomValues(c.a.reduce((x, y) => x * y, 1), 100 + i), c.a);
    const b = tf.tensor(randomValues(c.b.reduce((x, y) => x * y, 1), 200 + i), c.b);
    return tf.matMul(a, b, c.transposeA, c.transposeB).dataSync() as Float32Array;
  });
}

describe('BatchMatMul override (wasm)', () => {
  test('matches cpu for every transpose combination, batched and broadcast', async () => {
    registerWasmTrainingKernels();
    for (const [i, c] of CASES.entries()) {
      const expected = await matMulOn('cpu', c, i);
      const actual = await matMulOn('wasm', c, i);
      assertClose(actual, expected, 1e-5, `a ${c.a} b ${c.b} tA ${c.transposeA} tB ${c.transposeB}`);
    }
  });

  test('gradients of matMul match cpu', async () => {
    registerWasmTrainingKernels();
    const grads = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const a = tf.tensor2d(randomValues(6 * 4, 1), [6, 4]);
        const b = tf.tensor2d(randomValues(4 * 3, 2), [4, 3]);
        const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([a, b]);
        return g.map((t) => t.dataSync() as Float32Array);
      });
    };
    const [cpu, wasm] = [await grads('cpu'), await grads('wasm')];
    cpu.forEach((g, i) => assertClose(wasm[i], g, 1e-5, `gradient ${i}`));
  });

  test('leaves no tensors or wasm buffers behind', async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    const a = tf.tensor2d(randomValues(64, 3), [8, 8]);
    const before = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        tf.matMul(a, a, true, true);
      });
    }
    assert.equal(tf.memory().numTensors, before);
    assert.equal(tf.engine().backend.numDataIds(), dataIds);
    a.dispose();
  });
});
