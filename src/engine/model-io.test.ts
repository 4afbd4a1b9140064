import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadCsv } from '../data/files/tabular-files.js';
import type { DataSchema } from '../data/schema.js';
import { ConfigError, DataMalformedError, DataMissingError, ShapeMismatchError } from '../errors.js';
import { selectBackend } from './backend.js';
import { datasetSource } from './batch.js';
import { evaluate } from './evaluate.js';
import { readParams } from './flat-params.js';
import { createMember } from './member.js';
import { evaluateSavedModel, folderModelStore, loadModel, loadSavedModel, saveModel } from './model-io.js';
import { modelToArtifacts } from './model-artifacts.js';
import { buildModel, type ModelSpecInput } from './model-spec.js';
import { createOptimizer } from './optimizer.js';
import { assertClose, errorLike, randomValues } from './testing.js';

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

describe('loadSavedModel', () => {
  const SCHEMA: DataSchema = { inputShape: [3], featureNames: ['a', 'b', 'c'], numClasses: 2, classNames: ['no', 'yes'] };

  test('reads back the schema saveModel recorded, from the folder or its model.json', async () => {
    const model = buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [3], numClasses: 2, seed: 1 });
    const dir = join(tempDir(), 'm');
    await saveModel(model, dir, { schema: SCHEMA });
    for (const path of [dir, join(dir, 'model.json')]) {
      const saved = await loadSavedModel(path);
      assert.deepEqual(saved.schema, SCHEMA);
      assert.equal(saved.source, dir);
      saved.named.model.dispose();
    }
    model.dispose();
  });

  test('a missing folder, a file, and a folder without model.json are refused with the fix', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    await assert.rejects(loadSavedModel(join(dir, 'nope')), errorLike(DataMissingError, /nope: no such model folder/));
    await assert.rejects(loadSavedModel(join(dir, 'notes.txt')), errorLike(DataMalformedError, /is a file, not a model folder/));
    await assert.rejects(loadSavedModel(dir), (err: unknown) => {
      errorLike(DataMissingError, /no model\.json in .*: it is not a saved model/)(err);
      assert.match((err as DataMissingError).hint ?? '', /model\/ or best-model\//);
      return true;
    });
  });

  test('folderModelStore writes sub-folders that loadSavedModel reads, and reads their model.json back', async () => {
    const root = tempDir();
    const store = folderModelStore(root);
    assert.equal(store.readJson('model'), undefined);
    const model = buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [3], numClasses: 2, seed: 2 });
    const where = store.write('model', await modelToArtifacts(model, { schema: SCHEMA }));
    assert.equal(where, join(root, 'model'));
    assert.ok(!existsSync(join(root, 'model', 'model.json.tmp')), 'no temporary file is left');
    assert.deepEqual((store.readJson('model') as { jointly: { schema: unknown } }).jointly.schema, SCHEMA);
    const saved = await loadSavedModel(store.path('model'));
    assert.deepEqual(readParams(saved.named.model), readParams(model));
    saved.named.model.dispose();
    model.dispose();
  });
});

