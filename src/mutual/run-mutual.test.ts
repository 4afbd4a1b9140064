import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { selectBackend } from '../engine/backend.js';
import { buildModel } from '../engine/model-spec.js';
import { saveModel } from '../engine/model-io.js';
import { nodeIo } from '../engine/node-io.js';
import { tempDirFactory } from '../engine/testing.js';
import type { MutualConfigInput } from './config.js';
import { memberNames, runMutual, type MutualEvent, type MutualResult, type SeedResult } from './run-mutual.js';
import { MutualConfigSchema } from './config.js';
import { ConfigError, DataMissingError } from '../errors.js';

before(async () => {
  await selectBackend('wasm');
});

function tinyConfig(method: MethodInput, seeds: number[]): MutualConfigInput {
  return {
    mode: 'mutual',
    seeds,
    data: { dataset: 'mnist', maxTrainSamples: 300, validationFraction: 0.2 },
    models: [
      { type: 'mlp', hidden: [16] },
      { type: 'mlp', hidden: [16] },
    ],
    method,
    training: { epochs: 2, batchSize: 64, optimizer: { name: 'adam', learningRate: 0.01 } },
  };
}

/** The scores of one seed, without timings. */
function scores(s: SeedResult): unknown {
  return { seed: s.seed, models: s.models, alone: s.alone, joint: s.joint, fixed: s.fixed };
}

function accuracies(s: SeedResult): number[] {
  return [...s.alone.members, s.alone.ensemble, ...s.joint.members, s.joint.ensemble].map((x) => x.accuracy);
}

type MethodInput = { name: string } & Record<string, unknown>;

const METHODS: MethodInput[] = [{ name: 'dml', rampUpEpochs: 1 }, { name: 'co-teaching', forgetRate: 0.2, gradualEpochs: 2 }, { name: 'distillation' }];
const results = new Map<string, MutualResult>();

for (const method of METHODS) {
  test(`runMutual with ${method.name}: alone and joint scores for each seed, identical when run again, seed 4 as when run alone`, async () => {
    const events: MutualEvent[] = [];
    const tensors = tf.memory().numTensors;

    const first = await runMutual(tinyConfig(method, [3, 4]), { io: nodeIo, onEvent: (e) => void events.push(e) });
    const again = await runMutual(tinyConfig(method, [3, 4]), { io: nodeIo });
    const only4 = await runMutual(tinyConfig(method, [4]), { io: nodeIo });

    assert.equal(tf.memory().numTensors, tensors, 'runMutual must dispose every tensor it creates');
    results.set(method.name, first);
    const scored = method.name === 'distillation' ? ['mlp-2'] : ['mlp-1', 'mlp-2'];
    assert.equal(first.method, method.name);
    assert.deepEqual(first.seeds.map((s) => s.seed), [3, 4]);
    for (const s of first.seeds) {
      assert.deepEqual(s.models, scored);
      assert.equal(s.alone.members.length, scored.length);
      assert.equal(s.joint.members.length, scored.length);
      for (const acc of accuracies(s)) assert.ok(acc > 0.2 && acc <= 1, `${method.name} seed ${s.seed}: accuracy ${acc} (chance is 0.1)`);
      assert.ok(s.seconds.alone > 0 && s.seconds.joint > 0);
    }
    assert.notDeepEqual(first.seeds[0].joint, first.seeds[0].alone, 'joint training must differ from alone training');
    assert.notDeepEqual(first.seeds[0].alone, first.seeds[1].alone, 'seeds must differ');
    assert.deepEqual(again.seeds.map(scores), first.seeds.map(scores));
    assert.deepEqual(scores(only4.seeds[0]), scores(first.seeds[1]));
    assert.match(first.data, /^mnist: \d+ train \/ \d+ validation \/ 2000 test$/);
    const epochs = events.filter((e) => e.type === 'epoch');
    assert.equal(epochs.length, 2 * 2 * 2, 'one epoch event per epoch, phase and seed');
    for (const e of epochs) assert.equal(e.validation?.members.length, e.members.length);
    assert.deepEqual(events.filter((e) => e.type === 'seed-start').map((e) => e.type === 'seed-start' && e.index), [0, 1]);
  });
}

test('the alone phase does not depend on the method: same alone scores under dml, co-teaching and distillation', () => {
  const dml = results.get('dml');
  const ct = results.get('co-teaching');
  const kd = results.get('distillation');
  assert.ok(dml && ct && kd, 'the method tests must run first');

  for (let i = 0; i < 2; i++) {
    assert.deepEqual(ct.seeds[i].alone, dml.seeds[i].alone);
    // Distillation scores only the student (mlp-2); its teacher is the alone mlp-1.
    assert.deepEqual(kd.seeds[i].alone.members[0], dml.seeds[i].alone.members[1]);
    assert.deepEqual(kd.seeds[i].fixed, [{ name: 'mlp-1', role: 'teacher', test: dml.seeds[i].alone.members[0] }]);
  }
  assert.deepEqual(dml.seeds[0].fixed, []);
});

test('memberNames uses spec names or <type>-<i> and makes duplicates unique', () => {
  const cfg = MutualConfigSchema.parse({
    mode: 'mutual',
    models: [{ type: 'mlp', name: 'net' }, { type: 'mlp', name: 'net' }, { type: 'cnn' }, { type: 'mlp', name: 'net' }],
    method: { name: 'dml' },
  });

  assert.deepEqual(memberNames(cfg), ['net', 'net-2', 'cnn-3', 'net-3']);
});

