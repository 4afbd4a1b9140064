/**
 * The fused softmax cross-entropy on native against the tfjs ops it replaces on cpu: the loss (per
 * sample and mean), its gradient with respect to the logits and to the labels, for one-hot, soft,
 * all-zero (masked) and unnormalized labels, large logits, and no growth in tensors.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { NATIVE_SKIP, runOn } from './testing.js';
import { assertClose, randomValues } from '../testing.js';
import { meanSoftmaxCrossEntropy, softmaxCrossEntropy } from '../softmax-cross-entropy.js';

const ROWS = 6;
const COLS = 5;

/** Labels of each kind, [ROWS, COLS]. */
function labels(kind: 'one-hot' | 'soft' | 'masked' | 'unnormalized'): number[] {
  const out: number[] = [];
  const soft = randomValues(ROWS * COLS, 7).map((v) => Math.exp(v));
  for (let r = 0; r < ROWS; r++) {
    const row = Array.from({ length: COLS }, (_, c) => {
      if (kind === 'one-hot') return c === (r * 3) % COLS ? 1 : 0;
      if (kind === 'masked') return r % 2 === 0 && c === r % COLS ? 1 : 0;
      return soft[r * COLS + c];
    });
    const total = row.reduce((a, b) => a + b, 0);
    out.push(...(kind === 'soft' ? row.map((v) => v / total) : row));
  }
  return out;
}

/** Loss, d loss/d logits and d loss/d labels of a weighted sum of per-sample losses (or of the mean). */
function lossAndGrads(logitValues: Float32Array, labelValues: number[], mean: boolean): tf.Tensor[] {
  const logits = tf.tensor2d(logitValues, [ROWS, COLS]);
  const y = tf.tensor2d(labelValues, [ROWS, COLS]);
  const weights = tf.tensor1d(Array.from({ length: ROWS }, (_, r) => r + 1));
  const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => (mean ? meanSoftmaxCrossEntropy(a, b) : (tf.sum(tf.mul(softmaxCrossEntropy(a, b), weights)) as tf.Scalar));
  const { value, grads } = tf.valueAndGrads(f)([logits, y]);
  const perSample = softmaxCrossEntropy(logits, y);
  return [value, perSample, ...grads];
}

describe('fused softmax cross-entropy (native)', { skip: NATIVE_SKIP }, () => {
  for (const kind of ['one-hot', 'soft', 'masked', 'unnormalized'] as const) {
    for (const mean of [false, true]) {
      test(`${kind} labels, ${mean ? 'mean' : 'per sample'}: loss and both gradients match the tfjs ops on cpu`, async () => {
        const logitValues = randomValues(ROWS * COLS, 3).map((v) => 4 * v);
        const expected = await runOn('cpu', () => lossAndGrads(logitValues, labels(kind), mean));
        const actual = await runOn('native', () => lossAndGrads(logitValues, labels(kind), mean));
        const names = ['loss', 'per-sample loss', 'd/dlogits', 'd/dlabels'];
        expected.forEach((e, i) => assertClose(actual[i], e, 1e-5, `${kind} ${names[i]}`));
      });
    }
  }

  test('the native run uses the fused kernels, and the cpu run the tfjs ops', async () => {
    const kernelsOn = async (backend: string): Promise<string[]> => {
      await tf.setBackend(backend);
      const logits = tf.variable(tf.tensor2d(randomValues(ROWS * COLS, 1), [ROWS, COLS]));
      const profile = await tf.profile(() =>
        tf.tidy(() => tf.variableGrads(() => meanSoftmaxCrossEntropy(logits, tf.tensor2d(labels('one-hot'), [ROWS, COLS])), [logits]).grads[logits.name]),
      );
      logits.dispose();
      return profile.kernels.map((k) => k.name);
    };
    const native = await kernelsOn('native');
    assert.ok(native.includes('JointlySoftmaxCrossEntropy') && native.includes('JointlySoftmaxCrossEntropyGrad'), native.join(' '));
    assert.ok(!native.includes('Exp'), `no composite ops on native: ${native.join(' ')}`);
    const cpu = await kernelsOn('cpu');
    assert.ok(!cpu.includes('JointlySoftmaxCrossEntropy') && cpu.includes('Exp'), cpu.join(' '));
  });

  test('large logits stay finite and exact', async () => {
    const [loss, grad] = await runOn('native', () => {
      const logits = tf.tensor2d([[1000, 0, -1000]]);
      const y = tf.tensor2d([[0, 1, 0]]);
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor) => meanSoftmaxCrossEntropy(a, y))([logits]);
      return [value, grads[0]];
    });
    assertClose(loss, [1000], 1e-6, 'loss');
    assertClose(grad, [1, -1, 0], 1e-6, 'gradient');
  });

  test('a shape it does not take (rank 3) falls back to the tfjs ops with the same values', async () => {
    const values = randomValues(2 * 3 * 4, 5);
    const y = labels('soft').slice(0, 2 * 3 * 4);
    const f = (): tf.Tensor => softmaxCrossEntropy(tf.tensor3d(values, [2, 3, 4]), tf.tensor3d(y, [2, 3, 4]));
    const [cpu] = await runOn('cpu', f);
    const [native] = await runOn('native', f);
    assert.equal(native.length, 6);
    assertClose(native, cpu, 1e-6, 'rank-3 per-position loss');
  });

  test('a hundred steps leave no tensors behind', async () => {
    await tf.setBackend('native');
    const logits = tf.variable(tf.tensor2d(randomValues(ROWS * COLS, 2), [ROWS, COLS]));
    const y = tf.tensor2d(labels('one-hot'), [ROWS, COLS]);
    const optimizer = tf.train.sgd(5);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) optimizer.minimize(() => meanSoftmaxCrossEntropy(logits, y));
    const after = tf.memory().numTensors;
    const loss = tf.tidy(() => meanSoftmaxCrossEntropy(logits, y).dataSync()[0]);
    optimizer.dispose();
    tf.dispose([logits, y]);
    assert.equal(after, before);
    assert.ok(loss < 0.05, `training on the fused loss lowers it: ${loss}`);
  });
});
