/**
 * The alignment run on two-view noisy Fashion-MNIST (a small subset of the test images; a seeded
 * synthetic stand-in of rings where Fashion-MNIST is not installed): contrastive
 * training makes the views retrievable from each other well above chance and above the untrained
 * model, without leaking tensors, reproducibly.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend-registry.js';
import { createRng } from '../../engine/random.js';
import { errorLike } from '../../engine/testing.js';
import { makeDataset, subset, type Dataset } from '../../data/dataset.js';
import { makeFieldDataset, type FieldDataset } from '../../data/fields.js';
import { DEFAULT_FASHION_MNIST_DIR } from '../../data/files/fashion-mnist.js';
import { loadIdxPair } from '../../data/files/tabular-files.js';
import { twoViewNoisy } from '../../data/multimodal/two-view-noisy.js';
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import { LABEL_FIELD, presenceField, type ImageModality, type MultimodalDataset } from '../modality.js';
import type { FittedPreprocessor } from '../preprocessor.js';
import { imagePreprocessor } from '../preprocessors/image.js';
import { parseAlignmentOptions, presentRows, runAlignment, type RunAlignmentOptions } from './run-alignment.js';
import type { AlignmentTower } from './two-tower.js';

before(async () => {
  await selectBackend('wasm');
});

const TRAIN = 500;
/** A small test split: with about 10 pairs per class, recall@10 can approach 1 once the classes are aligned (the partner image of view 2 is another image of the class, so nothing finer can be retrieved). */
const TEST = 100;

/** 600 grey 28x28 images in 10 classes: Fashion-MNIST's first test images, or seeded synthetic rings where it is not installed. */
function images(): Dataset {
  const dir = DEFAULT_FASHION_MNIST_DIR;
  const gz = (name: string): string => (existsSync(join(dir, name)) ? join(dir, name) : join(dir, `${name}.gz`));
  if (existsSync(gz('t10k-images-idx3-ubyte')) && existsSync(gz('t10k-labels-idx1-ubyte'))) {
    const all = loadIdxPair(gz('t10k-images-idx3-ubyte'), gz('t10k-labels-idx1-ubyte'));
    return { ...subset(all, Array.from({ length: TRAIN + TEST }, (_, i) => i)), numClasses: 10 };
  }
  // Class c is a ring of radius about 3 + 0.8c (±1, so neighbouring classes overlap) about the centre (rotation keeps the class), with a random brightness per image.
  const rng = createRng(7);
  const n = TRAIN + TEST;
  const features = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10;
    const radius = 3 + 0.8 * labels[i] + 2 * (rng.next() - 0.5);
    const brightness = 0.5 + 0.5 * rng.next();
    for (let k = 0; k < 784; k++) {
      const r = Math.hypot(Math.floor(k / 28) - 13.5, (k % 28) - 13.5);
      features[i * 784 + k] = brightness * Math.exp(-((r - radius) ** 2) / 4.5);
    }
  }
  return makeDataset({ features, sampleShape: [28, 28, 1], labels, numClasses: 10 }, 'synthetic images');
}

interface Prepared {
  train: FieldDataset;
  test: FieldDataset;
  raw: { train: MultimodalDataset; test: MultimodalDataset };
  towers: Record<'a' | 'b', AlignmentTower>;
  fitted: Record<'view1' | 'view2', FittedPreprocessor>;
}

function prepare(): Prepared {
  const all = images();
  const train = twoViewNoisy(subset(all, Array.from({ length: TRAIN }, (_, i) => i)), 0).dataset;
  const test = twoViewNoisy(subset(all, Array.from({ length: TEST }, (_, i) => TRAIN + i)), 1).dataset;
  const fitted = {
    view1: imagePreprocessor.fit(train.modalities.view1, 'view1', {}),
    view2: imagePreprocessor.fit(train.modalities.view2, 'view2', {}),
  };
  const fields = (ds: MultimodalDataset, source: string): FieldDataset =>
    makeFieldDataset(
      {
        ...fitted.view1.transform(ds.modalities.view1, 'view1'),
        ...fitted.view2.transform(ds.modalities.view2, 'view2'),
        [LABEL_FIELD]: { kind: 'classes', labels: ds.labels, numClasses: ds.numClasses },
      },
      source,
    );
  const encoder = { type: 'mlp', options: { hidden: [64] } };
  return {
    train: fields(train, 'train'),
    test: fields(test, 'test'),
    raw: { train, test },
    towers: { a: { name: 'view1', info: fitted.view1.info, encoder }, b: { name: 'view2', info: fitted.view2.info, encoder } },
    fitted,
  };
}

const data = prepare();

