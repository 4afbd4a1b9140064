import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../errors.js';
import { selectBackend } from './backend.js';
import { paramLayout, readParams, writeParams } from './flat-params.js';
import { buildModel } from './model-spec.js';
import { assertClose, randomValues } from './testing.js';

function mlp(seed: number, batchNorm = false): tfl.LayersModel {
  return buildModel({ type: 'mlp', hidden: [3], batchNorm }, { inputShape: [4], numClasses: 2, seed, name: 'net' });
}

function predict(model: tfl.LayersModel): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor2d(randomValues(5 * 4, 77), [5, 4])) as tf.Tensor).dataSync() as Float32Array);
}

/** A few training-mode forward passes: they move the batch-norm moving statistics. */
function moveBatchNormStats(model: tfl.LayersModel): void {
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => {
      model.apply(tf.add(tf.mul(tf.tensor2d(randomValues(16 * 4, i), [16, 4]), 3), 2), { training: true });
    });
  }
}

before(async () => {
  await selectBackend('cpu');
});

describe('paramLayout', () => {
  test('lists names, shapes, offsets and sizes in order', () => {
    const layout = paramLayout(mlp(1));
    assert.deepEqual(
      layout.map((e) => [e.shape, e.offset, e.size, e.trainable]),
      [
        [[4, 3], 0, 12, true],
        [[3], 12, 3, true],
        [[3, 2], 15, 6, true],
        [[2], 21, 2, true],
      ],
    );
    assert.ok(layout[0].name.includes('dense') && layout[0].name.endsWith('kernel'), layout[0].name);
    assert.ok(layout[3].name.includes('logits') && layout[3].name.endsWith('bias'), layout[3].name);
  });

  test('trainableOnly excludes the batch-norm moving statistics', () => {
    const model = mlp(1, true);
    const all = paramLayout(model);
    const trainable = paramLayout(model, { trainableOnly: true });
    // trainable first: dense kernel (no bias with batch norm), gamma, beta, logits kernel and bias;
    // then the moving mean and variance
    assert.deepEqual(all.map((e) => e.size), [12, 3, 3, 6, 2, 3, 3]);
    assert.deepEqual(all.map((e) => e.offset), [0, 12, 15, 18, 24, 26, 29]);
    assert.deepEqual(all.filter((e) => !e.trainable).map((e) => e.name.replace(/_\d+$/, '').split('/').pop()), ['moving_mean', 'moving_variance']);
    assert.deepEqual(trainable.map((e) => e.size), [12, 3, 3, 6, 2]);
    assert.ok(trainable.every((e) => e.trainable && !e.name.includes('moving')));
    assert.deepEqual(trainable.map((e) => e.offset), [0, 12, 15, 18, 24]);
    assert.equal(readParams(model).length, 32);
    assert.equal(readParams(model, { trainableOnly: true }).length, 26);
  });
});

describe('readParams / writeParams', () => {
  test('readParams concatenates the weights in layout order', () => {
    const model = mlp(3);
    const flat = readParams(model);
    const layout = paramLayout(model);
    model.getWeights().forEach((w, i) => {
      assertClose(flat.subarray(layout[i].offset, layout[i].offset + layout[i].size), w.dataSync(), 0, layout[i].name);
    });
  });

  test('readParams into a given array fills and returns it; an array of another length is refused', () => {
    const model = mlp(3);
    const count = readParams(model).length;
    const into = new Float32Array(count).fill(Number.NaN);

    const out = readParams(model, {}, into);

    assert.equal(out, into);
    assert.deepEqual(out, readParams(model));
    assert.throws(() => readParams(model, {}, new Float32Array(count - 1)), new RegExp(`has ${count} parameters but the array to read them into has ${count - 1}`));
  });

  test('a round trip into a second model of the same architecture gives identical predictions', () => {
    const source = mlp(1, true);
    moveBatchNormStats(source);
    const target = mlp(2, true);
    assert.notDeepEqual(predict(target), predict(source));
    const values = readParams(source);
    writeParams(target, values);
    assert.deepEqual(readParams(target), values);
    assertClose(predict(target), predict(source), 0, 'predictions');
  });

  test('trainableOnly leaves the moving statistics alone', () => {
    const source = mlp(1, true);
    moveBatchNormStats(source);
    const target = mlp(2, true);
    const statsBefore = readParams(target).subarray(26, 32).slice();
    writeParams(target, readParams(source, { trainableOnly: true }), { trainableOnly: true });
    assert.deepEqual(readParams(target, { trainableOnly: true }), readParams(source, { trainableOnly: true }));
    assert.deepEqual(readParams(target).subarray(26, 32), statsBefore);
    // so inference differs while the moving statistics differ
    assert.notDeepEqual(predict(target), predict(source));
  });

  test('writing the wrong number of values throws ShapeMismatchError', () => {
    const model = mlp(1);
    const before = readParams(model);
    for (const n of [22, 24, 0]) {
      assert.throws(
        () => writeParams(model, new Float32Array(n)),
        (err: unknown) => err instanceof ShapeMismatchError && err.code === 'SHAPE_MISMATCH' && err.message.includes(`23 parameters but ${n} values`),
      );
    }
    // trainable-only values into the full layout
    const bn = mlp(1, true);
    assert.throws(() => writeParams(bn, readParams(bn, { trainableOnly: true })), ShapeMismatchError);
    assert.deepEqual(readParams(model), before);
  });

  test('neither writeParams nor readParams leaks tensors', () => {
    const model = mlp(1, true);
    const values = readParams(mlp(2, true));
    writeParams(model, values);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      writeParams(model, values);
      readParams(model);
      writeParams(model, readParams(model, { trainableOnly: true }), { trainableOnly: true });
    }
    assert.equal(tf.memory().numTensors, before);
  });

  test('the written values are copies: changing the array later does not change the model', () => {
    // (on the cpu backend a tensor made from a typed array keeps that array)
    const model = mlp(1);
    const values = readParams(mlp(2));
    writeParams(model, values);
    const expected = values.slice();
    values.fill(0);
    assert.deepEqual(readParams(model), expected);
  });

  test('writing in place leaves a snapshot taken before it (a clone sharing the weight\'s buffer) as it was', () => {
    const model = mlp(1);
    const kernel = model.weights[0].read();
    const snapshot = tf.clone(kernel);
    const old = Array.from(snapshot.dataSync());

    writeParams(model, readParams(mlp(2)));

    assert.deepEqual(Array.from(snapshot.dataSync()), old);
    assert.notDeepEqual(Array.from(model.weights[0].read().dataSync()), old);
    snapshot.dispose();
  });

  test('a weight with a constraint is written through it', () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [2], kernelConstraint: tfl.constraints.maxNorm({ maxValue: 1, axis: 0 }) })] });
    const values = Float32Array.from([3, 0, 4, 0, 0, 0]);

    writeParams(model, values);

    // Each kernel column scaled to norm 1: (3, 4) / 5; the zero column and the bias as written.
    assertClose(readParams(model), [0.6, 0, 0.8, 0, 0, 0], 1e-5, 'constrained weights');
  });
});
