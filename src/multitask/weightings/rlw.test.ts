import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// Registers the gradients (tfjs-core's Node bundle has none).
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { createRng } from '../../engine/random.js';
import { assertClose } from '../../engine/testing.js';
import type { LossWeighting, WeightingStep } from '../weighting.js';
import { normalStream, rlw, softmax } from './rlw.js';
import { lossValueAndGrads as valueAndGrads } from './testing.js';

const setup = { tasks: ['a', 'b', 'c'], seed: 7 };
const atStep = (step: number): WeightingStep => ({ epoch: 0, step, stepsPerEpoch: 100, epochs: 1 });

/** The weights of the first `steps` steps. */
function weightSequence(seed: number, steps: number): number[][] {
  const w = rlw.create({}, { ...setup, seed }) as LossWeighting;
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    valueAndGrads(w, [1, 1, 1], [true, true, true], atStep(s));
    out.push([...w.weights()]);
  }
  return out;
}

before(async () => {
  await selectBackend('cpu');
});

describe('rlw normals and softmax (pure)', () => {
  test('Box-Muller: the first pair from the seeded uniforms, by hand', () => {
    const rng = createRng(3);
    const u1 = 1 - rng.next();
    const u2 = rng.next();
    const normal = normalStream(createRng(3));
    const r = Math.sqrt(-2 * Math.log(u1));
    assertClose([normal(), normal()], [r * Math.cos(2 * Math.PI * u2), r * Math.sin(2 * Math.PI * u2)], 1e-12, 'first pair');
  });

  test('standard normal moments over 20000 draws', () => {
    const normal = normalStream(createRng(11));
    const n = 20000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = normal();
      sum += x;
      sq += x * x;
    }
    const mean = sum / n;
    // Standard errors: 1/√n ≈ 0.007 for the mean, √(2/n) ≈ 0.01 for the variance.
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(sq / n - mean * mean - 1) < 0.05, `variance ${sq / n}`);
  });

  test('softmax by hand, stable for large logits', () => {
    const e = [Math.exp(0), Math.exp(1), Math.exp(-1)];
    const sum = e[0] + e[1] + e[2];
    assertClose(softmax([0, 1, -1]), e.map((x) => x / sum), 1e-12, 'softmax');
    assertClose(softmax([1000, 1000]), [0.5, 0.5], 1e-12, 'large');
  });
});

describe('rlw', () => {
  test('each step: Σ wᵢLᵢ with w = softmax(z) summing to 1 (not K, as LibMTL)', () => {
    const w = rlw.create(rlw.options.parse({}), setup) as LossWeighting;
    assertClose(w.weights(), [1 / 3, 1 / 3, 1 / 3], 1e-12, 'before the first step');
    const losses = [0.5, 2, 1.25];
    const { value, grads } = valueAndGrads(w, losses, [true, true, true], atStep(0));
    const weights = w.weights();
    assertClose([weights.reduce((a, b) => a + b, 0)], [1], 1e-12, 'sum 1');
    assert.ok(weights.every((x) => x > 0 && x < 1));
    assertClose([value], [weights.reduce((s, wi, i) => s + wi * losses[i], 0)], 1e-6, 'weighted sum');
    assertClose(grads, weights, 1e-6, 'gradients are the weights');
  });

  test('the weights are the softmax of the seed\'s normals, drawn once per step', () => {
    const normal = normalStream(createRng(setup.seed));
    const z0 = [normal(), normal(), normal()];
    const z1 = [normal(), normal(), normal()];
    const w = rlw.create({}, setup) as LossWeighting;
    valueAndGrads(w, [1, 1, 1], [true, true, true], atStep(0));
    assertClose(w.weights(), softmax(z0), 1e-12, 'step 0');
    valueAndGrads(w, [1, 1, 1], [true, true, true], atStep(0));
    assertClose(w.weights(), softmax(z0), 1e-12, 'step 0 again: same weights');
    valueAndGrads(w, [1, 1, 1], [true, true, true], atStep(1));
    assertClose(w.weights(), softmax(z1), 1e-12, 'step 1');
  });

  test('reproducible for a seed, different for another', () => {
    const a = weightSequence(7, 5);
    assert.deepEqual(weightSequence(7, 5), a);
    const b = weightSequence(8, 5);
    assert.ok(a.some((row, s) => row.some((x, i) => Math.abs(x - b[s][i]) > 1e-3)), 'another seed gives other weights');
    assert.ok(a.some((row) => Math.abs(row[0] - a[0][0]) > 1e-3), 'the weights change across steps');
  });

  test('unlabelled tasks contribute nothing; none labelled gives a finite 0 with zero gradient', () => {
    const w = rlw.create({}, setup) as LossWeighting;
    const one = valueAndGrads(w, [2, Number.NaN, 1], [true, false, true], atStep(0));
    const [wa, , wc] = w.weights();
    assertClose([one.value], [2 * wa + wc], 1e-6, 'labelled only');
    assert.equal(one.grads[1], 0);
    const none = valueAndGrads(w, [0, 0, 0], [false, false, false], atStep(1));
    assert.equal(none.value, 0);
    assert.deepEqual(none.grads, [0, 0, 0]);
  });

  test('options: a strict empty object', () => {
    assert.deepEqual(rlw.options.parse({}), {});
    assert.equal(rlw.options.safeParse({ distribution: 'normal' }).success, false);
  });

  test('does not leak tensors', () => {
    const w = rlw.create({}, setup) as LossWeighting;
    const before = tf.memory().numTensors;
    for (let s = 0; s < 3; s++) valueAndGrads(w, [1, 2, 3], [true, s !== 1, true], atStep(s));
    valueAndGrads(w, [0, 0, 0], [false, false, false], atStep(3));
    assert.equal(tf.memory().numTensors, before);
  });
});
