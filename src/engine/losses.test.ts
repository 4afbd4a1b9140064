import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// Registers the gradients (tfjs-core's Node bundle has none).
import '@tensorflow/tfjs-layers';
import { selectBackend } from './backend.js';
import { crossEntropy, distillationKl, maskedMean, perSampleCrossEntropy, perSampleSquaredError, stopGradient } from './losses.js';
import { assertClose, randomValues } from './testing.js';

/** log(sum(exp(row))) by hand. */
function logSumExp(row: number[]): number {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
}

function oneHot(labels: number[], k: number): tf.Tensor2D {
  return tf.tensor2d(labels.map((y) => Array.from({ length: k }, (_, c) => (c === y ? 1 : 0))));
}

function softmaxRow(row: number[]): number[] {
  const lse = logSumExp(row);
  return row.map((v) => Math.exp(v - lse));
}

before(async () => {
  await selectBackend('cpu');
});

describe('cross-entropy', () => {
  const logits = [
    [1, 2, 3],
    [0, 0, 0],
    [-2, 5, 0.5],
  ];
  const labels = [2, 0, 0];
  const expected = logits.map((row, i) => logSumExp(row) - row[labels[i]]);

  test('perSampleCrossEntropy matches -log softmax of the label', () => {
    const got = tf.tidy(() =>
      perSampleCrossEntropy(tf.tensor2d(logits), oneHot(labels, 3)).dataSync(),
    );
    assert.equal(got.length, 3);
    assertClose(got, expected, 1e-6, 'per-sample CE');
    // sanity of the hand values: sample 1 is uniform over 3 classes
    assert.ok(Math.abs(expected[1] - Math.log(3)) < 1e-12);
  });

  test('crossEntropy is the batch mean', () => {
    const got = tf.tidy(() => crossEntropy(tf.tensor2d(logits), oneHot(labels, 3)).dataSync());
    assert.equal(got.length, 1);
    const mean = expected.reduce((a, b) => a + b, 0) / expected.length;
    assertClose(got, [mean], 1e-6, 'mean CE');
  });

  test('is stable for large logits', () => {
    const got = tf.tidy(() => crossEntropy(tf.tensor2d([[1000, 0]]), tf.tensor2d([[0, 1]])).dataSync());
    assertClose(got, [1000], 1e-6, 'CE with large logits');
  });
});

describe('distillationKl', () => {
  test('is 0 for equal logits', () => {
    const v = tf.tidy(() => {
      const t = tf.tensor2d(randomValues(4 * 5, 1), [4, 5]);
      return distillationKl(t, t, 3).dataSync()[0];
    });
    assert.ok(Math.abs(v) < 1e-6, `KL of equal logits ${v}`);
  });

  test('is positive for different logits', () => {
    const v = tf.tidy(() =>
      distillationKl(tf.tensor2d(randomValues(4 * 5, 1), [4, 5]), tf.tensor2d(randomValues(4 * 5, 2), [4, 5]), 1).dataSync()[0],
    );
    assert.ok(v > 1e-4, `KL ${v}`);
  });

  test('matches a hand-computed value at T = 2, including the T² factor', () => {
    const student = [
      [1, 0, -1],
      [0.5, 2, 0],
    ];
    const teacher = [
      [3, 1, 0],
      [0, 0, 1],
    ];
    const T = 2;
    const kls = student.map((s, i) => {
      const p = softmaxRow(teacher[i].map((v) => v / T));
      const q = softmaxRow(s.map((v) => v / T));
      return p.reduce((acc, pk, k) => acc + pk * Math.log(pk / q[k]), 0);
    });
    const expected = ((kls[0] + kls[1]) / 2) * T * T;
    const got = tf.tidy(() => distillationKl(tf.tensor2d(student), tf.tensor2d(teacher), T).dataSync());
    assertClose(got, [expected], 1e-5, 'KL at T=2');
    // without the T² factor the value would be 4 times smaller
    assert.ok(Math.abs(got[0] - expected / 4) > 1e-3);
  });
});

describe('stopGradient', () => {
  test('has the input\'s value', () => {
    const values = randomValues(6, 9);
    const got = tf.tidy(() => stopGradient(tf.tensor2d(values, [2, 3])).dataSync());
    assertClose(got, values, 0, 'value');
  });

  test('has zero gradient, while other paths still get theirs', () => {
    const values = randomValues(6, 9);
    const [only, mixed] = tf.tidy(() => {
      const x = tf.tensor2d(values, [2, 3]);
      const gOnly = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(stopGradient(a), 3)))(x);
      // d/dx sum(x * sg(x)) = sg(x) = x
      const gMixed = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(a, stopGradient(a))))(x);
      return [gOnly.dataSync(), gMixed.dataSync()];
    });
    assertClose(only, new Float32Array(6), 0, 'gradient through stopGradient');
    assertClose(mixed, values, 1e-6, 'gradient of x * stopGradient(x)');
  });
});

describe('maskedMean', () => {
  test('averages over the labelled samples only, and a NaN in an unlabelled one does not leak into the value or the gradient', () => {
    const x = tf.variable(tf.tensor1d([1, 2, NaN, 4]));
    const mask = tf.tensor1d([1, 1, 0, 1]);
    const { value, grads } = tf.tidy(() => {
      const r = tf.variableGrads(() => maskedMean(tf.square(x) as tf.Tensor1D, mask), [x]);
      return { value: r.value.dataSync()[0], grads: Array.from(r.grads[x.name].dataSync()) };
    });
    assertClose([value], [(1 + 4 + 16) / 3], 1e-6, 'mean of the labelled squares');
    assertClose(grads, [2 / 3, 4 / 3, 0, 8 / 3], 1e-6, 'gradient: 2x/3 where labelled, 0 elsewhere');
    x.dispose();
    mask.dispose();
  });

  test('is 0 with a zero gradient when no sample is labelled (never NaN), and the plain mean without a mask', () => {
    const x = tf.variable(tf.tensor1d([3, 5]));
    const r = tf.tidy(() => {
      const none = tf.variableGrads(() => maskedMean(x as unknown as tf.Tensor1D, tf.zeros([2]) as tf.Tensor1D), [x]);
      return { value: none.value.dataSync()[0], grads: Array.from(none.grads[x.name].dataSync()), plain: maskedMean(x as unknown as tf.Tensor1D).dataSync()[0] };
    });
    assert.deepEqual(r, { value: 0, grads: [0, 0], plain: 4 });
    x.dispose();
  });
});

test('perSampleSquaredError sums the squared errors of each sample over its values', () => {
  const [wide, flat] = tf.tidy(() => [
    Array.from(perSampleSquaredError(tf.tensor2d([[1, 2], [0, -1]]), tf.tensor2d([[0, 0], [1, 1]])).dataSync()),
    Array.from(perSampleSquaredError(tf.tensor1d([3]), tf.tensor1d([1])).dataSync()),
  ]);
  assert.deepEqual(wide, [5, 5]);
  assert.deepEqual(flat, [4]);
});
