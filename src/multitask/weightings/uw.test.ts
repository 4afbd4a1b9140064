import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// Registers the gradients (tfjs-core's Node bundle has none).
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { assertClose } from '../../engine/testing.js';
import type { LossWeighting, WeightingStep } from '../weighting.js';
import { uw, uwWeight } from './uw.js';

const at: WeightingStep = { epoch: 0, step: 0, stepsPerEpoch: 10, epochs: 1 };
const setup = { tasks: ['a', 'b', 'c'], seed: 1 };

/** Loss i is θᵢ + valueᵢ with θᵢ = 0 a variable, so ∂C/∂θᵢ = ∂C/∂Lᵢ (0 when C does not depend on it). */
function valueAndGrads(w: LossWeighting, values: number[], labelled: boolean[]): { value: number; grads: number[]; sGrads: number[] } {
  const thetas = values.map(() => tf.tidy(() => tf.variable(tf.scalar(0))));
  const s = w.variables ?? [];
  try {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => w.combine(thetas.map((t, i) => tf.add(t, values[i]) as tf.Scalar), labelled, at), [...thetas, ...s]);
      const read = (v: tf.Variable): number => (grads[v.name] === undefined ? 0 : grads[v.name].dataSync()[0]);
      return { value: value.dataSync()[0], grads: thetas.map(read), sGrads: s.map(read) };
    });
  } finally {
    for (const t of thetas) t.dispose();
  }
}

function setLogVariances(w: LossWeighting, values: number[]): void {
  (w.variables ?? []).forEach((v, i) => tf.tidy(() => v.assign(tf.scalar(values[i]))));
}

before(async () => {
  await selectBackend('cpu');
});

describe('uw', () => {
  test('starts at LibMTL\'s s = −0.5 and gives Σ (exp(−s)·L + s)/2', () => {
    const w = uw.create(uw.options.parse({}), setup) as LossWeighting;
    try {
      assert.equal(w.variables?.length, 3);
      assertClose(w.weights(), [Math.exp(0.5) / 2, Math.exp(0.5) / 2, Math.exp(0.5) / 2], 1e-6, 'initial weights');
      const losses = [0.5, 2, 1.25];
      const { value } = valueAndGrads(w, losses, [true, true, true]);
      const expected = losses.reduce((sum, l) => sum + (Math.exp(0.5) * l - 0.5) / 2, 0);
      assertClose([value], [expected], 1e-6, 'loss at s = −0.5');
    } finally {
      w.dispose?.();
    }
  });

  test('the gradients on L and on s are exp(−s)/2 and (1 − exp(−s)·L)/2', () => {
    const w = uw.create({ initLogVariance: 0 }, setup) as LossWeighting;
    try {
      const s = [0.3, -1, 2];
      setLogVariances(w, s);
      const losses = [0.5, 2, 1.25];
      const { value, grads, sGrads } = valueAndGrads(w, losses, [true, true, true]);
      // By hand at s = (0.3, −1, 2): the loss is Σ (e^{−s}L + s)/2.
      const expected = s.reduce((sum, si, i) => sum + (Math.exp(-si) * losses[i] + si) / 2, 0);
      assertClose([value], [expected], 1e-5, 'loss');
      assertClose(grads, s.map((si) => Math.exp(-si) / 2), 1e-5, '∂/∂L');
      assertClose(sGrads, s.map((si, i) => (1 - Math.exp(-si) * losses[i]) / 2), 1e-5, '∂/∂s');
      assertClose(w.weights(), s.map(uwWeight), 1e-6, 'weights exp(−s)/2');
      // The optimum of s for a fixed L is log L (∂/∂s = 0): check the formula there.
      setLogVariances(w, losses.map(Math.log));
      assertClose(valueAndGrads(w, losses, [true, true, true]).sGrads, [0, 0, 0], 1e-5, '∂/∂s at s = log L');
    } finally {
      w.dispose?.();
    }
  });

  test('a task without labels contributes neither its loss nor its regularizer', () => {
    const w = uw.create({ initLogVariance: 0 }, setup) as LossWeighting;
    try {
      setLogVariances(w, [0.3, -1, 2]);
      const { value, grads, sGrads } = valueAndGrads(w, [0.5, Number.NaN, 1.25], [true, false, true]);
      const expected = (Math.exp(-0.3) * 0.5 + 0.3) / 2 + (Math.exp(-2) * 1.25 + 2) / 2;
      assertClose([value], [expected], 1e-5, 'loss of the labelled tasks');
      assert.equal(grads[1], 0);
      assert.equal(sGrads[1], 0, 'the unlabelled task\'s s gets no gradient');
      assert.ok(sGrads[0] !== 0 && sGrads[2] !== 0);
    } finally {
      w.dispose?.();
    }
  });

  test('no labelled task: a finite 0 with zero gradient', () => {
    const w = uw.create(uw.options.parse({}), setup) as LossWeighting;
    try {
      const { value, grads, sGrads } = valueAndGrads(w, [0, 0, 0], [false, false, false]);
      assert.equal(value, 0);
      assert.deepEqual(grads, [0, 0, 0]);
      assert.deepEqual(sGrads, [0, 0, 0]);
    } finally {
      w.dispose?.();
    }
  });

  test('two instances have distinct variable names, and dispose frees every tensor', () => {
    const before = tf.memory().numTensors;
    const a = uw.create(uw.options.parse({}), setup) as LossWeighting;
    const b = uw.create(uw.options.parse({}), setup) as LossWeighting;
    const names = [...(a.variables ?? []), ...(b.variables ?? [])].map((v) => v.name);
    assert.equal(new Set(names).size, 6);
    for (let i = 0; i < 3; i++) valueAndGrads(a, [1, 2, 3], [true, i !== 1, true]);
    valueAndGrads(a, [0, 0, 0], [false, false, false]);
    a.weights();
    a.dispose?.();
    a.dispose?.(); // twice is harmless
    b.dispose?.();
    assert.equal(tf.memory().numTensors, before);
  });

  test('options: strict, with the default', () => {
    assert.deepEqual(uw.options.parse({}), { initLogVariance: -0.5 });
    assert.equal(uw.options.safeParse({ init: 0 }).success, false);
    assert.deepEqual(uw.optionNames, ['initLogVariance']);
  });
});
