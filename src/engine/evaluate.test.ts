import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/dataset.js';
import { selectBackend } from './backend.js';
import { datasetSource } from './batch.js';
import { evaluate, evaluateHeads } from './evaluate.js';
import { fieldSource } from './batch.js';
import { makeFieldDataset } from '../data/fields.js';
import { createMember, disposeMembers, type Member } from './member.js';
import { createOptimizer } from './optimizer.js';
import { assertClose } from './testing.js';

/**
 * Three samples, all of class 0. Each sample's features are [log pA, log pB]: member A reads the
 * first two (logits = log pA, so softmax = pA), member B the last two.
 */
const P_A = [
  [0.9, 0.1],
  [0.4, 0.6],
  [0.45, 0.55],
];
const P_B = [
  [0.4, 0.6],
  [0.9, 0.1],
  [0.7, 0.3],
];

function dataset(): Dataset {
  const features = new Float32Array(P_A.flatMap((pa, i) => [...pa, ...P_B[i]].map(Math.log)));
  return { features, sampleShape: [4], labels: new Int32Array([0, 0, 0]), numClasses: 2 };
}

/** A dense layer [4] -> [2] whose kernel picks features `from` and `from + 1`. */
function selector(name: string, from: number, activation: 'linear' | 'softmax' = 'linear'): Member {
  const model = tfl.sequential({ name });
  model.add(tfl.layers.dense({ units: 2, inputShape: [4], activation }));
  const kernel = new Float32Array(8);
  kernel[from * 2 + 0] = 1;
  kernel[(from + 1) * 2 + 1] = 1;
  model.layers[0].setWeights([tf.tensor2d(kernel, [4, 2]), tf.zeros([2])]);
  return createMember({ name, model, optimizer: createOptimizer({ name: 'sgd' }) });
}

const nll = (ps: number[]): number => -ps.reduce((s, p) => s + Math.log(p), 0) / ps.length;

before(async () => {
  await selectBackend('cpu');
});