test('memberNames never repeats a name, even when a spec name looks like a generated one', () => {
  const parse = (models: unknown[]): string[] => memberNames(MutualConfigSchema.parse({ mode: 'mutual', models, method: { name: 'dml' } }));

  const a = parse([{ type: 'mlp', name: 'mlp-2' }, { type: 'mlp' }]);
  const b = parse([{ type: 'mlp', name: 'net' }, { type: 'mlp', name: 'net' }, { type: 'mlp', name: 'net-2' }]);

  assert.equal(new Set(a).size, 2, a.join(', '));
  assert.equal(new Set(b).size, 3, b.join(', '));
  assert.equal(a[0], 'mlp-2');
  assert.deepEqual(b.slice(0, 2), ['net', 'net-2']);
});

// Fairness: with the joint term switched off, every method must reproduce the alone run exactly,
// which holds only if both phases share data, initial weights, batch order, dropout masks and budget.
const NEUTRAL: MethodInput[] = [{ name: 'dml', klWeight: 0 }, { name: 'co-teaching', forgetRate: 0 }, { name: 'distillation', alpha: 0 }];
for (const method of NEUTRAL) {
  test(`${method.name} with its joint term off gives exactly the alone scores (same data, init, batches, masks, budget)`, async () => {
    const config = tinyConfig(method, [7]);
    const models = [
      { type: 'mlp' as const, hidden: [16], dropout: 0.2, batchNorm: true },
      { type: 'mlp' as const, hidden: [12], dropout: 0.1 },
    ];

    const result = await runMutual({ ...config, models }, { io: nodeIo });

    const [s] = result.seeds;
    assert.deepEqual(s.joint.members, s.alone.members);
    assert.deepEqual(s.joint.ensemble, s.alone.ensemble);
  });
}

test('a failing step handler stops the run with its error and leaks no tensors', async () => {
  const tensors = tf.memory().numTensors;
  const failing = (e: MutualEvent): Promise<void> => (e.type === 'step' ? Promise.reject(new Error('handler broke')) : Promise.resolve());

  await assert.rejects(runMutual(tinyConfig({ name: 'dml' }, [0]), { io: nodeIo, onEvent: failing }), /handler broke/);

  assert.equal(tf.memory().numTensors, tensors);
});

const tempDir = tempDirFactory('jointly-saved-');

test('a saved model joins the cohort: a frozen one keeps its weights (equal alone and joint), a trainable one learns', async () => {
  const dir = tempDir();
  const teacher = buildModel({ type: 'mlp', hidden: [16] }, { inputShape: [28, 28, 1], numClasses: 10, seed: 99, name: 'teacher' });
  await saveModel(teacher, join(dir, 'teacher'));
  teacher.dispose();
  const base = tinyConfig({ name: 'dml' }, [0]);
  const tensors = tf.memory().numTensors;

  const frozen = await runMutual({ ...base, models: [{ type: 'saved', path: join(dir, 'teacher'), trainable: false }, { type: 'mlp', hidden: [16] }] }, { io: nodeIo });
  const trainable = await runMutual({ ...base, models: [{ type: 'saved', path: join(dir, 'teacher') }, { type: 'mlp', hidden: [16] }] }, { io: nodeIo });

  assert.equal(tf.memory().numTensors, tensors);
  const [f] = frozen.seeds;
  const [t] = trainable.seeds;
  assert.deepEqual(f.models, ['teacher', 'mlp-2']);
  assert.deepEqual(f.joint.members[0], f.alone.members[0], 'a frozen model is never updated');
  assert.ok(t.alone.members[0].accuracy > f.alone.members[0].accuracy, 'a trainable saved model is trained');
  assert.throws(() => MutualConfigSchema.parse({ ...base, models: [{ type: 'saved', path: dir, trainable: false }] }), /at least one model must be trainable/);
});

for (const method of METHODS) {
  test(`runMutual with ${method.name} learns the head the config names: the same scores as with the default head 'y'`, async () => {
    const base = tinyConfig(method, [3]);
    const named = await runMutual({ ...base, head: 'digit' }, { io: nodeIo });
    const plain = results.get(method.name) ?? (await runMutual(tinyConfig(method, [3, 4]), { io: nodeIo }));
    assert.deepEqual(scores(named.seeds[0]), scores(plain.seeds[0]));
    assert.equal(named.config.head, 'digit');
  });
}

test('runMutual with data in memory needs no io; without either it says how to give the data', async () => {
  const { loadMnist } = await import('../data/files/mnist.js');
  const { subset } = await import('../data/dataset.js');
  const digits = loadMnist();
  const train = subset(digits, Int32Array.from({ length: 400 }, (_, i) => i * 25));
  const base = tinyConfig({ name: 'dml' }, [0]);
  const inMemory = await runMutual({ ...base, data: { maxTrainSamples: 300, validationFraction: 0.2 } }, { data: { train } });
  assert.equal(inMemory.seeds.length, 1);
  assert.ok(inMemory.seeds[0].joint.ensemble.accuracy > 0.3);
  await assert.rejects(runMutual(base), (err: unknown) => err instanceof DataMissingError && /no io was given/.test(err.message) && /nodeIo/.test(err.hint ?? ''));
});

test("runMutual refuses a model without the config's head, naming both", async () => {
  const base = tinyConfig({ name: 'dml' }, [0]);
  const graph = { type: 'graph' as const, inputs: { x: {} }, nodes: { h: { type: 'mlp' as const, from: 'x', hidden: [8] } }, heads: { other: { from: 'h', units: 10 } } };
  await assert.rejects(runMutual({ ...base, models: [graph, graph] }, { io: nodeIo }), (err: unknown) => err instanceof ConfigError && /has no head 'y' \(heads: other\)/.test(err.message));
});
