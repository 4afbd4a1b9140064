import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend-registry.js';
import { errorLike } from '../../engine/testing.js';
import type { ClassesField, FieldDataset } from '../../data/fields.js';
import { ConfigError, DataMissingError } from '../../errors.js';
import { coTrainingMarkdown, runCoTraining, type CoTrainingInput, type CoTrainingResult } from './co-training.js';
import { hideLabels } from './hide-labels.js';
import { FASHION_MNIST_INSTALLED, twoViewFixture, type TwoViewFixture } from './testing.js';

const skip = !FASHION_MNIST_INSTALLED && 'Fashion-MNIST is not installed';
let fixture: TwoViewFixture;
let hidden: ReturnType<typeof hideLabels>;

before(async () => {
  await selectBackend('wasm');
  if (skip !== false) return;
  fixture = twoViewFixture({ train: 400, test: 200, hidden: [32] });
  hidden = hideLabels(fixture.train, { perClass: 10, seed: 1 });
});

const OPTIONS = { rounds: 2, perRound: 10, poolSize: 100, epochsPerRound: 5, batchSize: 25, optimizer: { name: 'adam', learningRate: 3e-3 } } as const;
const input = (over: Partial<CoTrainingInput> = {}): CoTrainingInput => ({ train: hidden.data, test: fixture.test, views: fixture.views, seed: 3, options: OPTIONS, truth: hidden.truth, ...over });
/** The result without its wall time. */
const timeless = (r: CoTrainingResult): unknown => ({ ...r, seconds: 0 });

test('co-training labels pool samples each round, scores them against the hidden labels, and compares with the alone models', { skip }, async () => {
  const start = tf.memory().numTensors;
  const rounds: number[] = [];
  const r = await runCoTraining(input({ onRound: (round) => void rounds.push(round.round) }));
  assert.equal(tf.memory().numTensors, start, 'every tensor freed');
  assert.deepEqual(rounds, [0, 1, 2]);
  assert.equal(r.labelled, 100);
  assert.equal(r.unlabelled, 300);
  assert.deepEqual(r.quotas, Array(10).fill(1), '10 per round over 10 balanced classes');
  assert.equal(r.stopped, 'rounds');
  assert.equal(r.rounds.length, 3);
  for (const round of r.rounds.slice(0, 2)) {
    assert.equal(round.pool, 100);
    for (const view of r.views) {
      const added = round.added[view];
      assert.ok(added.count > 0 && added.count <= 10, `${view} added ${added.count} in round ${round.round}`);
      assert.ok(added.perClass.every((c) => c <= 1), 'at most one per class');
      assert.ok(added.accuracy !== null && added.accuracy >= 0 && added.accuracy <= 1);
    }
  }
  assert.deepEqual(r.rounds[2].added, {}, 'nothing labelled after the last training');
  // shared labelled set: every view trains on L plus everything any view labelled before
  const addedBefore = (k: number): number => r.rounds.slice(0, k).reduce((s, round) => s + Object.values(round.added).reduce((a, b) => a + b.count, 0), 0);
  for (const round of r.rounds) for (const view of r.views) assert.equal(round.trainSize[view], 100 + addedBefore(round.round));
  assert.equal(r.pseudoLabels.count, addedBefore(2));
  assert.ok(r.pseudoLabels.accuracy !== null && r.pseudoLabels.accuracy > 0.2, `pseudo-labels ${r.pseudoLabels.accuracy} correct, chance is 0.1`);
  // alone = the round-0 model (same weights, data, order and epochs)
  for (const f of r.final) {
    assert.deepEqual(f.alone, r.rounds[0].test[f.view]);
    assert.deepEqual(f.coTrained, r.rounds[2].test[f.view]);
    assert.ok(Math.abs(f.delta - (f.coTrained.accuracy - f.alone.accuracy)) < 1e-12);
    assert.ok(f.alone.accuracy > 0 && f.alone.accuracy <= 1, `${f.view} alone ${f.alone.accuracy}`);
    assert.equal(f.steps.alone, 4 * 5, '4 batches of 25 per epoch');
  }
  assert.doesNotThrow(() => JSON.stringify(r));
  const md = coTrainingMarkdown(r);
  assert.match(md, /\| round \| train view1 \| train view2 \|/);
  assert.match(md, /\| view1 \| \d+\.\d \| \d+\.\d \| [+-]\d+\.\d \|/);
  assert.match(md, /ensemble \(mean probabilities\)/);
});

test('co-training is seeded, and never reads the labels of unlabelled samples', { skip }, async () => {
  const options = { ...OPTIONS, rounds: 1 };
  const a = await runCoTraining(input({ options }));
  const b = await runCoTraining(input({ options }));
  assert.deepEqual(timeless(b), timeless(a), 'the same seed gives the same run');
  // Corrupt every hidden label in the training field (the truth used for scoring stays the same).
  const label = hidden.data.fields.label as ClassesField;
  const corrupted: FieldDataset = {
    length: hidden.data.length,
    fields: { ...hidden.data.fields, label: { ...label, labels: Int32Array.from(label.labels, (y, i) => (label.mask?.[i] === 1 ? y : (hidden.truth[i] + 1 + (i % 9)) % 10)) } },
  };
  const c = await runCoTraining(input({ train: corrupted, options }));
  assert.deepEqual(timeless(c), timeless(a), 'the hidden labels change nothing');
});

test('co-training with a warm start and cross exchange: a view trains on the other view\'s pseudo-labels only', { skip }, async () => {
  const start = tf.memory().numTensors;
  const r = await runCoTraining(input({ options: { ...OPTIONS, rounds: 1, start: 'warm', exchange: 'cross', threshold: 0.2, aloneEpochs: 6 } }));
  assert.equal(tf.memory().numTensors, start);
  const [v1, v2] = r.views;
  assert.equal(r.rounds[1].trainSize[v1], 100 + r.rounds[0].added[v2].count);
  assert.equal(r.rounds[1].trainSize[v2], 100 + r.rounds[0].added[v1].count);
  for (const f of r.final) {
    // trained apart, on the 100 labelled samples: 4 steps per epoch
    assert.equal(f.steps.alone, 4 * 6);
    // warm: both rounds' steps are behind the final model
    assert.equal(f.steps.coTrained, 4 * 5 + Math.ceil(r.rounds[1].trainSize[f.view] / 25) * 5);
  }
});

test('co-training stops when the pool is used up', { skip }, async () => {
  // quotas of 100 per class and view: the 300 unlabelled samples are labelled within a few rounds
  const r = await runCoTraining(input({ options: { ...OPTIONS, rounds: 5, perRound: 1000, poolSize: 300, epochsPerRound: 1 } }));
  assert.equal(r.stopped, 'pool-exhausted');
  assert.ok(r.rounds.length < 6);
  assert.equal(r.pseudoLabels.count, 300);
  assert.equal(r.rounds[r.rounds.length - 1].trainSize.view1, 400);
});

test('co-training refuses data without unlabelled samples and unknown options', { skip }, async () => {
  await assert.rejects(runCoTraining(input({ train: fixture.train })), errorLike(DataMissingError, /every training sample is labelled/));
  await assert.rejects(runCoTraining(input({ options: { rounds: 1, pool: 3 } as never })), errorLike(ConfigError, /coTraining: unknown option\(s\) "pool"/));
  await assert.rejects(runCoTraining(input({ options: { perClass: [1, 2] } })), /perClass has 2 entries for 10 classes/);
  await assert.rejects(runCoTraining(input({ views: fixture.views.slice(0, 1) })), errorLike(ConfigError, /at least two views/));
});
