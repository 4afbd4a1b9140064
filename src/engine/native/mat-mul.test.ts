/** BatchMatMul and _FusedMatMul on native against cpu: forward and gradients. Tolerance 1e-4 (scaled by the largest value). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { assertClose, randomValues } from '../testing.js';
import { GEMM_LIBRARIES, nativeAddon } from './addon.js';
import { cpuAndNative, NATIVE_SKIP, runOn } from './testing.js';

const TOL = 1e-4;

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
  { a: [2, 3, 4, 5], b: [2, 3, 5, 2], transposeA: false, transposeB: false },
  { a: [128, 784], b: [784, 256], transposeA: false, transposeB: false },
  { a: [1, 0], b: [0, 3], transposeA: false, transposeB: false },
];

const tensor = (shape: number[], seed: number): tf.Tensor => tf.tensor(randomValues(shape.reduce((x, y) => x * y, 1), seed), shape);
const label = (c: Case): string => `a ${c.a} b ${c.b} tA ${c.transposeA} tB ${c.transposeB}`;

describe('BatchMatMul (native)', { skip: NATIVE_SKIP }, () => {
  test('matches cpu for every transpose combination, batched and broadcast, and empty', async () => {
    for (const [i, c] of CASES.entries()) {
      const { cpu, native } = await cpuAndNative(() => tf.matMul(tensor(c.a, 10 + i), tensor(c.b, 20 + i), c.transposeA, c.transposeB));
      assertClose(native[0], cpu[0], TOL, label(c));
    }
  });

  test('matches cpu on each sgemm library (JOINTLY_GEMM), and the library is restored', async () => {
    const addon = nativeAddon();
    const before = addon.getGemm();
    try {
      for (const gemm of GEMM_LIBRARIES) {
        addon.setGemm(gemm);
        for (const [i, c] of CASES.entries()) {
          const f = (): tf.Tensor => tf.matMul(tensor(c.a, 10 + i), tensor(c.b, 20 + i), c.transposeA, c.transposeB);
          const [native] = await runOn('native', f);
          const [cpu] = await runOn('cpu', f);
          assertClose(native, cpu, TOL, `${gemm} ${label(c)}`);
        }
      }
    } finally {
      addon.setGemm(before);
    }
    assert.equal(addon.getGemm(), before);
    assert.throws(() => addon.setGemm('mkl' as never), /gemm must be 'onednn' or 'openblas', got 'mkl'/);
  });

  test('gradients match cpu', async () => {
    // tfjs's BatchMatMul gradient does not sum over broadcast batch dimensions (it fails on cpu
    // too), so only cases with equal batch dimensions.
    for (const [i, c] of CASES.slice(0, 6).entries()) {
      const { cpu, native } = await cpuAndNative(() => {
        const a = tensor(c.a, 30 + i);
        const b = tensor(c.b, 40 + i);
        return tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, c.transposeA, c.transposeB))))([a, b]);
      });
      cpu.forEach((g, k) => assertClose(native[k], g, TOL, `${label(c)} gradient ${k}`));
    }
  });
});

describe('_FusedMatMul (native)', { skip: NATIVE_SKIP }, () => {
  const activations = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;
  for (const activation of activations) {
    test(`${activation}, with and without bias: forward and gradients match cpu`, async () => {
      for (const [i, c] of CASES.slice(0, 6).entries()) {
        for (const withBias of [true, false]) {
          const n = c.transposeB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
          const { cpu, native } = await cpuAndNative(() => {
            const a = tensor(c.a, 50 + i);
            const b = tensor(c.b, 60 + i);
            const bias = withBias ? tensor([n], 70 + i) : undefined;
            const preluActivationWeights = activation === 'prelu' ? tensor([n], 80 + i) : undefined;
            const f = (x: tf.Tensor, y: tf.Tensor): tf.Tensor =>
              tf.sum(tf.mul(tf.fused.matMul({ a: x, b: y, transposeA: c.transposeA, transposeB: c.transposeB, bias, activation, preluActivationWeights, leakyreluAlpha: 0.15 }), 0.5));
            const y = tf.fused.matMul({ a, b, transposeA: c.transposeA, transposeB: c.transposeB, bias, activation, preluActivationWeights, leakyreluAlpha: 0.15 });
            return [y, ...tf.grads(f)([a, b])];
          });
          cpu.forEach((v, k) => assertClose(native[k], v, TOL, `${activation} bias ${withBias} ${label(c)} output ${k}`));
        }
      }
    });
  }
});
