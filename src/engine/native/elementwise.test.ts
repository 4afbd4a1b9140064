/**
 * Unary, binary (with broadcasting), Softmax and EluGrad kernels on native against cpu, forward
 * and gradient. Tolerance 1e-5 (scaled by the largest value).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assertClose, randomValues } from '../testing.js';
import { BINARY_KERNEL_NAMES } from './binary.js';
import { cpuAndNative, NATIVE_SKIP } from './testing.js';
import { UNARY_KERNEL_NAMES } from './unary.js';

const TOL = 1e-5;
const tensor = (shape: number[], seed: number, scale = 1, offset = 0): tf.Tensor =>
  tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed).map((v) => v * scale + offset), shape);

/** Every unary op, with inputs in its domain (log, sqrt, rsqrt: positive). */
const UNARY: Record<string, { op: (x: tf.Tensor) => tf.Tensor; positive?: boolean }> = {
  Exp: { op: tf.exp },
  Log: { op: tf.log, positive: true },
  Sqrt: { op: tf.sqrt, positive: true },
  Square: { op: tf.square },
  Neg: { op: tf.neg },
  Abs: { op: tf.abs },
  Step: { op: (x) => tf.step(x, 0.3) },
  Rsqrt: { op: tf.rsqrt, positive: true },
  Reciprocal: { op: tf.reciprocal, positive: true },
  Elu: { op: tf.elu },
  Relu: { op: tf.relu },
  Relu6: { op: tf.relu6 },
  Sigmoid: { op: tf.sigmoid },
  Tanh: { op: tf.tanh },
  LeakyRelu: { op: (x) => tf.leakyRelu(x, 0.1) },
};

const BINARY: Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  Add: tf.add,
  Sub: tf.sub,
  Multiply: tf.mul,
  RealDiv: tf.div,
  Maximum: tf.maximum,
  Minimum: tf.minimum,
  SquaredDifference: tf.squaredDifference,
};

const NO_BROADCAST_GRADIENT = new Set(['Maximum', 'Minimum', 'SquaredDifference']);

/** Shape pairs: equal, scalar on either side, bias-like, middle and leading broadcasts, both sides broadcast. */
const BROADCASTS: [number[], number[]][] = [
  [[4, 5], [4, 5]],
  [[4, 5], []],
  [[], [3, 2]],
  [[6, 5], [5]],
  [[2, 3, 4], [3, 1]],
  [[2, 1, 4], [1, 3, 1]],
  [[1, 5], [4, 1]],
  [[3, 4, 5, 6], [4, 1, 6]],
  [[300, 300], [300, 300]],
];

describe('unary kernels (native)', { skip: NATIVE_SKIP }, () => {
  test('every overridden unary kernel is tested', () => {
    assert.deepEqual([...UNARY_KERNEL_NAMES].sort(), Object.keys(UNARY).sort());
  });

  for (const [name, { op, positive }] of Object.entries(UNARY)) {
    test(`${name}: forward and gradient match cpu (small and large inputs)`, async () => {
      for (const [i, shape] of [[7], [3, 5, 4], [400, 300]].entries()) {
        const { cpu, native } = await cpuAndNative(() => {
          // Inputs in [-4, 4), or (0.05, 4.05] for ops that need positive inputs.
          const x = positive === true ? tensor(shape, i, 2, 2.05) : tensor(shape, i, 4);
          const w = tensor(shape, 10 + i);
          return [op(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a), w)))(x)];
        });
        assertClose(native[0], cpu[0], TOL, `${name} ${shape} forward`);
        assertClose(native[1], cpu[1], TOL, `${name} ${shape} gradient`);
      }
    });
  }

  test('EluGrad matches cpu', async () => {
    const { cpu, native } = await cpuAndNative(() => {
      const x = tensor([50, 40], 3, 3);
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.elu(a), tensor([50, 40], 4))))(x);
    });
    assertClose(native[0], cpu[0], TOL, 'elu gradient');
  });

  test('NaN passes through Relu and Step as on cpu', async () => {
    const { cpu, native } = await cpuAndNative(() => [tf.relu(tf.tensor1d([NaN, -1, 2])), tf.step(tf.tensor1d([NaN, -1, 2]))]);
    assert.deepEqual(Array.from(native[0]), Array.from(cpu[0]));
    assert.deepEqual(Array.from(native[1]), Array.from(cpu[1]));
  });
});

describe('binary kernels with broadcasting (native)', { skip: NATIVE_SKIP }, () => {
  test('every overridden binary kernel is tested', () => {
    assert.deepEqual([...BINARY_KERNEL_NAMES].sort(), Object.keys(BINARY).sort());
  });

  for (const [name, op] of Object.entries(BINARY)) {
    test(`${name}: forward and both gradients match cpu for every broadcast case`, async () => {
      for (const [i, [sa, sb]] of BROADCASTS.entries()) {
        const { cpu, native } = await cpuAndNative(() => {
          const a = tensor(sa, 20 + i, 2);
          // Divisors kept away from 0.
          const b = name === 'RealDiv' ? tensor(sb, 30 + i, 1, 2) : tensor(sb, 30 + i, 2);
          const y = op(a, b);
          const w = tensor(y.shape, 40 + i);
          // tfjs's gradients of Maximum, Minimum and SquaredDifference do not reduce over broadcast
          // dimensions (they fail on cpu too): their gradients are compared on equal shapes only.
          const gradients = NO_BROADCAST_GRADIENT.has(name) && sa.join() !== sb.join() ? [] : tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(op(p, q), w)))([a, b]);
          return [y, ...gradients];
        });
        cpu.forEach((v, k) => assertClose(native[k], v, TOL, `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)} output ${k}`));
      }
    });
  }

  test('int32 inputs fall back to the cpu kernels', async () => {
    const { cpu, native } = await cpuAndNative(() => tf.cast(tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.scalar(4, 'int32')), 'float32'));
    assert.deepEqual(Array.from(native[0]), Array.from(cpu[0]));
  });
});

describe('Softmax (native)', { skip: NATIVE_SKIP }, () => {
  test('forward and gradient match cpu, and logSoftmax too', async () => {
    for (const [i, shape] of [[3, 10], [128, 10], [2, 3, 7], [5]].entries()) {
      const { cpu, native } = await cpuAndNative(() => {
        const x = tensor(shape, 60 + i, 5);
        const w = tensor(shape, 70 + i);
        return [
          tf.softmax(x),
          tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.softmax(a), w)))(x),
          tf.logSoftmax(x),
          tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(a), w)))(x),
        ];
      });
      cpu.forEach((v, k) => assertClose(native[k], v, TOL, `${shape} output ${k}`));
    }
  });
});
