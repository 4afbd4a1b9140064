import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from './backend-registry.js';
import { detectHeadOutput, headLogits } from './head-output.js';
import { assertClose } from './testing.js';

before(async () => {
  await selectBackend('cpu');
});

test('detectHeadOutput reads each output of a multi-head model on its own', () => {
  const input = tfl.input({ shape: [3] });
  const h = tfl.layers.dense({ units: 4, activation: 'relu' }).apply(input) as tfl.SymbolicTensor;
  const outputs = [
    tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(h),
    tfl.layers.dense({ units: 1 }).apply(h),
    tfl.layers.dense({ units: 2, activation: 'sigmoid' }).apply(h),
    tfl.layers.softmax().apply(tfl.layers.dense({ units: 3 }).apply(h)),
  ] as tfl.SymbolicTensor[];
  const model = tfl.model({ inputs: input, outputs });
  assert.deepEqual([0, 1, 2, 3].map((i) => detectHeadOutput(model, i)), ['softmax', 'logits', 'sigmoid', 'softmax']);
  model.dispose();
});

test('detectHeadOutput looks inside a nested model that produces the output', () => {
  const inner = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], activation: 'sigmoid' })] });
  const input = tfl.input({ shape: [3] });
  const model = tfl.model({ inputs: input, outputs: inner.apply(input) as tfl.SymbolicTensor });
  assert.equal(detectHeadOutput(model, 0), 'sigmoid');
  model.dispose();
});

test('headLogits: softmax probabilities become log-probabilities, sigmoid ones log-odds; logits and values pass through', () => {
  const [soft, sig, value] = tf.tidy(() => [
    headLogits(tf.tensor2d([[0.2, 0.8]]), 'softmax').dataSync(),
    headLogits(tf.tensor2d([[0.25, 0.5]]), 'sigmoid').dataSync(),
    headLogits(tf.tensor2d([[0.067]]), 'value').dataSync(),
  ]);
  assertClose(soft, [Math.log(0.2), Math.log(0.8)], 1e-6, 'log-probabilities');
  assertClose(sig, [Math.log(0.25 / 0.75), 0], 1e-6, 'log-odds');
  assertClose(value, [0.067], 1e-7, 'a regression value is left alone');
});
