/**
 * Lazy outputs (kernel-utils lazyOutput), used by BatchMatMul and Conv2DBackpropInput: computed on
 * first read, never when disposed unread, and unaffected by their inputs being disposed first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { assertClose, randomValues } from '../testing.js';
import { lazyOutput } from './kernel-utils.js';
import { nativeAddon, UNARY } from './addon.js';
import { cpuAndNative, NATIVE_SKIP } from './testing.js';

describe('lazy outputs (native)', { skip: NATIVE_SKIP }, () => {
  test('compute runs once, on first read, and not at all for a tensor disposed unread', async () => {
    await tf.setBackend('native');
    const backend = tf.backend() as MathBackendCPU;
    let calls = 0;
    const compute = (): Float32Array => {
      calls++;
      return Float32Array.from([1, 2, 3]);
    };
    const unread = tf.engine().makeTensorFromTensorInfo(lazyOutput(backend, [3], compute));
    unread.dispose();
    assert.equal(calls, 0);
    const read = tf.engine().makeTensorFromTensorInfo(lazyOutput(backend, [3], compute));
    assert.equal(calls, 0);
    const doubled = tf.mul(read, 2);
    assert.equal(calls, 1);
    assert.deepEqual(Array.from(doubled.dataSync()), [2, 4, 6]);
    assert.deepEqual(Array.from(read.dataSync()), [1, 2, 3]);
    assert.equal(calls, 1);
    tf.dispose([read, doubled]);
  });

  test('a lazy matMul read after its inputs were disposed has the inputs’ values', async () => {
    await tf.setBackend('native');
    const a = tf.tensor(randomValues(12, 1), [3, 4]);
    const b = tf.tensor(randomValues(8, 2), [4, 2]);
    const expected = await tf.tidy(() => tf.matMul(a, b)).data();
    const product = tf.matMul(a, b);
    tf.dispose([a, b]);
    assertClose(product.dataSync() as Float32Array, expected as Float32Array, 1e-6, 'matMul after dispose');
    product.dispose();
  });

  test('fused conv2d and dense gradients (lazy input gradients, variables disposed before the read) match cpu', async () => {
    const grads = (): tf.Tensor[] => {
      const x = tf.tensor4d(randomValues(2 * 8 * 8 * 1, 3), [2, 8, 8, 1]);
      const w = tf.variable(tf.tensor4d(randomValues(3 * 3 * 1 * 4, 4), [3, 3, 1, 4]));
      const bias = tf.variable(tf.tensor(randomValues(4, 5), [4]));
      const k = tf.variable(tf.tensor(randomValues(6 * 6 * 4 * 3, 6), [6 * 6 * 4, 3]));
      const { grads: g } = tf.variableGrads(() => {
        const h = tf.fused.conv2d({ x, filter: w, bias, strides: 1, pad: 'valid', activation: 'relu' });
        return tf.sum(tf.fused.matMul({ a: tf.reshape(h, [2, -1]), b: k, activation: 'relu' }));
      }, [w, bias, k]);
      // The variables go first: lazy gradients keep the values they were computed from.
      tf.dispose([w, bias, k]);
      return [g[w.name], g[bias.name], g[k.name]];
    };
    const { cpu, native } = await cpuAndNative(grads);
    native.forEach((v, i) => assertClose(v, cpu[i], 1e-4, `gradient ${i}`));
  });

  test('Step keeps NaN and maps x > 0 to 1, else alpha', () => {
    const x = Float32Array.from([Number.NaN, -1, 0, 2, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    const y = new Float32Array(x.length);
    nativeAddon().unary(UNARY.step, x, y, 0.5);
    assert.deepEqual(Array.from(y), [Number.NaN, 0.5, 0.5, 1, 1, 0.5]);
  });
});