describe('evaluate', () => {
  test('scores each member and the mean-probability ensemble', () => {
    const a = selector('a', 0);
    const b = selector('b', 2);
    const result = evaluate({ members: [a, b], data: datasetSource(dataset()), batchSize: 2 });
    assert.equal(result.members.length, 2);
    // A is right on sample 1 only, B on samples 2 and 3; the ensemble on all three
    assert.ok(Math.abs(result.members[0].accuracy - 1 / 3) < 1e-9, `A ${result.members[0].accuracy}`);
    assert.ok(Math.abs(result.members[1].accuracy - 2 / 3) < 1e-9, `B ${result.members[1].accuracy}`);
    assert.equal(result.ensemble.accuracy, 1);
    assertClose([result.members[0].loss], [nll(P_A.map((p) => p[0]))], 1e-5, 'loss of A');
    assertClose([result.members[1].loss], [nll(P_B.map((p) => p[0]))], 1e-5, 'loss of B');
    // mean of probabilities: 0.65, 0.65, 0.575 (a mean of logits would give other values)
    const ensembleP0 = P_A.map((p, i) => (p[0] + P_B[i][0]) / 2);
    assertClose(ensembleP0, [0.65, 0.65, 0.575], 1e-12, 'hand-computed ensemble');
    assertClose([result.ensemble.loss], [nll(ensembleP0)], 1e-5, 'loss of the ensemble');
  });

  test('gives the same scores for any batch size', () => {
    const members = [selector('a', 0), selector('b', 2)];
    const one = evaluate({ members, data: datasetSource(dataset()), batchSize: 1 });
    const all = evaluate({ members, data: datasetSource(dataset()) });
    assertClose(
      [...one.members.flatMap((s) => [s.accuracy, s.loss]), one.ensemble.accuracy, one.ensemble.loss],
      [...all.members.flatMap((s) => [s.accuracy, s.loss]), all.ensemble.accuracy, all.ensemble.loss],
      1e-6,
      'scores',
    );
  });

  test('a member that outputs probabilities scores like the same member with logits', () => {
    const logits = evaluate({ members: [selector('a', 0)], data: datasetSource(dataset()) });
    const probs = evaluate({ members: [selector('a', 0, 'softmax')], data: datasetSource(dataset()) });
    assert.equal(probs.members[0].accuracy, logits.members[0].accuracy);
    assertClose([probs.members[0].loss], [logits.members[0].loss], 1e-5, 'loss');
  });

  test('the ensemble of one member is that member', () => {
    const r = evaluate({ members: [selector('b', 2)], data: datasetSource(dataset()) });
    assert.equal(r.ensemble.accuracy, r.members[0].accuracy);
    assertClose([r.ensemble.loss], [r.members[0].loss], 1e-6, 'loss');
  });

  test('does not leak tensors', () => {
    const members = [selector('a', 0), selector('b', 2)];
    const before = tf.memory().numTensors;
    evaluate({ members, data: datasetSource(dataset()), batchSize: 2 });
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('evaluateHeads', () => {
  /**
   * Four samples; a model [2] -> two heads: `label` (2 classes, logits = the features) and `score`
   * (regression, the first feature). The label of sample 3 is missing, as is the score of sample 0.
   */
  function twoHeads(name: string, flip: boolean): Member {
    const input = tfl.input({ shape: [2] });
    const cls = tfl.layers.dense({ units: 2, useBias: false, kernelInitializer: 'identity' }).apply(input) as tfl.SymbolicTensor;
    const reg = tfl.layers.dense({ units: 1, useBias: false, kernelInitializer: 'ones' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [cls, reg] });
    if (flip) model.layers[1].setWeights([tf.tensor2d([0, 1, 1, 0], [2, 2])]);
    return createMember({ name, model, optimizer: createOptimizer({ name: 'sgd' }), heads: ['label', 'score'], outputs: { score: 'value' } });
  }
  const x = [
    [2, 0],
    [0, 1],
    [1, 3],
    [5, 0],
  ];
  const data = makeFieldDataset(
    {
      x: { kind: 'float', values: Float32Array.from(x.flat()), shape: [2] },
      label: { kind: 'classes', labels: Int32Array.from([0, 1, 0, 7]), numClasses: 2, mask: Uint8Array.from([1, 1, 1, 0]) },
      score: { kind: 'regression', values: Float32Array.from([NaN, 1, 5, 4]), width: 1, mask: Uint8Array.from([0, 1, 1, 1]) },
    },
    'heads',
  );

  test('scores each head with the metrics of its kind, over its labelled samples only', () => {
    const m = twoHeads('m', false);
    const r = evaluateHeads({ members: [m], data: fieldSource(data), batchSize: 3 });
    assert.deepEqual(r.labelled, { label: 3, score: 3 });
    assert.deepEqual(r.kinds, { label: 'classes', score: 'regression' });
    assert.deepEqual(Object.keys(r.members[0].label), ['accuracy', 'macroF1', 'crossEntropy']);
    assert.deepEqual(Object.keys(r.members[0].score), ['rmse', 'mae', 'r2']);
    // label: argmax of [2,0], [0,1], [1,3] is 0, 1, 1 against 0, 1, 0 (sample 3 is unlabelled)
    assert.ok(Math.abs(r.members[0].label.accuracy - 2 / 3) < 1e-9);
    // score: predictions x0 + x1 = 1, 4, 5 against 1, 5, 4 (sample 0 is unlabelled): errors 0, -1, 1
    assertClose([r.members[0].score.rmse, r.members[0].score.mae], [Math.sqrt(2 / 3), 2 / 3], 1e-6, 'rmse, mae');
    // R² = 1 − 2 / Σ(y − 10/3)² = 1 − 2/(49/9 + 25/9 + 4/9)
    assertClose([r.members[0].score.r2], [1 - 2 / (78 / 9)], 1e-6, 'r2');
    disposeMembers([m]);
  });

  test('the ensemble averages probabilities for classes and values for regression', () => {
    const a = twoHeads('a', false);
    const b = twoHeads('b', true);
    const r = evaluateHeads({ members: [a, b], data: fieldSource(data) });
    // b's class logits are swapped: the mean probabilities are 0.5 each, so argmax ties at class 0
    assert.ok(Math.abs(r.ensemble.label.accuracy - 2 / 3) < 1e-9);
    assertClose([r.ensemble.label.crossEntropy], [Math.log(2)], 1e-6, 'cross-entropy of 0.5 probabilities');
    // both members predict the same values, so the ensemble does too
    assertClose([r.ensemble.score.rmse], [r.members[0].score.rmse], 1e-6, 'ensemble rmse');
    const tensors = tf.memory().numTensors;
    evaluateHeads({ members: [a, b], data: fieldSource(data), heads: ['score'], metrics: { score: ['mae'] } });
    assert.equal(tf.memory().numTensors, tensors, 'no tensors left behind');
    assert.deepEqual(Object.keys(evaluateHeads({ members: [a], data: fieldSource(data), heads: ['score'], metrics: { score: ['mae'] } }).members[0]), ['score']);
    disposeMembers([a, b]);
  });
});
