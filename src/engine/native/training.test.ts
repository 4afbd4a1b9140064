/**
 * Full training runs on the native backend: an MLP and a small CNN on MNIST reach the same test
 * accuracy as on cpu (within 3 pp: the two backends round differently, so the runs drift apart),
 * and tf.memory().numTensors does not grow across steps.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist } from '../../data/files/mnist.js';
import { splitDataset } from '../../data/split.js';
import { independentObjective } from '../../mutual/methods/independent.js';
import { selectBackend } from '../backend.js';
import { datasetSource } from '../batch.js';
import { evaluate } from '../evaluate.js';
import { createMember } from '../member.js';
import { buildModel, type ModelSpecInput } from '../model-spec.js';
import { createOptimizer, type OptimizerSpecInput } from '../optimizer.js';
import { trainStep } from '../train-step.js';
import { train } from '../trainer.js';
import { NATIVE_SKIP } from './testing.js';

const [trainSet, testSet] = (() => {
  const all = loadMnist();
  const [tr, te] = splitDataset(all, { fraction: 0.2, seed: 0 });
  return [tr, te];
})();

interface Setup {
  spec: ModelSpecInput;
  optimizer: OptimizerSpecInput;
  epochs: number;
  trainSamples: number;
}

// Small enough that the cpu reference runs in seconds.
const MLP: Setup = { spec: { type: 'mlp', hidden: [64] }, optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 }, epochs: 2, trainSamples: 3000 };
const CNN: Setup = {
  spec: { type: 'cnn', conv: [{ filters: 4, kernelSize: 3, stride: 2, pool: 'max' }, { filters: 8, kernelSize: 3, pool: 'avg' }], dense: [] },
  optimizer: { name: 'adam', learningRate: 3e-3 },
  epochs: 2,
  trainSamples: 2000,
};

/** Trains on `backend` from seed 0; resolves to the test accuracy. */
async function accuracyOn(backend: 'cpu' | 'native', s: Setup): Promise<number> {
  await selectBackend(backend);
  const subset = { ...trainSet, features: trainSet.features.subarray(0, s.trainSamples * 784), labels: trainSet.labels.subarray(0, s.trainSamples) };
  const model = buildModel(s.spec, { inputShape: [28, 28, 1], numClasses: 10, seed: 0 });
  const member = createMember({ name: 'm', model, optimizer: createOptimizer(s.optimizer) });
  try {
    await train({ members: [member], objective: independentObjective(), data: datasetSource(subset), epochs: s.epochs, batchSize: 64, seed: 0 });
    const result = evaluate({ members: [member], data: datasetSource(testSet) });
    return result.members[0].accuracy;
  } finally {
    model.dispose();
    member.optimizer.dispose();
  }
}

describe('training on the native backend', { skip: NATIVE_SKIP }, () => {
  for (const [name, setup] of [['MLP 784-64-10 with SGD momentum', MLP], ['CNN conv-maxpool-conv-avgpool with Adam', CNN]] as const) {
    test(`${name} reaches the cpu backend's test accuracy within 3 pp`, async () => {
      const cpu = await accuracyOn('cpu', setup);
      const native = await accuracyOn('native', setup);
      assert.ok(cpu > 0.6, `cpu accuracy ${cpu} should show learning`);
      assert.ok(Math.abs(native - cpu) <= 0.03, `native ${native} vs cpu ${cpu}`);
    });
  }

  test('tf.memory().numTensors does not grow across training steps (CNN, Adam)', async () => {
    await selectBackend('native');
    const model = buildModel(CNN.spec, { inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    const member = createMember({ name: 'm', model, optimizer: createOptimizer({ name: 'adam' }) });
    const source = datasetSource(trainSet);
    const objective = independentObjective();
    const counts: number[] = [];
    for (let step = 0; step < 5; step++) {
      const indices = Int32Array.from({ length: 32 }, (_, i) => step * 32 + i);
      tf.tidy(() => {
        const batch = source.batch(indices);
        trainStep({ members: [member], objective, batch, epoch: 0, step, stepsPerEpoch: 5 });
      });
      counts.push(tf.memory().numTensors);
    }
    model.dispose();
    member.optimizer.dispose();
    // Step 1 creates Adam's moments; from then on the count is constant.
    assert.deepEqual(counts.slice(1), new Array<number>(4).fill(counts[1]));
  });
});
