import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// Registers the gradients (tfjs-core's Node bundle has none).
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { ShapeMismatchError } from '../../errors.js';
import type { LossWeighting, WeightingStep } from '../weighting.js';
import { descentRates, dwa, dwaWeights } from './dwa.js';
import { lossValueAndGrads as valueAndGrads } from './testing.js';

const setup = { tasks: ['a', 'b'], seed: 1 };
const atEpoch = (epoch: number): WeightingStep => ({ epoch, step: epoch * 10, stepsPerEpoch: 10, epochs: 5 });

before(async () => {
  await selectBackend('cpu');
});

describe('dwa weights (pure)', () => {
  test('K·softmax(r/T) by hand', () => {
    // r = (1, 0.5), T = 2: exp(0.5) and exp(0.25), times K = 2 over their sum.
    const e1 = Math.exp(0.5);
    const e2 = Math.exp(0.25);
    assertClose(dwaWeights([1, 0.5], 2), [(2 * e1) / (e1 + e2), (2 * e2) / (e1 + e2)], 1e-12, 'weights');
    // Equal rates: equal weights 1; the weights always sum to K.
    assertClose(dwaWeights([0.7, 0.7, 0.7], 2), [1, 1, 1], 1e-12, 'equal rates');
    const w = dwaWeights([0.1, 3, 1e3], 0.5);
    assertClose([w[0] + w[1] + w[2]], [3], 1e-12, 'sum K, no overflow');
  });

  test('descent rates, with 1 where the ratio is undefined', () => {
    assertClose(descentRates([0.5, 3, Number.NaN, 1], [1, 2, 1, 0]), [0.5, 1.5, 1, 1], 1e-12, 'rates');
  });
});

describe('dwa', () => {
  test('weights 1 for the first two epochs, then K·softmax(r/T) from the epoch means', () => {
    const w = dwa.create(dwa.options.parse({}), setup) as LossWeighting;
    assert.deepEqual(w.weights(), [1, 1]);
    assertClose([valueAndGrads(w, [2, 3], [true, true], atEpoch(0)).value], [5], 1e-6, 'epoch 1: plain sum');
    w.onEpochEnd?.([2, 1], 0);
    assert.deepEqual(w.weights(), [1, 1], 'epoch 2 still equal');
    assertClose([valueAndGrads(w, [2, 3], [true, true], atEpoch(1)).value], [5], 1e-6, 'epoch 2: plain sum');
    w.onEpochEnd?.([1, 0.5], 1);
    // Epoch 3: r = (1/2, 0.5/1) = (0.5, 0.5): equal weights 1.
    assertClose(w.weights(), [1, 1], 1e-12, 'equal descent');
    w.onEpochEnd?.([0.5, 0.5], 2);
    // Epoch 4: r = (0.5/1, 0.5/0.5) = (0.5, 1): the slower task b weighs more.
    const eA = Math.exp(0.25);
    const eB = Math.exp(0.5);
    const expected = [(2 * eA) / (eA + eB), (2 * eB) / (eA + eB)];
    assertClose(w.weights(), expected, 1e-12, 'weights after epoch 3');
    const { value, grads } = valueAndGrads(w, [2, 3], [true, true], atEpoch(3));
    assertClose([value], [expected[0] * 2 + expected[1] * 3], 1e-6, 'weighted sum');
    assertClose(grads, expected, 1e-6, 'gradients are the weights');
  });

  test('the temperature option: a large T is near equal weights', () => {
    const w = dwa.create({ temperature: 1000 }, setup) as LossWeighting;
    w.onEpochEnd?.([1, 1], 0);
    w.onEpochEnd?.([0.1, 1], 1);
    const [a, b] = w.weights();
    assert.ok(Math.abs(a - 1) < 1e-3 && Math.abs(b - 1) < 1e-3 && a < b);
  });

  test('unlabelled tasks contribute nothing; none labelled gives a finite 0 with zero gradient', () => {
    const w = dwa.create(dwa.options.parse({}), setup) as LossWeighting;
    w.onEpochEnd?.([1, 1], 0);
    w.onEpochEnd?.([0.5, 1], 1);
    const [wa] = w.weights();
    const one = valueAndGrads(w, [2, Number.NaN], [true, false], atEpoch(2));
    assertClose([one.value], [2 * wa], 1e-6, 'only task a');
    assert.equal(one.grads[1], 0);
    const none = valueAndGrads(w, [0, 0], [false, false], atEpoch(2));
    assert.equal(none.value, 0);
    assert.deepEqual(none.grads, [0, 0]);
  });

  test('refuses epoch means of the wrong length', () => {
    const w = dwa.create(dwa.options.parse({}), setup) as LossWeighting;
    assert.throws(() => w.onEpochEnd?.([1], 0), errorLike(ShapeMismatchError, /1 mean losses .* epoch 1 .* 2 tasks/));
  });

  test('options: strict, T = 2 by default, positive', () => {
    assert.deepEqual(dwa.options.parse({}), { temperature: 2 });
    assert.equal(dwa.options.safeParse({ temperature: 0 }).success, false);
    assert.equal(dwa.options.safeParse({ T: 2 }).success, false);
  });

  test('does not leak tensors', () => {
    const w = dwa.create(dwa.options.parse({}), setup) as LossWeighting;
    const before = tf.memory().numTensors;
    w.onEpochEnd?.([1, 1], 0);
    w.onEpochEnd?.([0.5, 1], 1);
    valueAndGrads(w, [1, 2], [true, true], atEpoch(2));
    valueAndGrads(w, [1, 2], [false, true], atEpoch(2));
    valueAndGrads(w, [0, 0], [false, false], atEpoch(2));
    assert.equal(tf.memory().numTensors, before);
  });
});
