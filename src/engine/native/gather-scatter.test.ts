/** GatherV2 and ScatterNd on native against cpu (exact), and the row copies worked by hand. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { randomValues } from '../testing.js';
import { gatherRows, scatterAdd } from './gather-scatter.js';
import { cpuAndNative, NATIVE_SKIP } from './testing.js';

test('gatherRows and scatterAdd (worked by hand)', () => {
  const x = Float32Array.from([0, 1, 10, 11, 20, 21]); // 3 rows of 2
  const out = new Float32Array(6);
  assert.ok(gatherRows(x, 1, 3, 2, Int32Array.from([2, 0, 2]), out));
  assert.deepEqual(Array.from(out), [20, 21, 0, 1, 20, 21]);
  assert.equal(gatherRows(x, 1, 3, 2, Int32Array.from([3]), new Float32Array(2)), false);
  const sum = new Float32Array(6);
  assert.ok(scatterAdd(Int32Array.from([2, 0, 2]), 1, Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2], sum));
  // Row 2 gets updates 0 and 2 added: [1 + 5, 2 + 6].
  assert.deepEqual(Array.from(sum), [3, 4, 0, 0, 6, 8]);
});

describe('native GatherV2 and ScatterNd match cpu', { skip: NATIVE_SKIP }, () => {
  const ids = (n: number, max: number, seed: number): tf.Tensor => tf.tensor(Int32Array.from(randomValues(n, seed), (v) => Math.floor(((v + 1) / 2) * max)), [n], 'int32');
  test('gather rows of a table (axis 0), of a 3-d tensor on axis 1, and int32 values', async () => {
    const { cpu, native } = await cpuAndNative(() => [
      tf.gather(tf.tensor(randomValues(50 * 8, 1), [50, 8]), ids(37, 50, 2)),
      tf.gather(tf.tensor(randomValues(3 * 9 * 4, 3), [3, 9, 4]), ids(5, 9, 4), 1),
      tf.gather(tf.tensor(Int32Array.from({ length: 20 }, (_, i) => i * 3), [10, 2], 'int32'), tf.tensor([[1, 9], [0, 0]], [2, 2], 'int32')),
    ]);
    native.forEach((v, i) => assert.deepEqual(Array.from(v), Array.from(cpu[i]), `case ${i}`));
  });
  test('scatter-add with repeated indices, and 2-d index tuples', async () => {
    const { cpu, native } = await cpuAndNative(() => [
      tf.scatterND(tf.expandDims(ids(60, 12, 5), 1), tf.tensor(randomValues(60 * 4, 6), [60, 4]), [12, 4]),
      tf.scatterND(tf.tensor([[0, 1], [2, 3], [0, 1]], [3, 2], 'int32'), tf.tensor([1, 2, 3], [3]), [3, 4]),
    ]);
    native.forEach((v, i) => {
      for (let k = 0; k < v.length; k++) assert.ok(Math.abs(v[k] - cpu[i][k]) < 1e-5, `case ${i}[${k}]`);
    });
  });
  test('an index out of range is reported as the cpu kernel reports it', async () => {
    await tf.setBackend('native');
    assert.throws(() => tf.tidy(() => tf.gather(tf.zeros([3, 2]), tf.tensor([5], [1], 'int32')).dataSync()), /index|range|not in/i);
  });
});
