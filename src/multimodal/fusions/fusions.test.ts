/**
 * Every registered fusion trains for one epoch on a small two-view noisy Fashion-MNIST subset
 * (300 training images, the reference protocol's views) through the engine's own `train`, with
 * a finite loss that goes down (by 5% at least), clearly better than chance on the subset
 * afterwards (one epoch is 19 steps: 0.23 to 0.46 here, so the bar is 1.5 times chance), and no
 * tensor left behind. And the learned missing embedding: where a modality is absent it changes the output
 * and receives gradients, where present it changes nothing.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend.js';
import { fieldSource, type BatchSource } from '../../engine/batch.js';
import { crossEntropy } from '../../engine/losses.js';
import { createMember, disposeMembers, forward, type Member } from '../../engine/member.js';
import type { Objective } from '../../engine/objective.js';
import { createOptimizer } from '../../engine/optimizer.js';
import { train } from '../../engine/trainer.js';
import { subset } from '../../data/dataset.js';
import { makeFieldDataset, type Field } from '../../data/fields.js';
import { DEFAULT_FASHION_MNIST_DIR, loadFashionMnist } from '../../data/files/fashion-mnist.js';
import { twoViewNoisy } from '../../data/multimodal/two-view-noisy.js';
import { buildFusedModel, type FusedModelPlan, type ModalityPlan } from '../build-model.js';
import { LABEL_FIELD, presenceField } from '../modality.js';
import { imagePreprocessor } from '../preprocessors/image.js';
import { listFusions } from './registry.js';

before(async () => {
  // wasm: several times faster than cpu for these dense layers, as the other training tests use it
  await selectBackend('wasm');
});

const SAMPLES = 300;
const VIEWS = ['view1', 'view2'] as const;
/** Accuracy of guessing among Fashion-MNIST's 10 classes. */
const CHANCE = 0.1;

const objective: Objective = {
  name: 'cross-entropy',
  losses: (ctx) => ({ ce: crossEntropy(ctx.outputs[0][LABEL_FIELD], ctx.batch.targets[LABEL_FIELD]) }),
};

/** The subset as engine fields (the image preprocessor's, presences all 1, the label) and each view's plan. */
function twoViewData(): { source: BatchSource; modalities: ModalityPlan[] } {
  const { train: images } = loadFashionMnist();
  const { dataset } = twoViewNoisy(subset(images, Array.from({ length: SAMPLES }, (_, i) => i)), 0);
  const fields: Record<string, Field> = {};
  const modalities = VIEWS.map((name): ModalityPlan => {
    const data = dataset.modalities[name];
    const fitted = imagePreprocessor.fit(data, name, {});
    Object.assign(fields, fitted.transform(data, name));
    fields[presenceField(name)] = { kind: 'float', values: new Float32Array(SAMPLES).fill(1), shape: [1] };
    return { name, info: fitted.info, encoder: { type: 'mlp', options: { hidden: [32] } } };
  });
  fields[LABEL_FIELD] = { kind: 'classes', labels: dataset.labels, numClasses: dataset.numClasses };
  return { source: fieldSource(makeFieldDataset(fields, 'two-view noisy Fashion-MNIST subset')), modalities };
}

/** Cross-entropy and accuracy of the member on every sample of the source. */
function score(member: Member, source: BatchSource): { loss: number; accuracy: number } {
  return tf.tidy(() => {
    const batch = source.batch(Array.from({ length: source.length }, (_, i) => i));
    const logits = forward(member, batch, false)[LABEL_FIELD];
    const loss = crossEntropy(logits, batch.targets[LABEL_FIELD]).dataSync()[0];
    const predicted = tf.argMax(logits, -1).dataSync();
    const labels = batch.labels[LABEL_FIELD];
    let right = 0;
    for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
    return { loss, accuracy: right / labels.length };
  });
}

const missingData = !existsSync(DEFAULT_FASHION_MNIST_DIR) && `Fashion-MNIST is not installed at ${DEFAULT_FASHION_MNIST_DIR}`;

