import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// Registers the gradients (tfjs-core's Node bundle has none).
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { ShapeMismatchError, ConfigError } from '../../errors.js';
import type { LossWeighting, WeightingStep } from '../weighting.js';
import { ew, labelledWeightedSum } from './ew.js';
import { lossValueAndGrads } from './testing.js';

const at: WeightingStep = { epoch: 0, step: 0, stepsPerEpoch: 10, epochs: 1 };

const valueAndGrads = (w: LossWeighting, values: number[], labelled: boolean[]): { value: number; grads: number[] } =>
  lossValueAndGrads(w, values, labelled, at);

before(async () => {
  await selectBackend('cpu');
});

describe('ew', () => {
  const setup = { tasks: ['a', 'b', 'c'], seed: 1 };

  test('is the sum of the losses, each with gradient 1 (LibMTL sums, it does not average)', () => {
    const w = ew.create(ew.options.parse({}), setup) as LossWeighting;
    const { value, grads } = valueAndGrads(w, [0.5, 2, 1.25], [true, true, true]);
    assertClose([value], [3.75], 1e-6, 'sum');
    assertClose(grads, [1, 1, 1], 1e-6, 'gradients');
    assert.deepEqual(w.weights(), [1, 1, 1]);
  });

  test('an unlabelled task contributes nothing, even a NaN loss', () => {
    const w = ew.create({}, setup) as LossWeighting;
    const { value, grads } = valueAndGrads(w, [0.5, Number.NaN, 1.25], [true, false, true]);
    assertClose([value], [1.75], 1e-6, 'sum of the labelled');
    assertClose([grads[0], grads[2]], [1, 1], 1e-6, 'labelled gradients');
    assert.equal(grads[1], 0);
  });

  test('no labelled task: a finite 0 with zero gradient, still connected to the model', () => {
    const w = ew.create({}, setup) as LossWeighting;
    const { value, grads } = valueAndGrads(w, [0, 0, 0], [false, false, false]);
    assert.equal(value, 0);
    assert.deepEqual(grads, [0, 0, 0]);
    // Through a variable, as the trainer differentiates: variableGrads finds the path, gradient 0.
    const theta = tf.variable(tf.tensor1d([1, 2]));
    const grads2 = tf.tidy(() => {
      const { value: v, grads: g } = tf.variableGrads(() => {
        const ls = [0, 1, 2].map(() => tf.mul(tf.sum(theta), 0) as tf.Scalar);
        return w.combine(ls, [false, false, false], at);
      }, [theta]);
      return { v: v.dataSync()[0], g: Array.from(g[theta.name].dataSync()) };
    });
    theta.dispose();
    assert.equal(grads2.v, 0);
    assert.deepEqual(grads2.g, [0, 0]);
  });

  test('labelledWeightedSum applies the weights of the labelled tasks', () => {
    const got = tf.tidy(() => labelledWeightedSum([tf.scalar(1), tf.scalar(2), tf.scalar(4)], [true, false, true], [0.5, 10, 0.25]).dataSync()[0]);
    assertClose([got], [0.5 + 1], 1e-6, 'weighted sum');
  });

  test('refuses losses that do not match the tasks, and a setup without tasks', () => {
    const w = ew.create({}, setup) as LossWeighting;
    assert.throws(() => tf.tidy(() => w.combine([tf.scalar(1)], [true], at)), errorLike(ShapeMismatchError, /1 losses .* 3 tasks/));
    // The cast lets a rank-1 tensor through the types, to check the run-time refusal.
    assert.throws(() => tf.tidy(() => w.combine([tf.scalar(1), tf.scalar(1), tf.tensor1d([1, 2]) as unknown as tf.Scalar], [true, true, true], at)), errorLike(ShapeMismatchError, /task 'c'.*not a scalar/));
    assert.throws(() => ew.create({}, { tasks: [], seed: 0 }), errorLike(ConfigError, /no tasks/));
  });

  test('options are a strict empty object', () => {
    assert.deepEqual(ew.options.parse({}), {});
    assert.equal(ew.options.safeParse({ temperature: 2 }).success, false);
    assert.equal(ew.kind, 'loss');
    assert.equal(ew.representation, false);
  });

  test('does not leak tensors', () => {
    const w = ew.create({}, setup) as LossWeighting;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) valueAndGrads(w, [1, 2, 3], [true, i !== 1, true]);
    valueAndGrads(w, [0, 0, 0], [false, false, false]);
    assert.equal(tf.memory().numTensors, before);
  });
});
