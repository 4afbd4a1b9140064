import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from './backend.js';
import { buildModel, forwardMacs, type ModelSpecInput } from './model-spec.js';
import { assertClose, maxAbs, randomValues } from './testing.js';
import { ConfigError, ShapeMismatchError } from '../errors.js';

function weightsOf(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

function predict(model: tfl.LayersModel, shape: number[], seed: number): { shape: number[]; values: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);
    const y = model.predict(x) as tf.Tensor;
    return { shape: y.shape, values: y.dataSync() as Float32Array };
  });
}

function classNames(model: tfl.LayersModel): string[] {
  return model.layers.map((l) => l.getClassName());
}

before(async () => {
  await selectBackend('cpu');
});

describe('buildModel', () => {
  test('an mlp maps [batch, features] to [batch, classes] logits', () => {
    const model = buildModel({ type: 'mlp', hidden: [8, 6] }, { inputShape: [4], numClasses: 3, seed: 1 });
    const out = predict(model, [5, 4], 11);
    assert.deepEqual(out.shape, [5, 3]);
    const last = model.layers[model.layers.length - 1];
    assert.equal(last.getConfig().activation, 'linear');
    // logits, not probabilities: some are negative and rows do not sum to 1
    assert.ok(out.values.some((v) => v < 0), 'no negative output: looks like probabilities');
    const rowSum = out.values[0] + out.values[1] + out.values[2];
    assert.ok(Math.abs(rowSum - 1) > 1e-3, `first row sums to ${rowSum}`);
  });

  test('a cnn maps [batch, h, w, c] to [batch, classes] logits', () => {
    const model = buildModel({ type: 'cnn', conv: [{ filters: 4 }, { filters: 8, pool: 'avg' }], dense: [6] }, {
      inputShape: [8, 8, 1],
      numClasses: 4,
      seed: 2,
    });
    const out = predict(model, [3, 8, 8, 1], 12);
    assert.deepEqual(out.shape, [3, 4]);
    assert.equal(model.layers[model.layers.length - 1].getConfig().activation, 'linear');
    assert.ok(out.values.some((v) => v < 0), 'no negative output: looks like probabilities');
    const names = classNames(model);
    assert.deepEqual(names.filter((n) => n === 'Conv2D').length, 2);
    assert.ok(names.includes('MaxPooling2D') && names.includes('AveragePooling2D'), names.join(','));
  });

  test('the same seed gives identical initial weights, different seeds different ones', () => {
    const spec: ModelSpecInput = { type: 'mlp', hidden: [8] };
    const a = weightsOf(buildModel(spec, { inputShape: [4], numClasses: 3, seed: 7 }));
    const b = weightsOf(buildModel(spec, { inputShape: [4], numClasses: 3, seed: 7 }));
    const c = weightsOf(buildModel(spec, { inputShape: [4], numClasses: 3, seed: 8 }));
    assert.equal(a.length, b.length);
    a.forEach((w, i) => assert.deepEqual(b[i], w, `weight ${i}`));
    // kernels (index 0 and 2) differ; biases start at zero in both
    assert.notDeepEqual(c[0], a[0]);
    assert.notDeepEqual(c[2], a[2]);
  });

  test('layers within one model get different initial kernels', () => {
    const w = weightsOf(buildModel({ type: 'mlp', hidden: [5, 5] }, { inputShape: [5], numClasses: 5, seed: 3 }));
    // kernels of dense_1 [5,5], dense_2 [5,5], logits [5,5]: seeded per layer, so not equal
    assert.notDeepEqual(w[0], w[2]);
    assert.notDeepEqual(w[2], w[4]);
  });

  test('batch-norm and dropout layers are present only when asked', () => {
    const plain = classNames(buildModel({ type: 'mlp', hidden: [8, 8] }, { inputShape: [4], numClasses: 2, seed: 1 }));
    assert.ok(!plain.includes('BatchNormalization'));
    assert.ok(!plain.includes('JointlySeededDropout'));
    const full = classNames(
      buildModel({ type: 'mlp', hidden: [8, 8], batchNorm: true, dropout: 0.2 }, { inputShape: [4], numClasses: 2, seed: 1 }),
    );
    assert.equal(full.filter((n) => n === 'BatchNormalization').length, 2);
    assert.equal(full.filter((n) => n === 'JointlySeededDropout').length, 2);
    const cnn = classNames(
      buildModel({ type: 'cnn', conv: [{ filters: 2 }], dense: [4], batchNorm: true, dropout: 0.1 }, { inputShape: [6, 6, 1], numClasses: 2, seed: 1 }),
    );
    assert.equal(cnn.filter((n) => n === 'BatchNormalization').length, 2);
    assert.equal(cnn.filter((n) => n === 'JointlySeededDropout').length, 1);
  });

  test('uses the given name as the model name and layer prefix', () => {
    const model = buildModel({ type: 'mlp', hidden: [3] }, { inputShape: [2], numClasses: 2, seed: 1, name: 'alice' });
    assert.equal(model.name, 'alice');
    for (const layer of model.layers) assert.ok(layer.name.startsWith('alice/'), layer.name);
    assert.equal(new Set(model.layers.map((l) => l.name)).size, model.layers.length);
  });

  test('a cnn on a non-image input throws a ShapeMismatchError', () => {
    assert.throws(() => buildModel({ type: 'cnn' }, { inputShape: [784], numClasses: 10, seed: 1 }), (err: unknown) => err instanceof ShapeMismatchError && /image inputs.*\[784\]/.test(err.message));
  });

  test('a cnn that shrinks the image below one pixel is a ConfigError naming the block', () => {
    const spec = { type: 'cnn' as const, padding: 'valid' as const, conv: [{ filters: 2, kernelSize: 3 }, { filters: 2, kernelSize: 3 }] };
    assert.throws(() => buildModel(spec, { inputShape: [8, 8, 1], numClasses: 2, seed: 1 }), (err: unknown) => err instanceof ConfigError && err.path === 'conv[1]' && /shrunk to 0x0/.test(err.message));
    assert.doesNotThrow(() => buildModel(spec, { inputShape: [14, 14, 1], numClasses: 2, seed: 1 }).dispose());
  });

  test('rejects an invalid spec', () => {
    assert.throws(() => buildModel({ type: 'mlp', dropout: 1.5 }, { inputShape: [4], numClasses: 2, seed: 1 }));
  });
});

