import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// Registers the gradients (tfjs-core's Node bundle has none).
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { assertClose } from '../../engine/testing.js';
import { jacobianOf } from '../jacobian/jacobian.js';
import { dbMtl, DbMtlOptionsSchema, updateAverage } from './db-mtl.js';
import type { GradientMethod } from '../weighting.js';

before(async () => {
  await selectBackend('cpu');
});

const at = { epoch: 0, step: 0, stepsPerEpoch: 1, epochs: 1 };
const make = (tasks: number, options: object = {}): GradientMethod =>
  dbMtl.create(DbMtlOptionsSchema.parse(options), { tasks: Array.from({ length: tasks }, (_, i) => `t${i}`), seed: 1 }) as GradientMethod;
const info = (labelled: boolean[]) => ({ losses: labelled.map(() => 1), labelled, at });

test('worked out by hand: the averages start at 0 and are scaled to the largest norm', () => {
  const method = make(2);
  const j = jacobianOf([Float32Array.of(1, 0), Float32Array.of(0, 4)]);

  const s1 = method.aggregate(j, info([true, true]));
  const s2 = method.aggregate(j, info([true, true]));

  // Step 1: ĝ = 0.1·g, norms 0.1 and 0.4, coefficients 4 and 1: d = (0.4, 0.4).
  assertClose(s1.direction, [0.4, 0.4], 1e-6, 'step 1');
  assertClose(s1.weights ?? [], [4, 1], 1e-6, 'coefficients');
  // Step 2: ĝ = g + 0.9(0.1g − g) = 0.19·g: d = (0.76, 0.76).
  assertClose(s2.direction, [0.76, 0.76], 1e-6, 'step 2');
});

test('β decays as β/t^σ', () => {
  const buffer = new Float32Array(2);
  const g = Float32Array.of(3, 4);

  updateAverage(buffer, g, 0.9 / 1 ** 0.5);
  const n = updateAverage(buffer, g, 0.9 / 2 ** 0.5);

  const b = 0.9 / Math.SQRT2;
  const expected = 1 + b * (0.1 - 1);
  assertClose(buffer, [3 * expected, 4 * expected], 1e-6, 'ĝ after two steps');
  assertClose([n], [5 * expected], 1e-6, 'its norm');
});

test('an unlabelled task keeps its average and count and is left out of the update', () => {
  const method = make(3);
  const a = Float32Array.of(1, 0);
  const b = Float32Array.of(0, 4);
  const zero = new Float32Array(2);

  method.aggregate(jacobianOf([a, b, Float32Array.of(2, 2)]), info([true, true, true]));
  const masked = method.aggregate(jacobianOf([a, b, zero]), info([true, true, false]));
  const back = method.aggregate(jacobianOf([a, b, Float32Array.of(2, 2)]), info([true, true, true]));

  assertClose(masked.direction, [0.76, 0.76], 1e-6, 'only the labelled tasks, at their second update');
  assert.equal(masked.weights?.[2], 0);
  // Task 2 is at its second update (0.19·(2, 2)), the others at their third (0.271·g).
  const largest = 0.271 * 4;
  const third = Math.hypot(0.38, 0.38);
  assertClose(back.weights ?? [], [largest / 0.271, 1, largest / third], 1e-5, 'coefficients');
});

// One labelled task, none, and all-zero rows: contract.test.ts.

test('transformLosses takes log(L + 1e-8) of labelled losses, a connected 0 otherwise, without leaking', () => {
  const method = make(3);
  const x = tf.variable(tf.scalar(2));
  const startTensors = tf.memory().numTensors;

  const { value, grads } = tf.variableGrads(() => {
    const losses = [tf.mul(x, 2), tf.mul(x, x), tf.mul(x, 0)] as tf.Scalar[];
    const out = (method.transformLosses as NonNullable<GradientMethod['transformLosses']>)(losses, [true, true, false]);
    assertClose(
      out.map((t) => t.dataSync()[0]),
      [Math.log(4 + 1e-8), Math.log(4 + 1e-8), 0],
      1e-6,
      'values',
    );
    return tf.addN(out) as tf.Scalar;
  }, [x]);
  // d/dx [log 2x + log x²] = 1/x + 2/x = 1.5 at x = 2.
  assertClose(grads[x.name].dataSync(), [1.5], 1e-5, 'gradient');
  value.dispose();
  Object.values(grads).forEach((t) => t.dispose());

  assert.equal(tf.memory().numTensors, startTensors);
  x.dispose();
});

test('options default to LibMTL’s β 0.9, σ 0, and are strict', () => {
  assert.deepEqual(DbMtlOptionsSchema.parse({}), { beta: 0.9, betaSigma: 0 });
  assert.equal(DbMtlOptionsSchema.safeParse({ beta: 1.5 }).success, false);
  assert.equal(DbMtlOptionsSchema.safeParse({ DB_beta: 0.9 }).success, false);
  assert.deepEqual(dbMtl.optionNames, Object.keys(DbMtlOptionsSchema.parse({})));
});
