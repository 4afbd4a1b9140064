import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../engine/backend-registry.js';
import { readParams, writeParams } from '../engine/flat-params.js';
import { modelToArtifacts, savedModelFromArtifacts, type ModelArtifacts, type ModelStore } from '../engine/model-artifacts.js';
import { assertClose, randomValues } from '../engine/testing.js';
import { ShapeMismatchError } from '../errors.js';
import { FederatedConfigSchema, runFingerprint } from './config.js';
import { BEST_MODEL, FINAL_MODEL, GlobalModelFormat, GlobalModelSaver, globalModelArtifacts, type GlobalModelOutput } from './global-model.js';
import type { RoundRecord } from './server/coordinator.js';
import { buildTaskModel, FederatedTaskSchema, layersTaskModel, taskSchema, type FederatedTask } from './task.js';

before(async () => {
  await selectBackend('cpu');
});

const TASK: FederatedTask = FederatedTaskSchema.parse({
  model: { type: 'mlp', hidden: [6], batchNorm: true },
  optimizer: { name: 'sgd', learningRate: 0.1 },
  inputShape: [4],
  numClasses: 3,
  classNames: ['low', 'mid', 'high'],
  featureNames: ['w', 'x', 'y', 'z'],
});

function paramsOf(seed: number): Float32Array {
  const model = buildTaskModel(TASK, seed);
  const p = readParams(model);
  model.dispose();
  return p;
}

function predict(model: tfl.LayersModel): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor2d(randomValues(5 * 4, 9), [5, 4])) as tf.Tensor).dataSync() as Float32Array);
}

/** A store in memory that records every write. */
function memoryStore(): ModelStore & { saved: Map<string, ModelArtifacts>; writes: string[] } {
  const saved = new Map<string, ModelArtifacts>();
  const writes: string[] = [];
  return {
    saved,
    writes,
    path: (name) => `mem/${name}`,
    write: (name, artifacts) => {
      saved.set(name, structuredClone(artifacts));
      writes.push(name);
      return `mem/${name}`;
    },
    readJson: (name) => (saved.has(name) ? JSON.parse(JSON.stringify(saved.get(name)?.json)) : undefined),
  };
}

function record(round: number, accuracy: number | undefined): RoundRecord {
  return {
    round,
    sampled: ['a', 'b'],
    replied: ['a', 'b'],
    failures: [],
    trainLoss: 1,
    aggregate: {},
    ...(accuracy === undefined ? {} : { evaluation: { accuracy, loss: 1 - accuracy } }),
    clientMetrics: {},
    bytesSent: 0,
    bytesReceived: 0,
    seconds: 0,
    paramsChecksum: '',
  };
}

/** Runs rounds through a saver as a runtime does: offer in evaluateGlobal, then the round-end event. */
function runRounds(saver: GlobalModelSaver, rounds: { round: number; accuracy: number; params: Float32Array }[]): RoundRecord[] {
  return rounds.map(({ round, accuracy, params }) => {
    const scores = saver.offer(params, { accuracy, loss: 1 - accuracy });
    const r = record(round, scores.accuracy);
    saver.onEvent({ type: 'round-end', record: r });
    return r;
  });
}

async function loadParams(a: ModelArtifacts): Promise<Float32Array> {
  const saved = await savedModelFromArtifacts(JSON.parse(JSON.stringify(a.json)), [a.weights], 'mem');
  const p = readParams(saved.named.model);
  saved.named.model.dispose();
  return p;
}

