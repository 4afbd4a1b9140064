import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../engine/backend-registry.js';
import { ShapeMismatchError } from '../../../errors.js';
import { errorLike } from '../../../engine/testing.js';
import { clip, clipLoss, ClipOptionsSchema } from './clip.js';

before(async () => {
  await selectBackend('cpu');
});

// a = [[3, 4], [0, 2]] normalizes to [[0.6, 0.8], [0, 1]]; b = [[1, 0], [0, 5]] to [[1, 0], [0, 1]].
// Cosines S = a·bᵀ = [[0.6, 0.8], [0, 1]]: pair 0 is closer to b₁ (a hard negative), pair 1 is right.
const A = [[3, 4], [0, 2]];
const B = [[1, 0], [0, 5]];

function value(fn: () => tf.Scalar): number {
  return tf.tidy(() => fn().dataSync()[0]);
}

test('clip: the symmetric cross-entropy of a 2x2 batch at scale 1, worked out by hand', () => {
  const start = tf.memory().numTensors;
  const loss = value(() => clipLoss(tf.tensor2d(A), tf.tensor2d(B), tf.scalar(1)));
  // a→b, rows:    row 0: log(e^0.6 + e^0.8) − 0.6 = log(4.04770) − 0.6 = 0.79815
  //               row 1: log(e^0 + e^1) − 1       = log(3.71828) − 1   = 0.31326   → mean 0.55570
  // b→a, columns: col 0: log(e^0.6 + e^0) − 0.6   = log(2.82212) − 0.6 = 0.43749
  //               col 1: log(e^0.8 + e^1) − 1     = log(4.94383) − 1   = 0.59814   → mean 0.51781
  // L = (0.55570 + 0.51781) / 2 = 0.53676
  assert.ok(Math.abs(loss - 0.536757) < 1e-5, `loss ${loss}`);
  assert.equal(tf.memory().numTensors, start);
});

test('clip: the created loss starts at temperature 0.07 (scale 1/0.07) and agrees with clipLoss', () => {
  const l = clip.create(ClipOptionsSchema.parse({}));
  assert.ok(Math.abs(l.temperature() - 0.07) < 1e-6);
  assert.ok(Math.abs(l.parameters().logitScale - 1 / 0.07) < 1e-4);
  const got = value(() => l.loss(tf.tensor2d(A), tf.tensor2d(B)));
  // At s = 14.2857 (same rows and columns as above, times s): 0.74226 (computed with the formula above).
  assert.ok(Math.abs(got - 0.742255) < 1e-4, `loss ${got}`);
  l.dispose();
  l.dispose(); // idempotent
});

test('clip: gradient signs: the scale grows on aligned pairs, shrinks on swapped ones; a moves toward its pair', () => {
  const start = tf.memory().numTensors;
  // Aligned: S = I, L(s) = log(1 + e^(−s)), dL/dt = s·dL/ds = −s·σ(−s) = −0.26894 at s = 1.
  const dAligned = tf.tidy(() => tf.grad((t: tf.Tensor) => clipLoss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[2, 0], [0, 3]]), tf.exp(t) as tf.Scalar))(tf.scalar(0)).dataSync()[0]);
  assert.ok(Math.abs(dAligned - -0.268941) < 1e-5, `dL/dt aligned ${dAligned}`);
  // Swapped: S = [[0, 1], [1, 0]], L(s) = log(1 + e^s), dL/dt = s·σ(s) = 0.73106 at s = 1.
  const dSwapped = tf.tidy(() => tf.grad((t: tf.Tensor) => clipLoss(tf.tensor2d([[0, 1], [1, 0]]), tf.tensor2d([[1, 0], [0, 1]]), tf.exp(t) as tf.Scalar))(tf.scalar(0)).dataSync()[0]);
  assert.ok(Math.abs(dSwapped - 0.731059) < 1e-5, `dL/dt swapped ${dSwapped}`);
  // Moving a₀ a little against its gradient brings it closer to b₀ = [1, 0] than to b₁ = [0, 1].
  const ga = tf.tidy(() => tf.grad((a: tf.Tensor) => clipLoss(a as tf.Tensor2D, tf.tensor2d(B), tf.scalar(1)))(tf.tensor2d(A)).arraySync() as number[][]);
  assert.ok(ga[0][0] < 0 && ga[0][1] > 0, `dL/da₀ = [${ga[0].join(', ')}] should point away from b₀ and toward b₁`);
  assert.equal(tf.memory().numTensors, start);
});

test('clip: the logit scale is clamped at 100, in the forward pass and after a step', () => {
  const l = clip.create(ClipOptionsSchema.parse({}));
  tf.tidy(() => l.variables[0].assign(tf.scalar(Math.log(200))));
  assert.ok(Math.abs(l.parameters().logitScale - 100) < 1e-6);
  // At s = 100: a→b row 0 ≈ 100·(0.8 − 0.6) = 20, row 1 ≈ 0 (mean 10); b→a ≈ 0: L ≈ 5.
  const got = value(() => l.loss(tf.tensor2d(A), tf.tensor2d(B)));
  assert.ok(Math.abs(got - 5) < 1e-4, `loss ${got}`);
  const grad = tf.tidy(() => tf.grad(() => l.loss(tf.tensor2d(A), tf.tensor2d(B)))(l.variables[0]).dataSync()[0]);
  assert.ok(Math.abs(grad) < 1e-9, 'no gradient through the clamp');
  l.afterStep?.();
  assert.ok(Math.abs(l.variables[0].dataSync()[0] - Math.log(100)) < 1e-6, 'afterStep puts t back to log 100');
  tf.tidy(() => l.variables[0].assign(tf.scalar(-1)));
  l.afterStep?.();
  assert.equal(l.variables[0].dataSync()[0], 0, 'and t below 0 back to 0 (scale 1), as OpenCLIP clamps');
  l.dispose();
});

test('clip: the temperature is learned: SGD on aligned pairs raises the scale, never past the clamp', () => {
  const l = clip.create(ClipOptionsSchema.parse({ initTemperature: 0.5 }));
  const opt = tf.train.sgd(5);
  const a = tf.tensor2d([[1, 0.2], [0.1, 1], [-1, 0.3]]);
  const b = tf.tensor2d([[1, 0], [0, 1], [-1, 0]]);
  const before = l.temperature();
  for (let i = 0; i < 300; i++) {
    tf.tidy(() => {
      opt.minimize(() => l.loss(a, b), false, [...l.variables]);
    });
    l.afterStep?.();
  }
  assert.ok(l.temperature() < before, `temperature ${l.temperature()} should fall from ${before}`);
  assert.ok(l.temperature() >= 0.01 - 1e-9, 'but not below 1/100');
  tf.dispose([a, b]);
  opt.dispose();
  l.dispose();
});

test('clip: options refuse a start beyond the clamp; the loss refuses unpaired shapes', () => {
  assert.equal(ClipOptionsSchema.safeParse({ initTemperature: 0.001 }).success, false);
  assert.equal(ClipOptionsSchema.safeParse({ temperature: 0.1 }).success, false);
  assert.throws(() => tf.tidy(() => clipLoss(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 3]) as tf.Tensor2D, tf.scalar(1))), errorLike(ShapeMismatchError, /same shape/));
});

test('clip: a zero embedding gives a finite loss (no NaN from the normalization)', () => {
  const got = value(() => clipLoss(tf.tensor2d([[0, 0], [1, 0]]), tf.tensor2d([[1, 0], [0, 1]]), tf.scalar(10)));
  assert.ok(Number.isFinite(got));
});
