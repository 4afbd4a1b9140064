import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/dataset.js';
import { selectBackend } from './backend.js';
import { datasetSource } from './batch.js';
import { evaluate } from './evaluate.js';
import { createMember, type Member } from './member.js';
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
