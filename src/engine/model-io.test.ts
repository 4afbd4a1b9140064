import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataMissingError } from '../errors.js';
import { selectBackend } from './backend.js';
import { readParams } from './flat-params.js';
import { loadModel, saveModel } from './model-io.js';
import { buildModel, type ModelSpecInput } from './model-spec.js';
import { assertClose, randomValues } from './testing.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jointly-model-io-'));
  dirs.push(dir);
  return dir;
}

function predict(model: tfl.LayersModel, shape: number[]): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), 5), shape);
    return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
}

/** Training-mode passes: move the batch-norm moving statistics away from their initial values. */
function moveBatchNormStats(model: tfl.LayersModel, shape: number[]): void {
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => {
      model.apply(tf.add(tf.mul(tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), 10 + i), shape), 2), 1), { training: true });
    });
  }
}

before(async () => {
  await selectBackend('cpu');
});

after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const CASES: { what: string; spec: ModelSpecInput; inputShape: number[] }[] = [
  { what: 'a plain mlp', spec: { type: 'mlp', hidden: [6] }, inputShape: [4] },
  { what: 'an mlp with SeededDropout and batchNorm', spec: { type: 'mlp', hidden: [6, 5], batchNorm: true, dropout: 0.3 }, inputShape: [4] },
  {
    what: 'a cnn with SeededDropout and batchNorm',
    spec: { type: 'cnn', conv: [{ filters: 3 }, { filters: 4, pool: 'avg' }], dense: [5], batchNorm: true, dropout: 0.2 },
    inputShape: [8, 8, 1],
  },
];

describe('saveModel / loadModel', () => {
  for (const c of CASES) {
    test(`round trip of ${c.what} gives the same predictions`, async () => {
      const model = buildModel(c.spec, { inputShape: c.inputShape, numClasses: 3, seed: 4, name: 'saved' });
      moveBatchNormStats(model, [8, ...c.inputShape]);
      const dir = join(tempDir(), 'nested', 'model');
      await saveModel(model, dir);
      assert.ok(existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'weights.bin')));
      const loaded = await loadModel(dir);
      assert.deepEqual(
        loaded.layers.map((l) => l.getClassName()),
        model.layers.map((l) => l.getClassName()),
      );
      assert.deepEqual(readParams(loaded), readParams(model));
      assertClose(predict(loaded, [3, ...c.inputShape]), predict(model, [3, ...c.inputShape]), 1e-6, 'predictions');
      const dropouts = loaded.layers.filter((l) => l.getClassName() === 'JointlySeededDropout');
      const originals = model.layers.filter((l) => l.getClassName() === 'JointlySeededDropout');
      assert.equal(dropouts.length, originals.length);
      dropouts.forEach((l, i) => {
        assert.equal(l.getConfig().rate, originals[i].getConfig().rate);
        assert.equal(l.getConfig().seed, originals[i].getConfig().seed);
      });
    });
  }

  test('a loaded model with SeededDropout still drops units in training mode', async () => {
    const model = buildModel({ type: 'mlp', hidden: [32], dropout: 0.5 }, { inputShape: [4], numClasses: 2, seed: 1 });
    const dir = tempDir();
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    const [train1, train2, infer] = tf.tidy(() => {
      const x = tf.tensor2d(randomValues(8 * 4, 3), [8, 4]);
      return [
        (loaded.apply(x, { training: true }) as tf.Tensor).dataSync(),
        (loaded.apply(x, { training: true }) as tf.Tensor).dataSync(),
        (loaded.apply(x, { training: false }) as tf.Tensor).dataSync(),
      ];
    });
    assert.notDeepEqual(train1, train2);
    assert.notDeepEqual(train1, infer);
  });

  test('overwrites an earlier save in the same folder', async () => {
    const dir = tempDir();
    const first = buildModel({ type: 'mlp', hidden: [3] }, { inputShape: [2], numClasses: 2, seed: 1 });
    const second = buildModel({ type: 'mlp', hidden: [3] }, { inputShape: [2], numClasses: 2, seed: 2 });
    await saveModel(first, dir);
    await saveModel(second, dir);
    assert.deepEqual(readParams(await loadModel(dir)), readParams(second));
  });

  test('loadModel on an empty folder throws DataMissingError', async () => {
    const dir = tempDir();
    await assert.rejects(loadModel(dir), (err: unknown) => {
      assert.ok(err instanceof DataMissingError);
      assert.equal(err.code, 'DATA_MISSING');
      assert.ok(err.message.includes(dir), err.message);
      assert.ok(err.hint !== undefined && err.hint.length > 0);
      return true;
    });
  });

  test('loadModel on a folder whose model.json is not JSON fails', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'model.json'), '{ not json');
    await assert.rejects(loadModel(dir));
  });
});
