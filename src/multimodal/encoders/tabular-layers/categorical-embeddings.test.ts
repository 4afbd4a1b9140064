import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../engine/backend-registry.js';
import { assertClose, errorLike } from '../../../engine/testing.js';
import { ShapeMismatchError } from '../../../errors.js';
import { CategoricalEmbeddings, columnOffsets } from './categorical-embeddings.js';

before(async () => {
  // wasm: faster than cpu for these small dense models, and the embeddings must train there (no gather gradient)
  await selectBackend('wasm');
});

test('column offsets start at 1 and follow the sizes', () => {
  assert.deepEqual(columnOffsets([4, 4, 2]), [1, 5, 9]);
});

test('looks up each column in its own table, by hand, clamping ids outside the column', () => {
  const layer = new CategoricalEmbeddings({ sizes: [2, 3], dims: [1, 2] });
  const ids = tf.tensor2d(
    [
      [1, 3],
      [2, 5],
      [0, 9], // 0 clamps to column 0's first id, 9 to column 1's last
    ],
    [3, 2],
    'int32',
  );
  layer.apply(ids); // builds
  layer.setWeights([tf.tensor2d([[10], [20]]), tf.tensor2d([[1, 2], [3, 4], [5, 6]])]);
  const before = tf.memory().numTensors;
  const out = layer.apply(ids) as tf.Tensor;
  // column 0: ids 1, 2 → rows 0, 1 (offset 1); column 1: ids 3, 5 → rows 0, 2 (offset 3)
  assertClose(out.dataSync(), [10, 1, 2, 20, 5, 6, 10, 5, 6], 1e-7, 'embeddings');
  assert.deepEqual(out.shape, [3, 3]);
  out.dispose();
  assert.equal(tf.memory().numTensors, before);
  ids.dispose();
  layer.dispose();
});

test('gradients reach only the rows that were looked up', () => {
  const layer = new CategoricalEmbeddings({ sizes: [3], dims: [2] });
  const ids = tf.tensor2d([[2], [2], [3]], [3, 1], 'int32');
  layer.apply(ids);
  const table = layer.trainableWeights[0].read() as tf.Variable;
  const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(ids) as tf.Tensor) as tf.Scalar, [table]);
  // ids 2, 2, 3 → rows 1, 1, 2: d/dW = counts per row, for both dims
  assert.deepEqual(Array.from(grads[table.name].dataSync()), [0, 0, 2, 2, 1, 1]);
  tf.dispose([value, grads[table.name], ids]);
  layer.dispose();
});

test('round-trips through getConfig and refuses ids of the wrong width', () => {
  const layer = new CategoricalEmbeddings({ sizes: [2, 3], dims: [1, 2], init: 'normal', seed: 4, name: 'e' });
  const config = layer.getConfig();
  assert.deepEqual([config.sizes, config.dims, config.init, config.seed], [[2, 3], [1, 2], 'normal', 4]);
  const cls = tf.serialization.SerializationMap.getMap().classNameMap[CategoricalEmbeddings.className];
  assert.ok(cls !== undefined);
  assert.throws(() => layer.computeOutputShape([null, 3]), errorLike(ShapeMismatchError, /2 columns/));
  assert.throws(() => new CategoricalEmbeddings({ sizes: [2], dims: [] }), /one positive integer size and dim per column/);
});