/** The mean training view-2 image of each class: one "prompt" per class for tower b. */
function classMeans(): ImageModality {
  const v2 = data.raw.train.modalities.view2 as ImageModality;
  const sums = new Float32Array(10 * 784);
  const counts = new Int32Array(10);
  for (let i = 0; i < data.raw.train.length; i++) {
    const y = data.raw.train.labels[i];
    counts[y]++;
    for (let k = 0; k < 784; k++) sums[y * 784 + k] += v2.values[i * 784 + k];
  }
  for (let c = 0; c < 10; c++) for (let k = 0; k < 784; k++) sums[c * 784 + k] /= counts[c];
  return { kind: 'image', values: sums, shape: [28, 28, 1] };
}

function baseOptions(): RunAlignmentOptions {
  return {
    towers: data.towers,
    train: data.train,
    test: data.test,
    seed: 3,
    options: { dim: 32, epochs: 3, batchSize: 32, probe: { iterations: 100 } },
  };
}

test('runAlignment (clip): recall@10 after training is well above chance and the untrained model, zero-shot and probe improve, no tensor leaks', async () => {
  const start = tf.memory().numTensors;
  const perEpoch: number[] = [];
  const prompts = classMeans();
  const result = await runAlignment({
    ...baseOptions(),
    zeroShot: { encodePrompts: () => data.fitted.view2.transform(prompts, 'view2') },
    onEpoch: () => {
      perEpoch.push(tf.memory().numTensors);
    },
  });
  assert.equal(tf.memory().numTensors, start, 'every tensor freed after the run');
  assert.equal(perEpoch[2], perEpoch[0], 'no tensor added between epochs');
  assert.equal(result.epochs.length, 3);
  assert.ok(result.epochs[2].loss < result.epochs[0].loss, `loss falls: ${result.epochs.map((e) => e.loss.toFixed(3)).join(' → ')}`);
  assert.ok(result.epochs.every((e) => Number.isFinite(e.temperature) && e.temperature >= 0.01 && e.temperature < 1));
  assert.equal(result.testPairs, TEST);
  const chance = result.retrieval.chance['10'];
  assert.equal(chance, 10 / TEST);
  for (const dir of ['aToB', 'bToA'] as const) {
    const trained = result.retrieval.trained[dir].recall['10'];
    const untrained = result.retrieval.untrained[dir].recall['10'];
    assert.ok(trained > 2 * chance, `${dir} recall@10 ${trained} vs chance ${chance}`);
    assert.ok(trained > untrained + 0.05, `${dir} recall@10 trained ${trained} vs untrained ${untrained}`);
    assert.ok(result.retrieval.trained[dir].recall['1'] <= result.retrieval.trained[dir].recall['5']);
  }
  assert.ok(result.zeroShot !== undefined);
  assert.equal(result.zeroShot.classifiedModality, 'view1');
  assert.equal(result.zeroShot.prompts, 10);
  assert.ok(result.zeroShot.trained > 2 * result.zeroShot.chance, `zero-shot ${result.zeroShot.trained}`);
  assert.ok(result.probe !== undefined);
  assert.equal(result.probe.modality, 'view1');
  assert.ok(result.probe.aligned.accuracy > result.probe.untrained.accuracy, `probe accuracy aligned ${result.probe.aligned.accuracy} vs untrained ${result.probe.untrained.accuracy}`);
  assert.deepEqual(JSON.parse(JSON.stringify(result)), result, 'the result is plain JSON');
});

test('runAlignment: the same seed gives the same result; the raw prompts with their preprocessor give the same zero-shot as their fields', async () => {
  const prompts = classMeans();
  const opts = { ...baseOptions(), options: { dim: 16, epochs: 1, batchSize: 100, probe: { iterations: 20 } } };
  const one = await runAlignment({ ...opts, zeroShot: { prompts, preprocessor: data.fitted.view2 } });
  const two = await runAlignment({ ...opts, zeroShot: { encodePrompts: () => data.fitted.view2.transform(prompts, 'view2') } });
  assert.deepEqual(two.retrieval, one.retrieval);
  assert.deepEqual(two.epochs.map((e) => e.loss), one.epochs.map((e) => e.loss));
  assert.deepEqual(two.zeroShot, one.zeroShot);
  assert.deepEqual(two.probe, one.probe);
  const other = await runAlignment({ ...opts, seed: 4 });
  assert.notDeepEqual(other.retrieval.untrained, one.retrieval.untrained, 'another seed starts elsewhere');
});

