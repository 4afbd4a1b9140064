/**
 * Training end to end (trainStep + train + evaluate) on the cpu and wasm backends, on a tiny
 * synthetic dataset of two Gaussian blobs.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { makeDataset, type Dataset } from '../data/dataset.js';
import { NonFiniteLossError, ObjectiveError } from '../errors.js';
import { independentObjective } from '../mutual/methods/independent.js';
import { selectBackend } from './backend.js';
import { datasetSource } from './batch.js';
import { evaluate } from './evaluate.js';
import { readParams } from './flat-params.js';
import { crossEntropy, distillationKl } from './losses.js';
import { createMember, trainableVariables, type Member } from './member.js';
import { buildModel, type ModelSpecInput } from './model-spec.js';
import type { Objective } from './objective.js';
import { createOptimizer, type OptimizerSpecInput } from './optimizer.js';
import { createRng, type Rng } from './random.js';
import { assertClose } from './testing.js';
import type { GradientCombiner, Gradients } from './train-step.js';
import { train, type TrainProgress } from './trainer.js';

const FEATURES = 4;

function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Two Gaussian blobs (std 1) centred at -1.5 and +1.5 on every feature; labels alternate. */
function blobs(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const features = new Float32Array(n * FEATURES);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const mean = labels[i] === 0 ? -1.5 : 1.5;
    for (let j = 0; j < FEATURES; j++) features[i * FEATURES + j] = mean + gaussian(rng);
  }
  return makeDataset({ features, sampleShape: [FEATURES], labels, numClasses: 2 }, 'blobs');
}

const ADAM: OptimizerSpecInput = { name: 'adam', learningRate: 0.02 };

function mlpMember(name: string, seed: number, opts: { optimizer?: OptimizerSpecInput; spec?: ModelSpecInput } = {}): Member {
  const model = buildModel(opts.spec ?? { type: 'mlp', hidden: [16] }, { inputShape: [FEATURES], numClasses: 2, seed, name });
  return createMember({ name, model, optimizer: createOptimizer(opts.optimizer ?? ADAM) });
}

/** Every loss summed with its gradients added per variable: the same update as the default path. */
const sumGradients: GradientCombiner = (perLoss) => {
  const out: Gradients = {};
  for (const grads of Object.values(perLoss)) {
    for (const [name, g] of Object.entries(grads)) out[name] = out[name] === undefined ? g : tf.add(out[name], g);
  }
  return out;
};

/** Two members coupled by a distillation term whose gradients reach both. */
const coupledObjective: Objective = {
  name: 'coupled',
  losses(ctx) {
    const [a, b] = ctx.outputs.map((o) => o.y);
    const y = ctx.batch.targets.y;
    return {
      'ce/a': crossEntropy(a, y),
      'ce/b': crossEntropy(b, y),
      kl: tf.mul(distillationKl(a, b, 2), 0.5) as tf.Scalar,
    };
  },
};

