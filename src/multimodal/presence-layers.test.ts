/** The missing embedding and KeepInputs: values by hand, gradients only from absent samples, seeding, serialization. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../engine/backend.js';
import { assertClose, errorLike } from '../engine/testing.js';
import { ShapeMismatchError } from '../errors.js';
import { KeepInputs, MissingEmbedding } from './presence-layers.js';

before(async () => {
  await selectBackend('cpu');
});

describe('MissingEmbedding', () => {
  test('passes the vector where present and puts the embedding where absent', () => {
    const layer = new MissingEmbedding({ seed: 1, init: 'zeros' });
    const out = tf.tidy(() => {
      const v = tf.tensor2d([[1, 2], [3, 4]]);
      const p = tf.tensor2d([[1], [0]]);
      const zeros = Array.from((layer.apply([v, p]) as tf.Tensor).dataSync());
      layer.setWeights([tf.tensor1d([9, 8])]);
      return { zeros, set: Array.from((layer.apply([v, p]) as tf.Tensor).dataSync()) };
    });
    assert.deepEqual(out.zeros, [1, 2, 0, 0]);
    assert.deepEqual(out.set, [1, 2, 9, 8]);
    layer.dispose();
  });

  test('the embedding gets gradients from the absent samples only, the vector from the present ones', () => {
    const layer = new MissingEmbedding({ seed: 2 });
    const v = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const p = tf.tensor2d([[1], [0], [0]]);
    const w = tf.tensor2d([[1, 1], [2, 3], [10, 20]]);
    tf.tidy(() => {
      layer.apply([v, p]); // builds the layer
    });
    const embedding = layer.trainableWeights[0].read() as tf.Variable;
    const before = tf.memory().numTensors;
    const grads = tf.tidy(() => {
      const { grads: g, value } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply([v, p]) as tf.Tensor, w)) as tf.Scalar, [embedding]);
      value.dispose();
      const dv = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layer.apply([x, p]) as tf.Tensor, w)))(v);
      return { de: Array.from(g[embedding.name].dataSync()), dv: Array.from(dv.dataSync()) };
    });
    // d/de Σ w ⊙ out = Σ over absent rows of w = [2 + 10, 3 + 20]
    assertClose(grads.de, [12, 23], 1e-6, 'embedding gradient');
    assert.deepEqual(grads.dv, [1, 1, 0, 0, 0, 0]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([v, p, w]);
    layer.dispose();
  });

  test('starts at small seeded values: the same seed gives the same embedding, another seed another', () => {
    const values = (seed: number): number[] => {
      const layer = new MissingEmbedding({ seed });
      tf.tidy(() => {
        layer.apply([tf.zeros([1, 64]), tf.ones([1, 1])]);
      });
      const out = Array.from(layer.getWeights()[0].dataSync());
      layer.dispose();
      return out;
    };
    const a = values(5);
    assert.deepEqual(values(5), a);
    assert.notDeepEqual(values(6), a);
    assert.ok(a.some((x) => x !== 0) && a.every((x) => Math.abs(x) < 0.1), 'small, not all zero');
  });

  test('refuses a presence that is not [batch, 1] and round-trips through its config', () => {
    const layer = new MissingEmbedding({ seed: 3, init: 'zeros', scale: 0.5, name: 'missing/x' });
    assert.throws(() => layer.computeOutputShape([[null, 4], [null, 2]]), errorLike(ShapeMismatchError, /expected \[batch, 1\]/));
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[MissingEmbedding.className];
    assert.ok(entry !== undefined);
    const copy = entry[1](entry[0], layer.getConfig()) as MissingEmbedding;
    assert.deepEqual([copy.init, copy.seed, copy.scale, copy.name], ['zeros', 3, 0.5, 'missing/x']);
  });
});

describe('KeepInputs', () => {
  test('outputs its first input and keeps an otherwise unused input in a saved topology', async () => {
    const x = tfl.input({ shape: [2], name: 'x' });
    const unused = tfl.input({ shape: [1], name: 'unused' });
    const y = tfl.layers.dense({ units: 1, kernelInitializer: 'ones', name: 'd' }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [x, unused], outputs: new KeepInputs({ name: 'keep' }).apply([y, unused]) as tfl.SymbolicTensor });
    const copy = await tfl.models.modelFromJSON({ modelTopology: model.toJSON(undefined, false) as tf.io.ModelJSON['modelTopology'] });
    assert.equal(copy.inputs.length, 2);
    const out = tf.tidy(() => Array.from((model.predict([tf.tensor2d([[1, 2]]), tf.tensor2d([[7]])]) as tf.Tensor).dataSync()));
    assert.deepEqual(out, [3]);
    copy.dispose();
    model.dispose();
  });
});
