import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../backend.js';
import { SeededDropout } from './seeded-dropout.js';
import { assertClose, randomValues } from '../testing.js';

const N = 10000;

function run(layer: tfl.layers.Layer, x: tf.Tensor, training: boolean): Float32Array {
  return tf.tidy(() => (layer.apply(x, { training }) as tf.Tensor).dataSync() as Float32Array);
}

before(async () => {
  await selectBackend('cpu');
});

describe('SeededDropout', () => {
  test('is the identity at inference', () => {
    const values = randomValues(N, 1);
    const x = tf.tensor2d(values, [100, 100]);
    const layer = new SeededDropout({ rate: 0.5, seed: 1 });
    assertClose(run(layer, x, false), values, 0, 'inference output');
    x.dispose();
  });

  test('in training drops about `rate` of the units and scales the rest by 1/(1-rate)', () => {
    const rate = 0.3;
    const x = tf.ones([100, 100]);
    const out = run(new SeededDropout({ rate, seed: 2 }), x, true);
    x.dispose();
    let zeros = 0;
    for (const v of out) {
      if (v === 0) zeros++;
      else assert.ok(Math.abs(v - 1 / (1 - rate)) < 1e-6, `kept unit is ${v}`);
    }
    assert.ok(Math.abs(zeros / N - rate) < 0.02, `dropped fraction ${zeros / N}`);
  });

  test('keeps the expected value of the input', () => {
    const x = tf.fill([100, 100], 2);
    const out = run(new SeededDropout({ rate: 0.5, seed: 3 }), x, true);
    x.dispose();
    const mean = out.reduce((a, b) => a + b, 0) / out.length;
    assert.ok(Math.abs(mean - 2) < 0.06, `mean ${mean}`);
  });

  test('two layers with the same seed draw the same masks; another seed draws others', () => {
    const x = tf.ones([20, 50]);
    const a = new SeededDropout({ rate: 0.5, seed: 42 });
    const b = new SeededDropout({ rate: 0.5, seed: 42 });
    const c = new SeededDropout({ rate: 0.5, seed: 43 });
    const a1 = run(a, x, true);
    const a2 = run(a, x, true);
    assert.deepEqual(run(b, x, true), a1);
    assert.deepEqual(run(b, x, true), a2);
    // a fresh mask on every step
    assert.notDeepEqual(a2, a1);
    assert.notDeepEqual(run(c, x, true), a1);
    x.dispose();
  });

  test('rate 0 is the identity in training too', () => {
    const values = randomValues(200, 4);
    const x = tf.tensor1d(values);
    assertClose(run(new SeededDropout({ rate: 0, seed: 1 }), x, true), values, 0, 'rate 0');
    x.dispose();
  });

  test('rejects a rate outside [0, 1)', () => {
    assert.throws(() => new SeededDropout({ rate: 1, seed: 1 }), /rate must be in \[0, 1\)/);
    assert.throws(() => new SeededDropout({ rate: -0.1, seed: 1 }), /rate/);
  });

  test('does not leak tensors', () => {
    const x = tf.ones([10, 10]);
    const layer = new SeededDropout({ rate: 0.5, seed: 1 });
    run(layer, x, true);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      run(layer, x, true);
      run(layer, x, false);
    }
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  });

  test('round-trips through getConfig and the serialization registry', () => {
    const layer = new SeededDropout({ rate: 0.25, seed: 9, name: 'drop' });
    const config = layer.getConfig();
    assert.equal(config.rate, 0.25);
    assert.equal(config.seed, 9);
    assert.equal(config.name, 'drop');
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[SeededDropout.className];
    assert.ok(entry !== undefined, 'SeededDropout is not registered');
    const [cls, fromConfig] = entry;
    const copy = fromConfig(cls, config) as SeededDropout;
    assert.ok(copy instanceof SeededDropout);
    assert.equal(copy.rate, 0.25);
    assert.equal(copy.seed, 9);
    assert.equal(copy.name, 'drop');
    const x = tf.ones([10, 30]);
    assert.deepEqual(run(copy, x, true), run(layer, x, true));
    x.dispose();
  });

  test('round-trips inside a model topology (toJSON / modelFromJSON)', async () => {
    const input = tfl.input({ shape: [6] });
    const output = new SeededDropout({ rate: 0.4, seed: 5, name: 'sd' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    const json = model.toJSON(undefined, false) as Exclude<ReturnType<typeof model.toJSON>, string>;
    const restored = await tfl.models.modelFromJSON({ modelTopology: json });
    const layer = restored.getLayer('sd');
    assert.equal(layer.getClassName(), 'JointlySeededDropout');
    assert.equal(layer.getConfig().rate, 0.4);
    assert.equal(layer.getConfig().seed, 5);
  });
});