describe('GlobalModelFormat', () => {
  test('artifacts of global parameters equal what model.save writes for a model holding them', async () => {
    const params = paramsOf(7);
    const model = buildTaskModel(TASK, 1);
    writeParams(model, params);
    const tensors = tf.memory().numTensors;
    const artifacts = globalModelArtifacts(TASK, params, { kind: 'final', round: 3, rounds: 3, accuracy: 0.5, loss: 1 });
    assert.equal(tf.memory().numTensors, tensors, 'the format builds and disposes its model');
    const reference = await modelToArtifacts(model);
    assert.deepEqual(artifacts.weights, reference.weights);
    assert.deepEqual(artifacts.json.weightsManifest[0].weights.map((w) => w.shape), reference.json.weightsManifest[0].weights.map((w) => w.shape));

    const saved = await savedModelFromArtifacts(JSON.parse(JSON.stringify(artifacts.json)), [artifacts.weights], 'global');
    assert.deepEqual(saved.schema, taskSchema(TASK));
    assert.deepEqual(saved.round, { kind: 'final', round: 3, rounds: 3, accuracy: 0.5, loss: 1 });
    assert.deepEqual(readParams(saved.named.model), params);
    assertClose(predict(saved.named.model), predict(model), 1e-6, 'predictions');
    // tfjs alone reads it too.
    const plain = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: artifacts.json.modelTopology, weightSpecs: artifacts.json.weightsManifest[0].weights, weightData: artifacts.weights.slice().buffer }),
    );
    assertClose(predict(plain), predict(model), 1e-6, 'predictions of tf.loadLayersModel');
    for (const m of [plain, saved.named.model, model]) m.dispose();
  });

  test('a tfjs layers task model (not a built-in spec) is saved with its own layers and reads back', async () => {
    const user = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 5, activation: 'relu' }), tfl.layers.dense({ units: 3, activation: 'softmax' })] });
    const task = FederatedTaskSchema.parse({ ...TASK, model: layersTaskModel(user) });
    const params = readParams(user);
    const saved = await savedModelFromArtifacts(JSON.parse(JSON.stringify(globalModelArtifacts(task, params).json)), [globalModelArtifacts(task, params).weights], 'user');
    assert.deepEqual(saved.named.outputs, { y: 'softmax' });
    assert.deepEqual(saved.schema?.classNames, ['low', 'mid', 'high']);
    assertClose(predict(saved.named.model), predict(user), 1e-6, 'predictions');
    saved.named.model.dispose();
    user.dispose();
  });

  test('refuses parameters of another size', () => {
    const format = GlobalModelFormat.of(TASK);
    assert.throws(() => format.artifacts(new Float32Array(format.paramCount + 1)), (err: unknown) => err instanceof ShapeMismatchError && /values but the task's model has/.test(err.message));
  });
});