const train200 = blobs(200, 1);
const test100 = blobs(100, 2);

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`training on ${backend}`, () => {
    before(async () => {
      const choice = await selectBackend(backend);
      assert.equal(choice.name, backend);
      assert.equal(tf.getBackend(), backend);
    });

    test('lowers the loss and reaches high accuracy', async () => {
      const member = mlpMember('a', 1);
      const data = datasetSource(train200);
      const testData = datasetSource(test100);
      const before = evaluate({ members: [member], data: testData });
      const progress: TrainProgress[] = [];
      const records = await train({
        members: [member],
        objective: independentObjective(),
        data,
        epochs: 5,
        batchSize: 32,
        seed: 3,
        onProgress: (p) => progress.push(p),
      });
      assert.equal(records.length, 5);
      assert.deepEqual(records.map((r) => r.epoch), [1, 2, 3, 4, 5]);
      assert.deepEqual(Object.keys(records[0].losses), ['ce/a']);
      const first = records[0].losses['ce/a'];
      const last = records[4].losses['ce/a'];
      assert.ok(Number.isFinite(first) && last < first * 0.5, `loss ${first} -> ${last}`);
      assert.ok(records.every((r) => r.seconds > 0 && r.samplesPerSecond > 0));
      // 200 samples in batches of 32: 7 steps, the last one of 8 samples
      assert.equal(progress.length, 5 * 7);
      assert.deepEqual(progress[6], { ...progress[6], epoch: 1, step: 7, stepsPerEpoch: 7, samples: 200 });
      const after = evaluate({ members: [member], data: testData, batchSize: 64 });
      assert.ok(after.members[0].accuracy >= 0.95, `test accuracy ${after.members[0].accuracy}`);
      assert.ok(after.members[0].loss < before.members[0].loss, `test loss ${before.members[0].loss} -> ${after.members[0].loss}`);
      assert.equal(after.ensemble.accuracy, after.members[0].accuracy);
    });

    test('numTensors is the same before and after a full epoch', async () => {
      const members = [mlpMember('a', 1, { spec: { type: 'mlp', hidden: [8], batchNorm: true, dropout: 0.2 } }), mlpMember('b', 2)];
      const opts = { members, objective: coupledObjective, data: datasetSource(train200), epochs: 1, batchSize: 32, seed: 1 };
      await train(opts); // warm-up: the optimizers create their slots on the first step
      const before = tf.memory().numTensors;
      await train(opts);
      assert.equal(tf.memory().numTensors, before, 'default path');
      await train({ ...opts, combineGradients: sumGradients }); // warm-up of the combine path
      const beforeCombined = tf.memory().numTensors;
      await train({ ...opts, combineGradients: sumGradients });
      assert.equal(tf.memory().numTensors, beforeCombined, 'combineGradients path');
      assert.equal(beforeCombined, before);
      const beforeEval = tf.memory().numTensors;
      evaluate({ members, data: datasetSource(test100), batchSize: 30 });
      assert.equal(tf.memory().numTensors, beforeEval, 'evaluate');
    });

    test('the same seed gives identical losses and final weights across two fresh runs', async () => {
      const run = async (): Promise<{ losses: number[]; params: Float32Array[] }> => {
        const spec: ModelSpecInput = { type: 'mlp', hidden: [8], batchNorm: true, dropout: 0.2 };
        const members = [mlpMember('a', 5, { spec }), mlpMember('b', 6, { spec })];
        const records = await train({
          members,
          objective: coupledObjective,
          data: datasetSource(train200),
          epochs: 2,
          batchSize: 32,
          seed: 9,
        });
        return { losses: records.flatMap((r) => Object.values(r.losses)), params: members.map((m) => readParams(m.model)) };
      };
      const first = await run();
      const second = await run();
      assert.equal(first.losses.length, 6);
      assert.deepEqual(second.losses, first.losses);
      assert.deepEqual(second.params, first.params);
    });

    test('a different shuffling seed gives different weights', async () => {
      const run = async (seed: number): Promise<Float32Array> => {
        const m = mlpMember('a', 5);
        await train({ members: [m], objective: independentObjective(), data: datasetSource(train200), epochs: 1, batchSize: 32, seed });
        return readParams(m.model);
      };
      assert.notDeepEqual(await run(2), await run(1));
    });

    test('with dropout, every per-loss pass sees the same masks, so summing still matches the default path', async () => {
      const spec: ModelSpecInput = { type: 'mlp', hidden: [16], dropout: 0.3 };
      const run = async (combineGradients?: GradientCombiner): Promise<Float32Array[]> => {
        const members = [mlpMember('a', 21, { spec }), mlpMember('b', 22, { spec })];
        await train({ members, objective: coupledObjective, data: datasetSource(train200), epochs: 1, batchSize: 50, seed: 5, combineGradients });
        return members.map((m) => readParams(m.model));
      };
      const plain = await run();
      const combined = await run(sumGradients);
      plain.forEach((p, i) => assertClose(combined[i], p, 1e-5, `parameters of member ${i}`));
    });

    test('a combineGradients that sums the per-loss gradients matches the default path', async () => {
      const sgd: OptimizerSpecInput = { name: 'sgd', learningRate: 0.1 };
      const calls: Record<string, string[]>[] = [];
      const recordingSum: GradientCombiner = (perLoss) => {
        if (calls.length === 0) calls.push(Object.fromEntries(Object.entries(perLoss).map(([k, g]) => [k, Object.keys(g)])));
        return sumGradients(perLoss);
      };
      const run = async (combineGradients?: GradientCombiner): Promise<{ members: Member[]; losses: number[] }> => {
        const members = [mlpMember('a', 11, { optimizer: sgd }), mlpMember('b', 12, { optimizer: sgd })];
        const records = await train({
          members,
          objective: coupledObjective,
          data: datasetSource(train200),
          epochs: 2,
          batchSize: 32,
          seed: 4,
          combineGradients,
        });
        return { members, losses: records.flatMap((r) => Object.values(r.losses)) };
      };
      const plain = await run();
      const combined = await run(recordingSum);
      assertClose(combined.losses, plain.losses, 1e-5, 'losses');
      plain.members.forEach((m, i) => {
        const p = readParams(m.model);
        const c = readParams(combined.members[i].model);
        assertClose(c, p, 1e-5, `parameters of ${m.name}`);
      });
      // the weights did move
      const untouched = readParams(mlpMember('a', 11).model);
      assert.ok(readParams(plain.members[0].model).some((v, i) => Math.abs(v - untouched[i]) > 1e-3));
      // the combiner saw one gradient set per loss; a member's own CE reaches only its variables
      const [first] = calls;
      assert.deepEqual(Object.keys(first), ['ce/a', 'ce/b', 'kl']);
      const varsA = trainableVariables(combined.members[0]).map((v) => v.name);
      const varsB = trainableVariables(combined.members[1]).map((v) => v.name);
      assert.deepEqual([...first['ce/a']].sort(), [...varsA].sort());
      assert.deepEqual([...first['ce/b']].sort(), [...varsB].sort());
      assert.deepEqual([...first.kl].sort(), [...varsA, ...varsB].sort());
    });

    test('with combineGradients, a finite loss on no variable is an ObjectiveError; other errors pass through unchanged', async () => {
      const constant: Objective = {
        name: 'constant-test',
        losses: (ctx) => ({ ce: crossEntropy(ctx.outputs[0].y, ctx.batch.targets.y), zero: tf.scalar(0) }),
      };
      const broken: Objective = {
        name: 'broken-test',
        losses: () => {
          throw new RangeError('objective bug');
        },
      };
      const run = (objective: Objective): Promise<unknown> =>
        train({ members: [mlpMember('a', 1)], objective, data: datasetSource(train200), epochs: 1, batchSize: 50, seed: 1, combineGradients: sumGradients });

      await assert.rejects(run(constant), (err: unknown) => err instanceof ObjectiveError && /loss 'zero' of constant-test has no gradient/.test(err.message));
      await assert.rejects(run(broken), (err: unknown) => err instanceof RangeError && err.message === 'objective bug');
    });

    const nanCases = [false, true].flatMap((combine) => (['constant', 'tied'] as const).map((kind) => ({ combine, kind })));
    for (const { combine, kind } of nanCases) {
      const label = `${kind === 'constant' ? 'tf.scalar(NaN)' : 'ce * NaN'}${combine ? ', combineGradients' : ''}`;
      test(`a NaN loss throws NonFiniteLossError naming the loss and epoch (${label})`, async () => {
        const member = mlpMember('a', 1);
        const objective: Objective = {
          name: 'nan-test',
          losses(ctx) {
            const ce = crossEntropy(ctx.outputs[0].y, ctx.batch.targets.y);
            // NaN from the second epoch on: a constant, or tied to the weights (so it has gradients)
            const value = ctx.epoch >= 1 ? NaN : 0;
            const bad = kind === 'constant' ? tf.scalar(value) : (tf.mul(ce, value) as tf.Scalar);
            // (with combineGradients a constant loss has no gradients at all: it only appears when NaN)
            const out: Record<string, tf.Scalar> = { ce };
            if (!(combine && kind === 'constant' && ctx.epoch === 0)) out.bad = bad;
            return out;
          },
        };
        let afterFirstEpoch: Float32Array | undefined;
        let tensorsAfterFirstEpoch = -1;
        const run = train({
          members: [member],
          objective,
          data: datasetSource(train200),
          epochs: 3,
          batchSize: 50,
          seed: 1,
          combineGradients: combine ? sumGradients : undefined,
          onEpochEnd: () => {
            afterFirstEpoch ??= readParams(member.model);
            if (tensorsAfterFirstEpoch < 0) tensorsAfterFirstEpoch = tf.memory().numTensors;
          },
        });
        await assert.rejects(run, (err: unknown) => {
          assert.ok(err instanceof NonFiniteLossError, `got ${String(err)}`);
          assert.equal(err.code, 'NON_FINITE_LOSS');
          assert.match(err.message, /loss 'bad' became NaN at epoch 2, step 5 \(nan-test\)/);
          assert.ok(err.hint !== undefined && /learning rate/.test(err.hint));
          return true;
        });
        // the failing step neither updated the weights nor leaked tensors
        assert.ok(afterFirstEpoch !== undefined);
        const now = readParams(member.model);
        assert.ok(now.every(Number.isFinite));
        assert.deepEqual(now, afterFirstEpoch);
        assert.equal(tf.memory().numTensors, tensorsAfterFirstEpoch);
      });
    }
  });
}
