import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { buildBody, LayerContext, type ModelSpec } from '../../engine/model-spec.js';
import { assertClose, errorLike, randomValues } from '../../engine/testing.js';
import { ShapeMismatchError } from '../../errors.js';
import { convBlockStage, denseStage, flattenStage } from './body-layers.js';
import { CrossStitchUnit, crossStitchInit } from './cross-stitch-unit.js';
import { GatedSum } from './gated-sum.js';

before(async () => {
  await selectBackend('cpu');
});

describe('GatedSum', () => {
  test('mixes the experts by the gate, by hand', () => {
    const layer = new GatedSum();
    const out = tf.tidy(() => {
      const gate = tf.tensor2d([
        [0.25, 0.75],
        [1, 0],
      ]);
      const e1 = tf.tensor2d([
        [1, 2],
        [5, 6],
      ]);
      const e2 = tf.tensor2d([
        [3, 4],
        [7, 8],
      ]);
      return (layer.apply([gate, e1, e2]) as tf.Tensor).arraySync();
    });
    // row 0: 0.25·[1,2] + 0.75·[3,4] = [2.5, 3.5]; row 1: expert 1 alone
    assert.deepEqual(out, [
      [2.5, 3.5],
      [5, 6],
    ]);
  });

  test('works on image-shaped experts and passes gradients to the gate', () => {
    const layer = new GatedSum();
    const gate = tf.tensor2d([[0.5, 0.5]]);
    const e1 = tf.ones([1, 2, 2, 1]);
    const e2 = tf.zeros([1, 2, 2, 1]);
    const before = tf.memory().numTensors;
    const g = tf.tidy(() => tf.grad((gt: tf.Tensor) => tf.sum(layer.apply([gt, e1, e2]) as tf.Tensor))(gate).arraySync());
    // d/dg_e Σ Σ_e g_e x_e = Σ x_e: 4 for the ones, 0 for the zeros
    assert.deepEqual(g, [[4, 0]]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([gate, e1, e2]);
  });

  test('refuses a gate whose width is not the number of experts', () => {
    const layer = new GatedSum();
    assert.throws(() => layer.computeOutputShape([[null, 3], [null, 4], [null, 4]]), errorLike(ShapeMismatchError, /3\]/, /2 experts/));
    assert.throws(() => layer.computeOutputShape([[null, 2], [null, 4], [null, 5]]), errorLike(ShapeMismatchError, /differ in shape/));
  });
});

describe('CrossStitchUnit', () => {
  test('initial matrix: the paper (0.9, 0.1) for two columns, convex rows for three, [1] for one', () => {
    assertClose(crossStitchInit(2, 0.9), [0.9, 0.1, 0.1, 0.9], 1e-7, 'K=2');
    assertClose(crossStitchInit(3, 0.9), [0.9, 0.05, 0.05, 0.05, 0.9, 0.05, 0.05, 0.05, 0.9], 1e-7, 'K=3');
    assert.deepEqual(Array.from(crossStitchInit(1, 0.9)), [1]);
  });

  test('mixes the columns as α·x, by hand, and learns α', () => {
    const unit = new CrossStitchUnit({ columns: 2 });
    const a = tf.tensor2d([[1, 2]]);
    const b = tf.tensor2d([[10, 20]]);
    const out = tf.tidy(() => (unit.apply([a, b]) as tf.Tensor[]).map((t) => t.arraySync() as number[][]));
    assertClose(out[0][0], [0.9 * 1 + 0.1 * 10, 0.9 * 2 + 0.1 * 20], 1e-6, 'column 0');
    assertClose(out[1][0], [0.1 * 1 + 0.9 * 10, 0.1 * 2 + 0.9 * 20], 1e-6, 'column 1');
    assert.equal(unit.trainableWeights.length, 1);
    const alpha = unit.trainableWeights[0].read() as tf.Variable;
    const { grads, value } = tf.variableGrads(() => tf.sum((unit.apply([a, b]) as tf.Tensor[])[0]) as tf.Scalar, [alpha]);
    // d/dα_0j Σ_k (Σ_j α_0j x_j)_k = Σ_k x_j,k: 3 for a, 30 for b; row 1 gets nothing
    assertClose(grads[alpha.name].dataSync(), [3, 30, 0, 0], 1e-6, 'dα');
    tf.dispose([a, b, value, grads[alpha.name]]);
  });

  test('round-trips its config', () => {
    const unit = new CrossStitchUnit({ columns: 3, same: 0.8, name: 'cs' });
    const config = unit.getConfig();
    assert.equal(config.columns, 3);
    assert.equal(config.same, 0.8);
    const copy = tf.serialization.SerializationMap.getMap().classNameMap[CrossStitchUnit.className];
    assert.ok(copy !== undefined, 'registered');
  });
});

describe('body layers stage by stage', () => {
  const specs: [ModelSpec, number[]][] = [
    [{ type: 'mlp', hidden: [5, 4], activation: 'tanh', dropout: 0.2, batchNorm: true, init: 'torch' }, [6]],
    [
      {
        type: 'cnn',
        conv: [
          { filters: 2, kernelSize: 3, stride: 1, pool: 'max', poolSize: 2 },
          { filters: 3, kernelSize: 3, stride: 2, pool: 'none', poolSize: 2 },
        ],
        padding: 'valid',
        dense: [4],
        activation: 'relu',
        dropout: 0,
        batchNorm: false,
        init: 'glorot',
      },
      [13, 13, 1],
    ],
  ];
  for (const [spec, shape] of specs) {
    test(`${spec.type}: the same layer names and initial weights as buildBody`, () => {
      const inA = tfl.input({ shape });
      const whole = buildBody(spec, inA, new LayerContext(5, 'whole', spec.init));
      const ctx = new LayerContext(5, 'staged', spec.init);
      const inB = tfl.input({ shape });
      let h = inB;
      if (spec.type === 'cnn') for (const block of spec.conv) h = convBlockStage(spec, block, h, ctx).out;
      h = flattenStage(h, ctx);
      for (const units of spec.type === 'mlp' ? spec.hidden : spec.dense) h = denseStage(spec, units, h, ctx);
      const wa = tfl.model({ inputs: inA, outputs: whole });
      const wb = tfl.model({ inputs: inB, outputs: h });
      assert.deepEqual(wb.layers.slice(1).map((l) => l.name.replace('staged/', '')), wa.layers.slice(1).map((l) => l.name.replace('whole/', '')));
      assert.ok(wa.weights.length >= 4);
      assert.deepEqual(wb.weights.map((w) => w.shape), wa.weights.map((w) => w.shape));
      wa.weights.forEach((w, i) => assert.deepEqual(Array.from(wb.weights[i].read().dataSync()), Array.from(w.read().dataSync())));
      const x = tf.tensor(randomValues(2 * shape.reduce((p, q) => p * q, 1), 3), [2, ...shape]);
      const [ya, yb] = [wa.predict(x) as tf.Tensor, wb.predict(x) as tf.Tensor];
      assertClose(yb.dataSync(), ya.dataSync(), 1e-6, 'outputs');
      tf.dispose([x, ya, yb]);
      wa.dispose();
      wb.dispose();
    });
  }
});