test(`every fusion trains one epoch on ${SAMPLES} two-view noisy Fashion-MNIST images without a tensor leak`, { skip: missingData }, async () => {
  const { source, modalities } = twoViewData();
  const results: string[] = [];
  const problems: string[] = [];
  for (const fusion of listFusions()) {
    const start = tf.memory().numTensors;
    const named = buildFusedModel({ modalities, fusion: { name: fusion.name }, units: 10, seed: 0, name: `fused-${fusion.name}`, init: 'torch', missing: 'zeros' });
    const member = createMember({ name: fusion.name, optimizer: createOptimizer({ name: 'adam', learningRate: 5e-3 }), ...named });
    try {
      const before = score(member, source);
      const records = await train({ members: [member], objective, data: source, epochs: 1, batchSize: 16, seed: 0 });
      const after = score(member, source);
      results.push(`${fusion.name}: loss ${before.loss.toFixed(3)} -> ${after.loss.toFixed(3)}, accuracy ${before.accuracy.toFixed(2)} -> ${after.accuracy.toFixed(2)}`);
      if (!Number.isFinite(records[0].losses.ce)) problems.push(`${fusion.name}: training loss ${records[0].losses.ce}`);
      if (!(after.loss < 0.95 * before.loss)) problems.push(`${fusion.name}: loss went from ${before.loss} to ${after.loss}`);
      if (!(after.accuracy > 1.5 * CHANCE)) problems.push(`${fusion.name}: accuracy ${after.accuracy} after one epoch (chance ${CHANCE})`);
    } finally {
      disposeMembers([member]);
    }
    if (tf.memory().numTensors !== start) problems.push(`${fusion.name}: ${tf.memory().numTensors - start} tensor(s) left behind`);
  }
  console.log(results.join('\n'));
  assert.deepEqual(problems, []);
});

describe("missing: 'embedding'", () => {
  const view = (name: string): ModalityPlan => ({ name, info: { kind: 'image', fields: [name], shapes: { [name]: [6] } }, encoder: { type: 'mlp', options: { hidden: [4] } } });
  const plan = (missing: FusedModelPlan['missing']): FusedModelPlan => ({ modalities: [view('a'), view('b')], fusion: { name: 'concat' }, units: 3, seed: 4, name: `m-${missing}`, init: 'glorot', missing });
  const inputs = (presentB: number): tf.Tensor[] => [tf.randomUniform([2, 6], 0, 1, 'float32', 9), tf.zeros([2, 6]), tf.ones([2, 1]), tf.fill([2, 1], presentB)];

  test('where the modality is absent the output differs from zeros-input; where present it is the zeros model exactly', () => {
    const withEmbedding = buildFusedModel(plan('embedding'));
    const zeros = buildFusedModel(plan('zeros'));
    const run = (named: typeof zeros, presentB: number): number[] => tf.tidy(() => Array.from((named.model.predict(inputs(presentB)) as tf.Tensor).dataSync()));
    assert.deepEqual(run(withEmbedding, 1), run(zeros, 1), 'present: the encoder vector passes unchanged');
    assert.deepEqual(run(zeros, 0), run(zeros, 1), 'the zeros model ignores presence');
    const absent = run(withEmbedding, 0);
    assert.ok(absent.some((v, i) => Math.abs(v - run(zeros, 0)[i]) > 1e-6), 'absent: the missing embedding replaces the zeros-input vector');
    withEmbedding.model.dispose();
    zeros.model.dispose();
  });

  test('the missing vector receives gradients from absent samples only', () => {
    const named = buildFusedModel(plan('embedding'));
    const embedding = named.model.weights.find((w) => w.originalName === 'missing/b/embedding');
    assert.ok(embedding !== undefined);
    const variable = embedding.read() as tf.Variable;
    const gradient = (presentB: number): number[] =>
      tf.tidy(() => {
        const xs = inputs(presentB);
        const target = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
        const { grads } = tf.variableGrads(() => crossEntropy(named.model.apply(xs) as tf.Tensor, target), [variable]);
        return Array.from(grads[variable.name].dataSync());
      });
    assert.ok(gradient(0).some((g) => g !== 0), 'absent: the embedding learns');
    assert.ok(gradient(1).every((g) => g === 0), 'present: it does not');
    named.model.dispose();
  });
});
