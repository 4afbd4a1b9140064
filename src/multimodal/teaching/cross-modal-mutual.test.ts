import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend-registry.js';
import { errorLike } from '../../engine/testing.js';
import { ConfigError, DataMalformedError, UnknownNameError } from '../../errors.js';
import { crossModalMutualMarkdown, runCrossModalMutual, type CrossModalMutualInput } from './cross-modal-mutual.js';
import { hideLabels } from './hide-labels.js';
import { FASHION_MNIST_INSTALLED, twoViewFixture, type TwoViewFixture } from './testing.js';

const skip = !FASHION_MNIST_INSTALLED && 'Fashion-MNIST is not installed';
let fixture: TwoViewFixture;

before(async () => {
  await selectBackend('wasm');
  if (skip !== false) return;
  fixture = twoViewFixture({ train: 400, test: 200, hidden: [32] });
});

const input = (over: Partial<CrossModalMutualInput> = {}): CrossModalMutualInput => ({
  train: fixture.train,
  test: fixture.test,
  views: fixture.views,
  method: { name: 'dml' },
  seed: 2,
  options: { epochs: 3, batchSize: 50 },
  ...over,
});

test('cross-modal dml: each view\'s model learns from the other\'s predictions; both views scored alone and mutual, no tensor leak', { skip }, async () => {
  const start = tf.memory().numTensors;
  const perEpoch: number[] = [];
  const r = await runCrossModalMutual(input({ onEpoch: (phase) => void (phase === 'mutual' && perEpoch.push(tf.memory().numTensors)) }));
  assert.equal(tf.memory().numTensors, start, 'every tensor freed');
  assert.equal(perEpoch.length, 3);
  assert.equal(perEpoch[2], perEpoch[0], 'no growth between epochs');
  assert.equal(r.method, 'dml');
  assert.deepEqual(r.methodOptions, { temperature: 1, klWeight: 1, rampUpEpochs: 0 });
  assert.deepEqual(r.perView.map((v) => [v.view, v.role]), [['view1', 'trained'], ['view2', 'trained']]);
  for (const v of r.perView) {
    for (const s of [v.alone, v.mutual]) assert.ok(s.accuracy > 0 && s.accuracy <= 1 && Number.isFinite(s.loss), `${v.view}: ${s.accuracy}`);
    assert.ok(Math.abs(v.delta - (v.mutual.accuracy - v.alone.accuracy)) < 1e-12);
  }
  assert.ok(Number.isFinite(r.ensemble.mutual.accuracy) && Number.isFinite(r.ensemble.alone.accuracy));
  // the joint phase's losses: each view's cross-entropy and its KL to the other view
  assert.deepEqual(Object.keys(r.epochs.mutual[0].losses).sort(), ['ce/view1', 'ce/view2', 'kl/view1', 'kl/view2']);
  assert.deepEqual(Object.keys(r.epochs.alone[0].losses).sort(), ['ce/view1', 'ce/view2']);
  assert.doesNotThrow(() => JSON.stringify(r));
  const md = crossModalMutualMarkdown(r);
  assert.match(md, /\| model \| alone % \| dml % \| Δ \(points\) \|/);
  assert.match(md, /\| view2 \| \d+\.\d \| \d+\.\d \| [+-]\d+\.\d \|/);
});

test('cross-modal distillation: the first view\'s alone model teaches the second', { skip }, async () => {
  const start = tf.memory().numTensors;
  const r = await runCrossModalMutual(input({ method: { name: 'distillation', options: { temperature: 2 } }, options: { epochs: 1, batchSize: 100 } }));
  assert.equal(tf.memory().numTensors, start);
  assert.equal(r.perView[0].role, 'teacher');
  assert.deepEqual(r.perView[0].mutual, r.perView[0].alone, 'the teacher is the alone model');
  assert.equal(r.perView[1].role, 'trained');
  assert.match(crossModalMutualMarkdown(r), /view1 \(teacher, not trained jointly\)/);
});

test('cross-modal mutual learning refuses unknown methods and options, and unlabelled samples', { skip }, async () => {
  await assert.rejects(runCrossModalMutual(input({ method: { name: 'dmll' } })), UnknownNameError);
  await assert.rejects(runCrossModalMutual(input({ method: { name: 'dml', options: { temprature: 2 } } })), errorLike(ConfigError, /method\.dml: unknown option\(s\) "temprature"/));
  await assert.rejects(runCrossModalMutual(input({ options: { epochs: 0 } })), errorLike(ConfigError, /training\.epochs/));
  const masked = hideLabels(fixture.train, { perClass: 5, seed: 0 }).data;
  await assert.rejects(runCrossModalMutual(input({ train: masked })), errorLike(DataMalformedError, /no label/));
});