describe('evaluateSavedModel', () => {
  const FEATURES = ['f0', 'f1', 'f2', 'f3'];
  const CLASSES = ['setosa', 'versicolor', 'virginica'];

  /** Rows whose class is high on one feature; `order` permutes the columns (label last). */
  function csv(path: string, opts: { order?: number[]; rows?: number; extraClass?: string; features?: string[] } = {}): void {
    const names = opts.features ?? FEATURES;
    const order = opts.order ?? names.map((_, j) => j);
    const lines = [[...order.map((j) => names[j]), 'species'].join(',')];
    const rows = opts.rows ?? 60;
    for (let i = 0; i < rows; i++) {
      const y = i % 3;
      const values = names.map((_, j) => ((j === y ? 1 : 0) + Math.sin(i * 7 + j) * 0.6).toFixed(3));
      const label = opts.extraClass !== undefined && i === rows - 1 ? opts.extraClass : CLASSES[y];
      lines.push([...order.map((j) => values[j]), label].join(','));
    }
    writeFileSync(path, `${lines.join('\n')}\n`);
  }

  /** A model saved with the schema of a CSV that has all three classes, trained a little so it is not constant. */
  async function savedModel(dir: string, dataPath: string): Promise<void> {
    const train = loadCsv(dataPath);
    const model = buildModel({ type: 'mlp', hidden: [8] }, { inputShape: [4], numClasses: 3, seed: 3 });
    tf.tidy(() => {
      // A few hand-made steps of gradient descent on the cross-entropy.
      const x = tf.tensor2d(train.features, [train.labels.length, 4]);
      const y = tf.oneHot(tf.tensor1d(train.labels, 'int32'), 3);
      const opt = tf.train.sgd(0.5);
      for (let i = 0; i < 30; i++) opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
      opt.dispose();
    });
    await saveModel(model, dir, { schema: { inputShape: [4], featureNames: FEATURES, numClasses: 3, classNames: CLASSES } });
    model.dispose();
  }

  test('aligns text labels and shuffled columns to the model, and scores as evaluate() does', async () => {
    const dir = tempDir();
    const straight = join(dir, 'straight.csv');
    const shuffled = join(dir, 'shuffled.csv');
    csv(straight);
    csv(shuffled, { order: [2, 0, 3, 1] });
    await savedModel(join(dir, 'model'), straight);
    const tensors = tf.memory().numTensors;
    const a = await evaluateSavedModel(join(dir, 'model'), straight);
    const b = await evaluateSavedModel(join(dir, 'model'), shuffled);
    assert.equal(tf.memory().numTensors, tensors, 'the model and every batch are disposed');
    assert.equal(a.rows, 60);
    assert.deepEqual(b, { ...a, data: b.data }, 'columns are matched by name');
    assert.match(b.data, /all 60 rows of .*shuffled\.csv/);
    assert.deepEqual(a.classes.map((c) => [c.name, c.rows]), CLASSES.map((n) => [n, 20]));
    for (const c of a.classes) assert.equal(c.accuracy, c.correct / c.rows);
    assert.equal(a.classes.reduce((s, c) => s + c.correct, 0) / 60, a.accuracy);
    assert.ok(a.accuracy > 0.5, `trained a little: ${a.accuracy}`);
    // The same numbers as the engine's evaluate() on the same data and model.
    const saved = await loadSavedModel(join(dir, 'model'));
    const member = createMember({ name: 'm', ...saved.named, optimizer: createOptimizer({ name: 'sgd', learningRate: 0.01 }) });
    const reference = evaluate({ members: [member], data: datasetSource(loadCsv(straight)) }).members[0];
    assert.equal(a.accuracy, reference.accuracy);
    assert.ok(Math.abs(a.loss - reference.loss) < 1e-6, `${a.loss} vs ${reference.loss}`);
    saved.named.model.dispose();
    member.optimizer.dispose();
  });

  test('a file that lacks a class still maps its labels through the model\'s class names', async () => {
    const dir = tempDir();
    const all = join(dir, 'all.csv');
    const partial = join(dir, 'partial.csv');
    csv(all);
    await savedModel(join(dir, 'model'), all);
    // Only versicolor and virginica rows: read on their own, they would be classes 0 and 1.
    const lines = readFileSync(all, 'utf8').trimEnd().split('\n');
    writeFileSync(partial, `${[lines[0], ...lines.slice(1).filter((l) => !l.endsWith('setosa'))].join('\n')}\n`);
    const full = await evaluateSavedModel(join(dir, 'model'), all);
    const part = await evaluateSavedModel(join(dir, 'model'), partial);
    assert.deepEqual(part.classes.map((c) => c.rows), [0, 20, 20]);
    assert.ok(Number.isNaN(part.classes[0].accuracy));
    assert.deepEqual(part.classes.slice(1), full.classes.slice(1));
  });

  test('an unknown class, a missing column, a wrong feature count and unreadable data are refused with the fix', async () => {
    const dir = tempDir();
    const good = join(dir, 'good.csv');
    csv(good);
    await savedModel(join(dir, 'model'), good);
    const model = join(dir, 'model');
    const tensors = tf.memory().numTensors;
    const unknown = join(dir, 'unknown.csv');
    csv(unknown, { extraClass: 'daisy' });
    await assert.rejects(evaluateSavedModel(model, unknown), (err: unknown) => {
      errorLike(DataMalformedError, /class\(es\) 'daisy' are not classes of the model in .*model \('setosa', 'versicolor', 'virginica'\)/)(err);
      assert.equal((err as DataMalformedError).exitCode, 3);
      return true;
    });
    const renamed = join(dir, 'renamed.csv');
    csv(renamed, { features: ['f0', 'f1', 'f2', 'petal'] });
    await assert.rejects(evaluateSavedModel(model, renamed), errorLike(ShapeMismatchError, /lacks column\(s\) 'f3'/, /has column\(s\) 'petal'/));
    const narrow = join(dir, 'narrow.csv');
    csv(narrow, { features: ['f0', 'f1', 'f2'] });
    await assert.rejects(evaluateSavedModel(model, narrow), (err: unknown) => {
      errorLike(ShapeMismatchError, /lacks column\(s\) 'f3'/)(err);
      assert.equal((err as ShapeMismatchError).exitCode, 4);
      return true;
    });
    // Without a header, the feature count decides.
    const bare = join(dir, 'bare.csv');
    writeFileSync(bare, '0.1,0.2,0.3,setosa\n0.3,0.2,0.1,virginica\n');
    await assert.rejects(evaluateSavedModel(model, bare), errorLike(ShapeMismatchError, /3 features per sample but the model in .* expects 4/));
    await assert.rejects(evaluateSavedModel(model, join(dir, 'missing.csv')), errorLike(DataMissingError, /missing\.csv: no such file/));
    await assert.rejects(evaluateSavedModel(model, join(dir, 'data.parquet')), errorLike(ConfigError, /cannot tell what/));
    await assert.rejects(evaluateSavedModel(model, good, { labelColumn: 'nope' }), errorLike(ConfigError, /has no column 'nope'/));
    assert.equal(tf.memory().numTensors, tensors, 'a refused evaluation disposes the model it loaded');
  });

  test('a JSON Lines file with text labels gives the same scores as the CSV file of the same rows', async () => {
    const dir = tempDir();
    const path = join(dir, 'rows.csv');
    csv(path);
    await savedModel(join(dir, 'model'), path);
    const table = loadCsv(path);
    const lines = Array.from(table.labels, (y, i) => JSON.stringify({ features: Array.from(table.features.subarray(i * 4, i * 4 + 4)), label: (table.classNames as string[])[y] }));
    writeFileSync(join(dir, 'rows.jsonl'), `${lines.join('\n')}\n`);
    const fromCsv = await evaluateSavedModel(join(dir, 'model'), path);
    const fromJsonl = await evaluateSavedModel(join(dir, 'model'), join(dir, 'rows.jsonl'));
    assert.deepEqual({ ...fromJsonl, data: '' }, { ...fromCsv, data: '' });
    await assert.rejects(evaluateSavedModel(join(dir, 'model'), join(dir, 'rows.jsonl'), { labelColumn: 0 }), errorLike(ConfigError, /not to JSON Lines files/));
  });

  test('a model without a schema takes integer labels by position and refuses text labels', async () => {
    const dir = tempDir();
    const model = buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [4], numClasses: 3, seed: 5 });
    await saveModel(model, join(dir, 'bare'));
    model.dispose();
    const text = join(dir, 'text.csv');
    csv(text);
    await assert.rejects(evaluateSavedModel(join(dir, 'bare'), text), errorLike(DataMalformedError, /labels are class names .* but the model in .* numbers its classes 0 to 2 without names/));
    const ints = join(dir, 'ints.csv');
    writeFileSync(ints, readFileSync(text, 'utf8').replace(/setosa/g, '0').replace(/versicolor/g, '1').replace(/virginica/g, '2'));
    const r = await evaluateSavedModel(join(dir, 'bare'), ints);
    assert.equal(r.schema, undefined);
    assert.deepEqual(r.classes.map((c) => [c.name, c.rows]), [['0', 20], ['1', 20], ['2', 20]]);
  });

  test('a built-in dataset by name: the test split of mnist, with or without a schema', async () => {
    const dir = tempDir();
    const model = buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [28, 28, 1], numClasses: 10, seed: 5 });
    await saveModel(model, join(dir, 'bare'));
    await saveModel(model, join(dir, 'named'), { schema: { inputShape: [28, 28, 1], numClasses: 10, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] } });
    model.dispose();
    const bare = await evaluateSavedModel(join(dir, 'bare'), 'mnist');
    const named = await evaluateSavedModel(join(dir, 'named'), 'mnist');
    assert.equal(bare.rows, 2000);
    assert.equal(bare.classes.reduce((s, c) => s + c.rows, 0), 2000);
    assert.deepEqual({ ...named, model: '', schema: undefined }, { ...bare, model: '', schema: undefined });
    await assert.rejects(evaluateSavedModel(join(dir, 'bare'), 'mnist', { labelColumn: 1 }), errorLike(ConfigError, /applies to CSV files/));
  });
});
