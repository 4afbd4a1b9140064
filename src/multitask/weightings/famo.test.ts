import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// Registers the gradients (tfjs-core's Node bundle has none).
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { ObjectiveError } from '../../errors.js';
import type { LossWeighting, WeightingStep } from '../weighting.js';
import { adamState, adamStep, createFamo, famo, famoDelta, softmaxVjp } from './famo.js';
import { softmax } from './rlw.js';
import { lossValueAndGrads } from './testing.js';

const at: WeightingStep = { epoch: 0, step: 0, stepsPerEpoch: 10, epochs: 1 };
const two = { tasks: ['a', 'b'], seed: 1 };
const three = { tasks: ['a', 'b', 'c'], seed: 1 };

const valueAndGrads = (w: LossWeighting, values: number[], labelled: boolean[]): { value: number; grads: number[] } =>
  lossValueAndGrads(w, values, labelled, at);

before(async () => {
  await selectBackend('cpu');
});

describe('famo math (pure)', () => {
  test('the logit gradient zⱼ(δⱼ − z·δ) matches finite differences of ξ ↦ δ·softmax(ξ)', () => {
    const xi = [0.3, -1.2, 0.8, 0];
    const delta = [0.5, -0.2, 1.3, 0.05];
    const f = (x: number[]): number => softmax(x).reduce((s, zi, i) => s + zi * delta[i], 0);
    const h = 1e-6;
    const numeric = xi.map((_, j) => {
      const up = [...xi];
      const down = [...xi];
      up[j] += h;
      down[j] -= h;
      return (f(up) - f(down)) / (2 * h);
    });
    const analytic = softmaxVjp(softmax(xi), delta);
    assertClose(analytic, numeric, 1e-8, 'gradient');
    // Shifting every δ by a constant changes nothing (softmax is shift-invariant).
    assertClose(softmaxVjp(softmax(xi), delta.map((d) => d + 3)), analytic, 1e-12, 'shift');
  });

  test('δ is the decrease of each log-loss', () => {
    assertClose(famoDelta([1, 3], [0.5, 2.7], 0), [Math.log(2), Math.log(3 / 2.7)], 1e-12, 'delta');
    // With minimum losses: log(2 − 1 + ε) − log(1 − 1 + ε), finite thanks to ε.
    assertClose(famoDelta([2], [1], 1e-8, [1]), [Math.log(1 + 1e-8) - Math.log(1e-8)], 1e-9, 'at the minimum');
    assert.ok(Number.isFinite(famoDelta([1], [0], 1e-8)[0]));
  });

  test('adamStep is torch.optim.Adam: first step −lr·sign(g), second by hand', () => {
    const p = Float64Array.from([0, 0.5]);
    const state = adamState(2);
    adamStep(p, [0.2, -0.4], [0, 1], state, 0.1, 0);
    // t = 1: m̂ = g, v̂ = g², step lr·g/(|g| + 1e-8).
    assertClose(p, [-0.1 * (0.2 / (0.2 + 1e-8)), 0.5 + 0.1 * (0.4 / (0.4 + 1e-8))], 1e-12, 'step 1');
    const p1 = Array.from(p);
    adamStep(p, [0.1, 0.3], [0, 1], state, 0.1, 0.5);
    // t = 2, with L2 decay 0.5: g' = g + 0.5·θ.
    const expected = [0, 1].map((i) => {
      const g1 = [0.2, -0.4][i];
      const g2 = [0.1, 0.3][i] + 0.5 * p1[i];
      const m = 0.9 * (0.1 * g1) + 0.1 * g2;
      const v = 0.999 * (0.001 * g1 * g1) + 0.001 * g2 * g2;
      return p1[i] - ((0.1 / (1 - 0.81)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999 * 0.999) + 1e-8);
    });
    assertClose(p, expected, 1e-12, 'step 2');
    assert.deepEqual(Array.from(state.steps), [2, 2]);
  });
});

