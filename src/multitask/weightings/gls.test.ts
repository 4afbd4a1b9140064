import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// Registers the gradients (tfjs-core's Node bundle has none).
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { assertClose } from '../../engine/testing.js';
import type { LossWeighting, WeightingStep } from '../weighting.js';
import { gls, glsWeights } from './gls.js';
import { lossValueAndGrads } from './testing.js';

const at: WeightingStep = { epoch: 0, step: 0, stepsPerEpoch: 10, epochs: 1 };
const setup = { tasks: ['a', 'b', 'c'], seed: 1 };

const valueAndGrads = (w: LossWeighting, values: number[], labelled: boolean[]): { value: number; grads: number[] } =>
  lossValueAndGrads(w, values, labelled, at);

before(async () => {
  await selectBackend('cpu');
});

describe('gls', () => {
  test('is the geometric mean (Π Lᵢ)^(1/K), with gradient G/(K·Lᵢ)', () => {
    const w = gls.create(gls.options.parse({}), setup) as LossWeighting;
    // (0.5 · 2 · 8)^(1/3) = 8^(1/3) = 2.
    const { value, grads } = valueAndGrads(w, [0.5, 2, 8], [true, true, true]);
    assertClose([value], [2], 1e-5, 'geometric mean');
    assertClose(grads, [2 / (3 * 0.5), 2 / (3 * 2), 2 / (3 * 8)], 1e-5, 'gradients');
  });

  test('over the labelled tasks only, K their number', () => {
    const w = gls.create({ floor: 1e-8 }, setup) as LossWeighting;
    // √(0.5 · 8) = 2; the unlabelled 0 (or NaN) would make the product 0 (or NaN).
    for (const missing of [0, Number.NaN]) {
      const { value, grads } = valueAndGrads(w, [0.5, missing, 8], [true, false, true]);
      assertClose([value], [2], 1e-5, 'geometric mean of two');
      assertClose(grads, [2 / (2 * 0.5), 0, 2 / (2 * 8)], 1e-5, 'gradients');
    }
  });

  test('one labelled task: its own loss; none: a finite 0 with zero gradient', () => {
    const w = gls.create({ floor: 1e-8 }, setup) as LossWeighting;
    const one = valueAndGrads(w, [0, 0.75, 0], [false, true, false]);
    assertClose([one.value], [0.75], 1e-6, 'single loss');
    assertClose(one.grads, [0, 1, 0], 1e-5, 'gradient 1');
    const none = valueAndGrads(w, [0, 0, 0], [false, false, false]);
    assert.equal(none.value, 0);
    assert.deepEqual(none.grads, [0, 0, 0]);
  });

  test('small losses do not underflow: exp(mean log) where the product would be 0 in float32', () => {
    const w = gls.create({ floor: 1e-30 }, { tasks: ['a', 'b', 'c', 'd'], seed: 0 }) as LossWeighting;
    // Π = 1e-48 underflows float32; the geometric mean is 1e-12.
    const { value } = valueAndGrads(w, [1e-12, 1e-12, 1e-12, 1e-12], [true, true, true, true]);
    assertClose([value / 1e-12], [1], 1e-4, 'relative');
    // A loss of exactly 0 is floored: finite value and gradients.
    const zero = valueAndGrads(gls.create({ floor: 1e-8 }, setup) as LossWeighting, [0, 1, 1], [true, true, true]);
    assert.ok(Number.isFinite(zero.value) && zero.value > 0);
    assert.ok(zero.grads.every(Number.isFinite));
  });

  test('weights(): 1/K before the first step, then G/(K·Lᵢ) at the step\'s losses', () => {
    const w = gls.create({ floor: 1e-8 }, setup) as LossWeighting;
    assertClose(w.weights(), [1 / 3, 1 / 3, 1 / 3], 1e-12, 'initial');
    w.afterStep?.([0.5, 2, 8], at);
    assertClose(w.weights(), [2 / 1.5, 2 / 6, 2 / 24], 1e-12, 'effective');
    w.afterStep?.([0.5, Number.NaN, 8], at);
    assertClose(w.weights(), [2 / (2 * 0.5), 0, 2 / (2 * 8)], 1e-12, 'two labelled');
    assert.deepEqual(glsWeights([Number.NaN, Number.NaN], 1e-8), [0, 0]);
  });

  test('options: strict, floor 1e-8 by default', () => {
    assert.deepEqual(gls.options.parse({}), { floor: 1e-8 });
    assert.equal(gls.options.safeParse({ floor: 0 }).success, false);
    assert.equal(gls.options.safeParse({ eps: 1 }).success, false);
  });

  test('does not leak tensors', () => {
    const w = gls.create({ floor: 1e-8 }, setup) as LossWeighting;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) valueAndGrads(w, [1, 2, 3], [true, i !== 1, true]);
    valueAndGrads(w, [0, 0, 0], [false, false, false]);
    assert.equal(tf.memory().numTensors, before);
  });
});