test('runAlignment (siglip): trains with its scale and bias, which the epochs report; pairs missing a modality are left out', async () => {
  const start = tf.memory().numTensors;
  const present = new Float32Array(TRAIN).fill(1).fill(0, 0, 50);
  const train = makeFieldDataset({ ...data.train.fields, [presenceField('view2')]: { kind: 'float', values: present, shape: [1] } }, 'train with missing view 2');
  let layers: string[] = [];
  const result = await runAlignment({ ...baseOptions(), train, onTrained: (m) => void (layers = m.model.layers.map((l) => l.name)), options: { dim: 16, epochs: 2, batchSize: 100, loss: 'siglip', probe: { enabled: false } } });
  assert.equal(tf.memory().numTensors, start);
  assert.equal(result.loss.name, 'siglip');
  assert.equal(result.trainPairs, TRAIN - 50);
  assert.ok(layers.includes('align/view1/dense_1') && layers.includes('align/view2/projection/dense_1'), `onTrained sees the model, layers named by modality: ${layers.join(', ')}`);
  assert.equal(result.probe, undefined);
  const params = result.epochs[1].parameters;
  assert.ok(Number.isFinite(params.bias) && params.bias !== -10, `bias ${params.bias} is learned`);
  assert.ok(result.epochs[1].loss < result.epochs[0].loss, `loss falls: ${result.epochs.map((e) => e.loss).join(' → ')}`);
});

test('presentRows: samples missing either modality are left out of the pairs', () => {
  const ds = makeFieldDataset(
    {
      x: { kind: 'float', values: Float32Array.from([1, 2, 3]), shape: [1] },
      [presenceField('x')]: { kind: 'float', values: Float32Array.from([1, 0, 1]), shape: [1] },
      [presenceField('y')]: { kind: 'float', values: Float32Array.from([1, 1, 0]), shape: [1] },
    },
    'test',
  );
  const kept = presentRows(ds, ['x', 'y']);
  assert.equal(kept.length, 1);
  assert.equal(presentRows(ds, ['z']), ds);
});

test('runAlignment: bad setups are refused before training, with the fix', async () => {
  const start = tf.memory().numTensors;
  await assert.rejects(runAlignment({ ...baseOptions(), towers: { a: data.towers.a, b: data.towers.a } }), errorLike(ConfigError, /both towers read modality 'view1'/));
  await assert.rejects(runAlignment({ ...baseOptions(), towers: { a: data.towers.a, b: { ...data.towers.b, encoder: { type: 'mlp', options: { layers: 2 } } } } }), errorLike(ConfigError, /towers\.b\.encoder.*unknown option/));
  await assert.rejects(runAlignment({ ...baseOptions(), towers: { a: data.towers.a, b: { ...data.towers.b, name: 'view3', info: { ...data.towers.b.info, fields: ['view3'], shapes: { view3: [28, 28, 1] } } } } }), errorLike(ShapeMismatchError, /the training split: .*reads input 'view3' but the data has no such field \(inputs: view1, view2\)/));
  await assert.rejects(runAlignment({ ...baseOptions(), towers: { a: data.towers.a, b: { ...data.towers.b, info: { ...data.towers.b.info, kind: 'text' } } } }), errorLike(ConfigError, /towers\.b\.encoder\.type: encoder 'mlp' reads image or signal data, and modality 'view2' is text/));
  await assert.rejects(runAlignment({ ...baseOptions(), zeroShot: { encodePrompts: () => ({ view1: data.test.fields.view1 }) } }), errorLike(ShapeMismatchError, /no field 'view2'/));
  assert.equal(tf.memory().numTensors, start, 'a refused run frees what it made');
  assert.throws(() => parseAlignmentOptions({ dim: 0 }), errorLike(ConfigError, /alignment\.dim/));
  assert.throws(() => parseAlignmentOptions({ loss: { name: 'clip', temperature: 1 } }), errorLike(ConfigError, /unknown option.*initTemperature/));
  assert.throws(() => parseAlignmentOptions({ loss: 'infonce' }), errorLike(ConfigError, /use one of: clip, siglip/));
  assert.throws(() => parseAlignmentOptions(JSON.parse('{"epoch": 3}') as never), errorLike(ConfigError, /unknown option/));
});

test('parseAlignmentOptions: the defaults', () => {
  const o = parseAlignmentOptions(undefined);
  assert.equal(o.dim, 64);
  assert.deepEqual(o.loss, { name: 'clip', options: { initTemperature: 0.07, maxLogitScale: 100, learnTemperature: true } });
  assert.equal(o.epochs, 10);
  assert.equal(o.batchSize, 128);
  assert.deepEqual(o.recallAt, [1, 5, 10]);
  assert.deepEqual(o.probe, { iterations: 300, learningRate: 0.05, l2: 1e-4, enabled: true, tower: 'a', features: 'encoder' });
  assert.equal(parseAlignmentOptions(o).dim, 64, 'a parsed value parses again');
});
