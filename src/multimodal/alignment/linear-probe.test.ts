import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import { ShapeMismatchError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { fitLinearProbe, linearProbeAccuracy, LinearProbeOptionsSchema, predictLinearProbe, softmaxRegressionGradient } from './linear-probe.js';

test('softmaxRegressionGradient: at zero weights, by hand', () => {
  // x = [1, −1] (one feature), labels [0, 1], two classes; W = 0, b = 0 → p = (0.5, 0.5) for both rows.
  // loss = log 2; dL/dW[0][c] = mean_i x_i (p_ic − y_ic):
  //   c = 0: (1·(0.5 − 1) + (−1)·(0.5 − 0)) / 2 = −0.5;  c = 1: (1·0.5 + (−1)·(0.5 − 1)) / 2 = 0.5
  // dL/db[c] = mean_i (p_ic − y_ic) = 0 for both classes.
  const g = softmaxRegressionGradient(Float64Array.from([1, -1]), 1, Int32Array.from([0, 1]), 2, new Float64Array(2), new Float64Array(2), 0);
  assert.ok(Math.abs(g.loss - Math.log(2)) < 1e-12);
  assert.deepEqual(Array.from(g.gW), [-0.5, 0.5]);
  assert.deepEqual(Array.from(g.gb), [0, 0]);
  // The L2 term adds λ·W: with W = [1, 2], λ = 0.1 the weights' gradient gains [0.1, 0.2] (and the loss changes).
  const w = softmaxRegressionGradient(Float64Array.from([1, -1]), 1, Int32Array.from([0, 1]), 2, Float64Array.from([1, 2]), new Float64Array(2), 0.1);
  const plain = softmaxRegressionGradient(Float64Array.from([1, -1]), 1, Int32Array.from([0, 1]), 2, Float64Array.from([1, 2]), new Float64Array(2), 0);
  assert.ok(Math.abs(w.gW[0] - plain.gW[0] - 0.1) < 1e-12 && Math.abs(w.gW[1] - plain.gW[1] - 0.2) < 1e-12);
});

test('fitLinearProbe: separates three linearly separable clusters; unlabelled rows are left out', () => {
  const rng = createRng(3);
  const n = 90;
  const features = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  const centres = [[0, 4], [4, 0], [-4, -4]];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = i % 10 === 9 ? -1 : c;
    features[i * 2] = centres[c][0] + rng.next() - 0.5;
    features[i * 2 + 1] = centres[c][1] + rng.next() - 0.5;
  }
  const data = { features, dim: 2, labels, numClasses: 3 };
  const probe = fitLinearProbe(data, LinearProbeOptionsSchema.parse({}));
  assert.ok(probe.trainLoss < 0.1, `train loss ${probe.trainLoss}`);
  const pred = predictLinearProbe(probe, features);
  for (let i = 0; i < n; i++) assert.equal(pred[i], i % 3);
  const scores = linearProbeAccuracy(data, data);
  assert.equal(scores.accuracy, 1);
  assert.equal(scores.trainAccuracy, 1);
});

test('fitLinearProbe: the same data gives the same probe (deterministic)', () => {
  const data = { features: Float32Array.from([0, 1, 1, 0, 2, 2, -1, 0]), dim: 2, labels: Int32Array.from([0, 1, 1, 0]), numClasses: 2 };
  const a = fitLinearProbe(data);
  const b = fitLinearProbe(data);
  assert.deepEqual(Array.from(a.weights), Array.from(b.weights));
});

test('linear probe: bad shapes, labels or values are refused', () => {
  assert.throws(() => fitLinearProbe({ features: new Float32Array(5), dim: 2, labels: new Int32Array(2), numClasses: 2 }), errorLike(ShapeMismatchError, /rows of width 2/));
  assert.throws(() => fitLinearProbe({ features: Float32Array.from([NaN, 0]), dim: 2, labels: new Int32Array(1), numClasses: 2 }), errorLike(ShapeMismatchError, /NaN/));
  assert.throws(() => fitLinearProbe({ features: new Float32Array(2), dim: 2, labels: Int32Array.from([-1]), numClasses: 2 }), errorLike(ShapeMismatchError, /no labelled/));
});