describe('famo', () => {
  test('combine: Σ zᵢ log Dᵢ / c, gradient zᵢ/(c·Dᵢ) with c held fixed', () => {
    const w = famo.create(famo.options.parse({}), two) as LossWeighting;
    // ξ = 0: z = (½, ½); L = (1, 3): c = ½(1 + ⅓) = ⅔, value ½·log 3 / ⅔ = ¾·log 3.
    const { value, grads } = valueAndGrads(w, [1, 3], [true, true]);
    assertClose([value], [0.75 * Math.log(3)], 1e-5, 'value');
    assertClose(grads, [0.75, 0.25], 1e-5, 'gradients (effective weights, sum 1)');
    assert.equal(w.needsLossesAfterStep, true);
    assert.equal(w.variables, undefined, 'ξ is not a tf variable');
  });

  test('the ξ update after a step, by hand (official code: Adam, lr 0.025, γ 0.01)', () => {
    const w = createFamo(famo.options.parse({}), two);
    assertClose(w.weights(), [0.5, 0.5], 1e-12, 'initial');
    // δ = (log 2, log(3/2.7)); z = ½: d = ½(δ − mean δ) = ±¼(log 2 − log(3/2.7)), d₀ > 0.
    w.afterStep?.([1, 3], at, [0.5, 2.7]);
    const xi1 = w.logits();
    assertClose(xi1, [-0.025, 0.025], 1e-6, 'first step: −lr·sign(d)');
    assertClose(w.weights(), [0.75, 0.25], 1e-6, 'effective weights of the step');
    // The task whose loss fell faster (a) now weighs less in the next combine.
    const after = valueAndGrads(w, [1, 1], [true, true]).grads;
    assertClose(after, softmax(xi1), 1e-5, 'equal losses: the weights are z');
    assert.ok(after[0] < after[1]);
    // Second step, by hand: δ = (log(1/0.9), log(1/0.5)).
    w.afterStep?.([1, 1], { ...at, step: 1 }, [0.9, 0.5]);
    const z = softmax(xi1);
    const delta = [Math.log((1 + 1e-8) / (0.9 + 1e-8)), Math.log((1 + 1e-8) / (0.5 + 1e-8))];
    const mean = z[0] * delta[0] + z[1] * delta[1];
    const g1 = [0, 1].map((i) => {
      const d0 = [Math.log((1 + 1e-8) / (0.5 + 1e-8)), Math.log((3 + 1e-8) / (2.7 + 1e-8))];
      const m0 = 0.5 * d0[0] + 0.5 * d0[1];
      return 0.5 * (d0[i] - m0);
    });
    const expected = [0, 1].map((i) => {
      const g2 = z[i] * (delta[i] - mean) + 0.01 * xi1[i];
      const m = 0.9 * 0.1 * g1[i] + 0.1 * g2;
      const v = 0.999 * 0.001 * g1[i] * g1[i] + 0.001 * g2 * g2;
      return xi1[i] - ((0.025 / (1 - 0.81)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + 1e-8);
    });
    assertClose(w.logits(), expected, 1e-9, 'second step');
    assert.ok(w.logits()[0] > xi1[0], 'b fell faster this time: a regains weight');
  });

  test('an unlabelled task: no part in combine or in the update, its logit and Adam state untouched', () => {
    const w3 = createFamo({ wLr: 0.025, gamma: 0.01, epsilon: 1e-8 }, three);
    const w2 = createFamo({ wLr: 0.025, gamma: 0.01, epsilon: 1e-8 }, two);
    // Task b is unlabelled: the step is the two-task one on (a, c).
    const c3 = valueAndGrads(w3, [1, Number.NaN, 3], [true, false, true]);
    const c2 = valueAndGrads(w2, [1, 3], [true, true]);
    assertClose([c3.value], [c2.value], 1e-6, 'value');
    assertClose(c3.grads, [c2.grads[0], 0, c2.grads[1]], 1e-6, 'gradients');
    w3.afterStep?.([1, Number.NaN, 3], at, [0.5, Number.NaN, 2.7]);
    w2.afterStep?.([1, 3], at, [0.5, 2.7]);
    const [a2, b2] = w2.logits();
    assertClose(w3.logits(), [a2, 0, b2], 1e-12, 'logits');
    assertClose(w3.weights(), [w2.weights()[0], 0, w2.weights()[1]], 1e-12, 'weights');
    // When b comes back, its first Adam step is a first step (own bias correction): −lr·sign(d).
    w3.afterStep?.([1, 1, 1], { ...at, step: 1 }, [1, 0.5, 1]);
    assertClose([w3.logits()[1]], [-0.025], 1e-6, 'b: first step');
  });

  test('no labelled task: combine is a finite 0 with zero gradient, and ξ does not move', () => {
    const w = createFamo(famo.options.parse({}), two);
    const none = valueAndGrads(w, [0, 0], [false, false]);
    assert.equal(none.value, 0);
    assert.deepEqual(none.grads, [0, 0]);
    w.afterStep?.([Number.NaN, Number.NaN], at, [Number.NaN, Number.NaN]);
    assert.deepEqual(Array.from(w.logits()), [0, 0]);
  });

  test('a zero loss stays finite (ε), and missing losses after the step are refused', () => {
    const w = createFamo(famo.options.parse({}), two);
    const { value, grads } = valueAndGrads(w, [0, 1], [true, true]);
    assert.ok(Number.isFinite(value) && grads.every(Number.isFinite));
    w.afterStep?.([0, 1], at, [0, 0.5]);
    assert.ok(Array.from(w.logits()).every(Number.isFinite));
    assert.throws(() => w.afterStep?.([1, 1], at), errorLike(ObjectiveError, /losses after the step/));
  });

  test('options: strict, the official defaults', () => {
    assert.deepEqual(famo.options.parse({}), { wLr: 0.025, gamma: 0.01, epsilon: 1e-8 });
    assert.equal(famo.options.safeParse({ w_lr: 0.1 }).success, false);
    assert.equal(famo.options.safeParse({ gamma: -1 }).success, false);
  });

  test('does not leak tensors', () => {
    const w = createFamo(famo.options.parse({}), three);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      valueAndGrads(w, [1, 2, 3], [true, i !== 1, true]);
      w.afterStep?.([1, i !== 1 ? 2 : Number.NaN, 3], at, [0.9, i !== 1 ? 1.5 : Number.NaN, 2.9]);
    }
    valueAndGrads(w, [0, 0, 0], [false, false, false]);
    assert.equal(tf.memory().numTensors, before);
  });
});
