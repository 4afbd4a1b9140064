import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../engine/backend-registry.js';
import { siglip, siglipLoss, SiglipOptionsSchema } from './siglip.js';

before(async () => {
  await selectBackend('cpu');
});

// a = [[3, 4], [0, 2]] and b = [[1, 0], [0, 5]] normalize to cosines S = [[0.6, 0.8], [0, 1]].
const A = [[3, 4], [0, 2]];
const B = [[1, 0], [0, 5]];

function value(fn: () => tf.Scalar): number {
  return tf.tidy(() => fn().dataSync()[0]);
}

test('siglip: the sigmoid loss of a 2x2 batch at scale 1 and bias 0, worked out by hand', () => {
  const start = tf.memory().numTensors;
  const loss = value(() => siglipLoss(tf.tensor2d(A), tf.tensor2d(B), tf.scalar(1), tf.scalar(0)));
  // −log σ(z·x) = log(1 + e^(−z·x)):
  //   (0,0) z=+1, x=0.6: log(1 + e^−0.6) = 0.43749     (0,1) z=−1, x=0.8: log(1 + e^0.8) = 1.17111
  //   (1,0) z=−1, x=0:   log 2            = 0.69315     (1,1) z=+1, x=1:   log(1 + e^−1)  = 0.31326
  // sum 2.61500, divided by N = 2: 1.30750
  assert.ok(Math.abs(loss - 1.307499) < 1e-5, `loss ${loss}`);
  assert.equal(tf.memory().numTensors, start);
});

test('siglip: the created loss starts at scale 10 and bias −10 (the paper’s) and agrees with siglipLoss', () => {
  const l = siglip.create(SiglipOptionsSchema.parse({}));
  assert.ok(Math.abs(l.parameters().logitScale - 10) < 1e-5);
  assert.equal(l.parameters().bias, -10);
  assert.ok(Math.abs(l.temperature() - 0.1) < 1e-6);
  const got = value(() => l.loss(tf.tensor2d(A), tf.tensor2d(B)));
  // x = 10·S − 10 = [[−4, −2], [−10, 0]]: log(1+e^4) + log(1+e^−2) + log(1+e^−10) + log(1+e^0)
  //   = 4.01815 + 0.12693 + 0.00005 + 0.69315 = 4.83827, / 2 = 2.41914
  assert.ok(Math.abs(got - 2.419135) < 1e-4, `loss ${got}`);
  l.dispose();
  l.dispose();
});

test('siglip: gradients at the paper’s start on aligned pairs raise both the scale and the bias', () => {
  const start = tf.memory().numTensors;
  const l = siglip.create(SiglipOptionsSchema.parse({}));
  const grads = tf.tidy(() => {
    const { grads: g } = tf.variableGrads(() => l.loss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[2, 0], [0, 3]])), [...l.variables]);
    return l.variables.map((v) => g[v.name].dataSync()[0]);
  });
  // S = I, x = 10·S − 10: diagonal 0, off-diagonal −10. dL/dx = −z·σ(−z·x) / N.
  // dL/db = (2·(−σ(0)) + 2·σ(−10)) / 2 = −0.5 + 4.54e−5 = −0.499955
  // dL/dt' = t·dL/dt = 10 · (2·(−σ(0))·1 + 2·σ(−10)·0) / 2 = −5
  assert.ok(Math.abs(grads[0] - -5) < 1e-4, `dL/dt' ${grads[0]}`);
  assert.ok(Math.abs(grads[1] - -0.499955) < 1e-5, `dL/db ${grads[1]}`);
  l.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test('siglip: moving a row against its gradient brings it toward its pair', () => {
  const ga = tf.tidy(() => tf.grad((a: tf.Tensor) => siglipLoss(a as tf.Tensor2D, tf.tensor2d(B), tf.scalar(1), tf.scalar(0)))(tf.tensor2d(A)).arraySync() as number[][]);
  assert.ok(ga[0][0] < 0 && ga[0][1] > 0, `dL/da₀ = [${ga[0].join(', ')}]`);
});

test('siglip: an optional clamp of the scale; frozen parameters are not trainable', () => {
  const l = siglip.create(SiglipOptionsSchema.parse({ maxLogitScale: 20, learnBias: false }));
  assert.equal(l.variables[1].trainable, false);
  tf.tidy(() => l.variables[0].assign(tf.scalar(Math.log(50))));
  assert.ok(Math.abs(l.parameters().logitScale - 20) < 1e-5);
  l.afterStep?.();
  assert.ok(Math.abs(l.variables[0].dataSync()[0] - Math.log(20)) < 1e-6);
  l.dispose();
  assert.equal(SiglipOptionsSchema.safeParse({ initLogitScale: 30, maxLogitScale: 20 }).success, false);
});

test('siglip: huge logits stay finite (log σ through softplus)', () => {
  const got = value(() => siglipLoss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[0, 1], [1, 0]]), tf.scalar(1e4), tf.scalar(0)));
  // x = 1e4 off the diagonal with z = −1: log(1 + e^1e4) = 1e4 each, twice, plus log 2 twice; / 2 = 1e4 + log 2
  assert.ok(Math.abs(got - (1e4 + Math.log(2))) < 1e-1, `loss ${got}`);
});
