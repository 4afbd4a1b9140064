/**
 * The global models a simulation saves (config.output): model/ after the last round and
 * best-model/ for the round with the best test accuracy, in the tfjs layers format with the
 * federation's class and feature names. Evaluating them with `evaluateSavedModel` on the run's
 * test file gives the accuracy the run reported for that round; a resumed run saves the same
 * final model as an uninterrupted one. Tiny: 240 training rows with text labels, 2 clients, 3
 * rounds, 1 worker, the cpu backend.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { readParams } from '../../engine/flat-params.js';
import { evaluateSavedModel, loadSavedModel } from '../../engine/model-io.js';
import { createRng } from '../../engine/random.js';
import { tempDirFactory } from '../../engine/testing.js';
import type { FederatedConfigInput } from '../config.js';
import type { RoundRecord } from '../server/coordinator.js';
import { runSimulation } from './run-simulation.js';

const tempDir = tempDirFactory('jointly-saved-models-');
const CLASSES = ['red', 'green', 'blue'];

/** Three classes, each high on "its" features; text labels. */
function writeCsv(path: string, rows: number, seed: number): void {
  const rng = createRng(seed);
  const lines = ['f0,f1,f2,f3,f4,f5,colour'];
  for (let i = 0; i < rows; i++) {
    const y = i % 3;
    const cells = Array.from({ length: 6 }, (_, j) => ((j % 3 === y ? 1 : -0.5) + (rng.next() - 0.5) * 2.5).toFixed(4));
    lines.push(`${cells.join(',')},${CLASSES[y]}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

let trainPath = '';
let testPath = '';

function config(rounds: number, output: FederatedConfigInput['output'] = {}): FederatedConfigInput {
  return {
    mode: 'federated',
    name: 'saved-models',
    seed: 5,
    backend: 'cpu',
    data: { dataset: 'csv', train: trainPath, test: testPath },
    model: { type: 'mlp', hidden: [8] },
    optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
    strategy: { name: 'fedavg', localEpochs: 1, batchSize: 16 },
    rounds,
    sampling: { fraction: 1, minFit: 2, minAvailable: 2 },
    simulation: { clients: 2, workers: 1, partition: { method: 'dirichlet', alpha: 0.5 }, baselines: { localOnly: false, pooled: false } },
    output,
  };
}

/** The earliest round with the highest test accuracy. */
function bestOf(history: readonly RoundRecord[]): RoundRecord {
  return history.reduce((best, r) => ((r.evaluation?.accuracy ?? -1) > (best.evaluation?.accuracy ?? -1) ? r : best));
}

before(async () => {
  await selectBackend('cpu');
  const dir = tempDir();
  trainPath = join(dir, 'train.csv');
  testPath = join(dir, 'test.csv');
  writeCsv(trainPath, 240, 1);
  writeCsv(testPath, 90, 2);
});

describe('saved global models of a simulation', () => {
  it('saves model/ and best-model/ with the schema; evaluating them reproduces the accuracy of their round', async () => {
    const out = tempDir();
    const result = await runSimulation(config(3, { saveBest: true }), { outDir: out });
    const history = result.federated.history;
    const last = history[history.length - 1];
    const best = bestOf(history);
    assert.deepEqual(result.models, {
      final: { path: join(out, 'model'), round: 3, accuracy: last.evaluation?.accuracy },
      best: { path: join(out, 'best-model'), round: best.round, accuracy: best.evaluation?.accuracy },
    });
    for (const sub of ['model', 'best-model']) assert.ok(existsSync(join(out, sub, 'model.json')) && existsSync(join(out, sub, 'weights.bin')), sub);

    const saved = await loadSavedModel(join(out, 'model'));
    assert.deepEqual(saved.schema, { inputShape: [6], featureNames: ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'], numClasses: 3, classNames: ['blue', 'green', 'red'] });
    assert.deepEqual(saved.round, { kind: 'final', round: 3, rounds: 3, accuracy: last.evaluation?.accuracy, loss: last.evaluation?.loss });
    assert.deepEqual(readParams(saved.named.model), result.federated.params, 'the final model holds the final global parameters');
    saved.named.model.dispose();

    const final = await evaluateSavedModel(join(out, 'model'), testPath);
    assert.equal(final.rows, 90);
    assert.ok(Math.abs(final.accuracy - (last.evaluation?.accuracy as number)) <= 1e-6, `final: ${final.accuracy} vs reported ${last.evaluation?.accuracy}`);
    assert.ok(Math.abs(final.loss - (last.evaluation?.loss as number)) <= 1e-5, `final loss: ${final.loss} vs reported ${last.evaluation?.loss}`);
    const bestEval = await evaluateSavedModel(join(out, 'best-model'), testPath);
    assert.ok(Math.abs(bestEval.accuracy - (best.evaluation?.accuracy as number)) <= 1e-6, `best: ${bestEval.accuracy} vs reported ${best.evaluation?.accuracy}`);
    assert.deepEqual(bestEval.round, { kind: 'best', round: best.round, rounds: 3, accuracy: best.evaluation?.accuracy, loss: best.evaluation?.loss });
    // The test is not vacuous: the model learned something in 3 rounds.
    assert.ok(final.accuracy > 0.5, `accuracy ${final.accuracy}`);
  });

  it('tf.loadLayersModel reads the saved model.json and weights.bin on its own', async () => {
    const out = tempDir();
    const result = await runSimulation(config(1), { outDir: out });
    const doc = JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
    const weights = new Uint8Array(readFileSync(join(out, 'model', 'weights.bin')));
    const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: doc.modelTopology, weightSpecs: doc.weightsManifest[0].weights, weightData: weights.buffer }));
    assert.deepEqual(readParams(model), result.federated.params);
    model.dispose();
    assert.equal(existsSync(join(out, 'best-model')), false, 'saveBest is off by default');
  });

  it('a resumed run saves the same final and best models as an uninterrupted one; saveModel: false saves none', async () => {
    const clean = tempDir();
    const full = await runSimulation(config(3, { saveBest: true }), { outDir: clean, checkpointPath: join(clean, 'checkpoint.jly') });
    const split = tempDir();
    const checkpointPath = join(split, 'checkpoint.jly');
    await runSimulation(config(2, { saveBest: true }), { outDir: split, checkpointPath });
    const resumed = await runSimulation(config(3, { saveBest: true }), { outDir: split, checkpointPath, resume: true });
    assert.deepEqual(resumed.federated.params, full.federated.params);
    assert.deepEqual({ ...resumed.models.final, path: '' }, { ...full.models.final, path: '' });
    assert.deepEqual({ ...resumed.models.best, path: '' }, { ...full.models.best, path: '' });
    for (const sub of ['model', 'best-model']) {
      const a = await loadSavedModel(join(split, sub));
      const b = await loadSavedModel(join(clean, sub));
      assert.deepEqual(readParams(a.named.model), readParams(b.named.model), sub);
      assert.deepEqual(a.round, b.round, sub);
      a.named.model.dispose();
      b.named.model.dispose();
    }

    const none = tempDir();
    const off = await runSimulation(config(1, { saveModel: false }), { outDir: none });
    assert.deepEqual(off.models, {});
    assert.equal(existsSync(join(none, 'model')), false);
  });
});
