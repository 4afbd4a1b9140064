/** classBatchSource against the engine's datasetSource: the same batches, value for value, on the cpu backend. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { datasetSource } from '../../engine/batch.js';
import { selectBackend } from '../../engine/backend.js';
import type { Dataset } from '../../data/dataset.js';
import { classBatchSource } from './class-batch-source.js';

/** Seven samples of shape [2, 3], four classes; one label beyond the classes (an all-zero one-hot row). */
const DATA: Dataset = {
  features: Float32Array.from({ length: 7 * 6 }, (_, i) => Math.sin(i) * 3),
  labels: Int32Array.from([0, 3, 1, 2, 4, 1, 0]),
  sampleShape: [2, 3],
  numClasses: 4,
};

describe('classBatchSource', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('builds the batches datasetSource builds, for any indices', () => {
    const ours = classBatchSource(DATA);
    const engine = datasetSource(DATA);
    assert.equal(ours.length, engine.length);
    for (const indices of [Int32Array.from([4, 0, 6]), Int32Array.from([1]), Int32Array.from([6, 5, 4, 3, 2, 1, 0])]) {
      const got = ours.batch(indices);
      const want = engine.batch(indices);
      assert.equal(got.size, want.size);
      assert.deepEqual(Object.keys(got.inputs), Object.keys(want.inputs));
      assert.deepEqual(Object.keys(got.targets), Object.keys(want.targets));
      const pairs: [string, tf.Tensor, tf.Tensor][] = [
        ...Object.keys(want.inputs).map((k): [string, tf.Tensor, tf.Tensor] => [`inputs.${k}`, got.inputs[k], want.inputs[k]]),
        ...Object.keys(want.targets).map((k): [string, tf.Tensor, tf.Tensor] => [`targets.${k}`, got.targets[k], want.targets[k]]),
      ];
      for (const [name, a, b] of pairs) {
        assert.deepEqual(a.shape, b.shape, name);
        assert.equal(a.dtype, b.dtype, name);
        // As numbers: the cpu backend casts oneHot to float32 keeping an Int32Array underneath.
        assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()), name);
      }
      assert.deepEqual(got.labels, want.labels);
      assert.deepEqual([got.masks, got.lengths], [want.masks, want.lengths]);
      tf.dispose([got.inputs, got.targets, want.inputs, want.targets]);
    }
  });

  it('writes an all-zero target row for a label outside the classes', () => {
    const batch = classBatchSource(DATA).batch(Int32Array.from([4]));
    assert.deepEqual(Array.from(batch.targets.y.dataSync()), [0, 0, 0, 0]);
    tf.dispose([batch.inputs, batch.targets]);
  });
});