describe('forwardMacs', () => {
  test('of an mlp 784-256-128-10 is the sum of the dense kernels', () => {
    const model = buildModel({ type: 'mlp', hidden: [256, 128] }, { inputShape: [784], numClasses: 10, seed: 1 });
    assert.equal(forwardMacs(model), 784 * 256 + 256 * 128 + 128 * 10);
  });

  test('of a cnn counts each conv output position', () => {
    const model = buildModel({ type: 'cnn', conv: [{ filters: 4, kernelSize: 3, pool: 'none' }] }, { inputShape: [8, 8, 1], numClasses: 10, seed: 1 });
    // conv: 8*8 outputs * 3*3*1 * 4 filters; logits: 8*8*4 -> 10
    assert.equal(forwardMacs(model), 8 * 8 * 3 * 3 * 1 * 4 + 8 * 8 * 4 * 10);
  });
});

describe('built models and the same input', () => {
  test('a batch-norm mlp in inference mode is deterministic', () => {
    const model = buildModel({ type: 'mlp', hidden: [6], batchNorm: true, dropout: 0.5 }, { inputShape: [4], numClasses: 3, seed: 4 });
    const a = predict(model, [4, 4], 1).values;
    const b = predict(model, [4, 4], 1).values;
    assertClose(b, a, 0, 'two predictions');
  });
});

describe('init', () => {
  test('torch init draws kernels and biases uniformly within ±1/sqrt(fan_in); glorot keeps zero biases', () => {
    const torch = buildModel({ type: 'mlp', hidden: [64], init: 'torch' }, { inputShape: [100], numClasses: 50, seed: 1 });
    const glorot = buildModel({ type: 'mlp', hidden: [64] }, { inputShape: [100], numClasses: 50, seed: 1 });

    const [k1, b1, k2, b2] = torch.getWeights().map((w) => w.dataSync() as Float32Array);
    const glorotBias = glorot.getWeights()[1].dataSync() as Float32Array;

    for (const [values, fanIn, what] of [[k1, 100, 'kernel 1'], [b1, 100, 'bias 1'], [k2, 64, 'kernel 2'], [b2, 64, 'bias 2']] as const) {
      const bound = 1 / Math.sqrt(fanIn);
      assert.ok(maxAbs(values) <= bound + 1e-7, `${what}: max ${maxAbs(values)} > ${bound}`);
      assert.ok(maxAbs(values) > 0.8 * bound, `${what}: values fill the range (max ${maxAbs(values)})`);
    }
    assert.equal(maxAbs(glorotBias), 0);
    torch.dispose();
    glorot.dispose();
  });
});
