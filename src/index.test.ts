import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfLayers from '@tensorflow/tfjs-layers';
import {
  buildModel,
  createMember,
  createOptimizer,
  datasetSource,
  evaluate,
  getMutualMethod,
  readParams,
  selectBackend,
  splitDataset,
  subset,
  train,
  independentObjective,
  makeDataset,
  tf as jointlyTf,
  tfl,
} from './index.js';
import { loadMnist } from './node.js';

// The engine through the public entry, on a slice of MNIST so that it runs in seconds (the README's
// own examples run verbatim in readme.test.ts).
test('a DML cohort trains and scores through the public API', async () => {
  await selectBackend('wasm');
  const digits = loadMnist();
  const [trainSet, testSet] = splitDataset(subset(digits, Int32Array.from({ length: 10000 }, (_, i) => i).filter((i) => i % 10 === 0)), { fraction: 0.2, seed: 0 });
  const members = [0, 1].map((i) =>
    createMember({
      name: `m${i}`,
      model: buildModel({ type: 'mlp', hidden: [32] }, { inputShape: [28, 28, 1], numClasses: 10, seed: i }),
      optimizer: createOptimizer({ name: 'adam', learningRate: 1e-3 }),
    }),
  );
  const { objective } = getMutualMethod('dml').setup({ temperature: 2 }, { members, aloneMembers: members, labelNoise: 0, head: 'y' });

  const records = await train({ members, objective, data: datasetSource(trainSet), epochs: 3, batchSize: 64, seed: 0 });
  const scores = evaluate({ members, data: datasetSource(testSet) });
  const flat = readParams(members[0].model);

  assert.equal(records.length, 3);
  assert.ok(records[2].losses['ce/m0'] < records[0].losses['ce/m0'], 'the loss falls');
  assert.ok(scores.ensemble.accuracy > 0.5, `ensemble accuracy ${scores.ensemble.accuracy} is above chance`);
  assert.equal(flat.length, 28 * 28 * 32 + 32 + 32 * 10 + 10);
  const tensors = tf.memory().numTensors;
  await train({ members, objective, data: datasetSource(trainSet), epochs: 1, batchSize: 64, seed: 1 });
  assert.equal(tf.memory().numTensors, tensors, 'another epoch leaves no tensors behind');
  members.forEach((m) => {
    m.model.dispose();
    m.optimizer.dispose();
  });
});

test("the tf and tfl jointly re-exports are the tfjs-core and tfjs-layers it trains with: one copy, one Tensor class", async () => {
  await selectBackend('wasm');
  const n = 64;
  const features = Float32Array.from({ length: n * 3 }, (_, i) => Math.cos(i * 0.7));
  const labels = Int32Array.from({ length: n }, (_, i) => (features[i * 3] > 0 ? 1 : 0));
  const data = makeDataset({ features, sampleShape: [3], labels, numClasses: 2 }, 'arrays');
  const member = createMember({
    name: 'm',
    model: buildModel({ type: 'mlp', hidden: [8] }, { inputShape: [3], numClasses: 2, seed: 0 }),
    optimizer: createOptimizer({ name: 'adam', learningRate: 0.01 }),
  });

  await train({ members: [member], objective: independentObjective(), data: datasetSource(data), epochs: 1, batchSize: 32, seed: 0 });
  const userInput = jointlyTf.tensor2d(features.subarray(0, 6), [2, 3]);
  const out = member.model.predict(userInput);

  assert.equal(jointlyTf, tf, "jointly's tf is the module namespace of @tensorflow/tfjs-core");
  assert.equal(tfl, tfLayers, "jointly's tfl is @tensorflow/tfjs-layers");
  assert.ok(out instanceof jointlyTf.Tensor && out instanceof tf.Tensor, "a trained member's output is the user's tf.Tensor");
  assert.ok(member.model instanceof tfl.LayersModel, "jointly's models are tfl.LayersModel instances");
  assert.equal(jointlyTf.getBackend(), 'wasm', 'the backend jointly selected is the one tf reports');
  tf.dispose([userInput, out as tf.Tensor]);
  member.model.dispose();
  member.optimizer.dispose();
});