describe('GlobalModelSaver', () => {
  const both: GlobalModelOutput = { saveModel: true, saveBest: true };

  test('keeps the best round (ties to the earliest) and the final one, with copies of the parameters', async () => {
    const store = memoryStore();
    const lines: string[] = [];
    const saver = new GlobalModelSaver({ task: TASK, rounds: 4, output: both, store, log: (l) => lines.push(l) });
    const p = [1, 2, 3, 4].map(paramsOf);
    const live = p[1].slice();
    const history = runRounds(saver, [
      { round: 1, accuracy: 0.5, params: p[0] },
      { round: 2, accuracy: 0.7, params: live },
      { round: 3, accuracy: 0.7, params: p[2] },
      { round: 4, accuracy: 0.6, params: p[3] },
    ]);
    live.fill(0); // the runtime's array changes after the round: the saver kept a copy
    assert.deepEqual(store.writes, [BEST_MODEL, BEST_MODEL]);
    const saved = saver.finish({ params: p[3], round: 4, history });
    assert.deepEqual(saved, { final: { path: `mem/${FINAL_MODEL}`, round: 4, accuracy: 0.6 }, best: { path: `mem/${BEST_MODEL}`, round: 2, accuracy: 0.7 } });
    const best = store.saved.get(BEST_MODEL) as ModelArtifacts;
    assert.deepEqual(best.json.jointly?.round, { kind: 'best', round: 2, rounds: 4, accuracy: 0.7, loss: 1 - 0.7 });
    assert.deepEqual(await loadParams(best), p[1]);
    const final = store.saved.get(FINAL_MODEL) as ModelArtifacts;
    assert.deepEqual(final.json.jointly?.round, { kind: 'final', round: 4, rounds: 4, accuracy: 0.6, loss: 1 - 0.6 });
    assert.deepEqual(await loadParams(final), p[3]);
    assert.deepEqual(final.json.jointly?.schema, taskSchema(TASK));
    assert.match(lines.join('\n'), /global model of round 4 \(test accuracy 60\.00%\) saved to mem\/model/);
    assert.match(lines.join('\n'), /best global model: round 2 \(test accuracy 70\.00%\), saved to mem\/best-model/);
  });

  test('saves only what the output option asks for; NaN accuracies are never best', () => {
    const p = paramsOf(1);
    for (const output of [{ saveModel: false, saveBest: false }, { saveModel: true, saveBest: false }, { saveModel: false, saveBest: true }]) {
      const store = memoryStore();
      const saver = new GlobalModelSaver({ task: TASK, rounds: 2, output, store });
      const history = runRounds(saver, [
        { round: 1, accuracy: Number.NaN, params: p },
        { round: 2, accuracy: 0.4, params: p },
      ]);
      const saved = saver.finish({ params: p, round: 2, history });
      assert.equal(saved.final !== undefined, output.saveModel, JSON.stringify(output));
      assert.equal(store.saved.has(FINAL_MODEL), output.saveModel);
      assert.equal(saved.best?.round, output.saveBest ? 2 : undefined);
      assert.equal(store.saved.has(BEST_MODEL), output.saveBest);
    }
  });

  test('a run stopped before its first round saves nothing', () => {
    const store = memoryStore();
    const saver = new GlobalModelSaver({ task: TASK, rounds: 3, output: both, store });
    assert.deepEqual(saver.finish({ params: paramsOf(1), round: 0, history: [] }), {});
    assert.equal(store.writes.length, 0);
  });

  test('on resume, the saved best of the restored history stays best unless a later round beats it', async () => {
    const store = memoryStore();
    const p = [1, 2, 3, 4, 5].map(paramsOf);
    const first = new GlobalModelSaver({ task: TASK, rounds: 5, output: both, store });
    const before = runRounds(first, [
      { round: 1, accuracy: 0.5, params: p[0] },
      { round: 2, accuracy: 0.8, params: p[1] },
      { round: 3, accuracy: 0.6, params: p[2] },
    ]);
    first.finish({ params: p[2], round: 3, history: before });

    const lines: string[] = [];
    const resumed = new GlobalModelSaver({ task: TASK, rounds: 5, output: both, store, log: (l) => lines.push(l) });
    resumed.onEvent({ type: 'resumed', round: 3, path: 'checkpoint.jly', history: before });
    const after = runRounds(resumed, [
      { round: 4, accuracy: 0.8, params: p[3] }, // a tie: the earlier round stays best
      { round: 5, accuracy: 0.7, params: p[4] },
    ]);
    const saved = resumed.finish({ params: p[4], round: 5, history: [...before, ...after] });
    assert.deepEqual(lines.filter((l) => /was not saved/.test(l)), []);
    assert.equal(saved.best?.round, 2);
    assert.deepEqual(await loadParams(store.saved.get(BEST_MODEL) as ModelArtifacts), p[1]);
    assert.equal(store.saved.get(FINAL_MODEL)?.json.jointly?.round?.round, 5, 'the final model is the resumed run\'s last round');
    assert.deepEqual(await loadParams(store.saved.get(FINAL_MODEL) as ModelArtifacts), p[4]);
  });

  test('on resume without the best saved (saveBest was off), says so and keeps the best of the later rounds', () => {
    const store = memoryStore();
    const p = paramsOf(2);
    const history = [record(1, 0.9), record(2, 0.5)];
    const lines: string[] = [];
    const saver = new GlobalModelSaver({ task: TASK, rounds: 4, output: both, store, log: (l) => lines.push(l) });
    saver.onEvent({ type: 'resumed', round: 2, path: 'checkpoint.jly', history });
    const later = runRounds(saver, [
      { round: 3, accuracy: 0.6, params: p },
      { round: 4, accuracy: 0.55, params: p },
    ]);
    const saved = saver.finish({ params: p, round: 4, history: [...history, ...later] });
    assert.match(lines[0], /best model: round 1 \(test accuracy 90\.00%\), the best of the 2 round\(s\) before the resume, was not saved .*best-model\/ will hold the best of the rounds after round 2/);
    assert.equal(saved.best?.round, 3);
  });
});

describe('config.output', () => {
  const base = { mode: 'federated' as const, model: { type: 'mlp' as const, hidden: [4] } };

  test('defaults: the final model is saved, the best one is not', () => {
    assert.deepEqual(FederatedConfigSchema.parse(base).output, { saveModel: true, saveBest: false });
  });

  test('does not change the run fingerprint, so that --resume accepts another output setting', () => {
    const plain = FederatedConfigSchema.parse(base);
    const other = FederatedConfigSchema.parse({ ...base, output: { saveModel: false, saveBest: true } });
    assert.equal(runFingerprint(other, 'simulation'), runFingerprint(plain, 'simulation'));
    assert.equal(runFingerprint(other, 'server'), runFingerprint(plain, 'server'));
    // A control: a setting that shapes the rounds does change it.
    assert.notEqual(runFingerprint(FederatedConfigSchema.parse({ ...base, seed: 1 }), 'simulation'), runFingerprint(plain, 'simulation'));
  });

  test('unknown output fields are refused', () => {
    assert.equal(FederatedConfigSchema.safeParse({ ...base, output: { saveModels: true } }).success, false);
  });
});
