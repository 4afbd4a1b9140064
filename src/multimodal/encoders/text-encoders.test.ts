/** The text encoders (embedding-pool, text-conv, transformer): pooling by hand, shapes, padding independence, seeds, options, training on a toy task, save and load, no tensor leak. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { modelToArtifacts } from '../../engine/model-artifacts.js';
import { createRng } from '../../engine/random.js';
import { assertClose, errorLike, randomValues } from '../../engine/testing.js';
import { ShapeMismatchError } from '../../errors.js';
import type { ModalityInfo } from '../preprocessor.js';
import '../text/layers/index.js';
import { getEncoder } from './registry.js';

before(async () => {
  await selectBackend('cpu');
});

const TEXT_ENCODERS = ['embedding-pool', 'text-conv', 'transformer'] as const;

/** Small options for each encoder, for fast tests. */
const SMALL: Record<string, Record<string, unknown>> = {
  'embedding-pool': { dim: 4 },
  'text-conv': { dim: 4, filters: 3, kernelSizes: [2, 3] },
  transformer: { dim: 4, heads: 2, ffn: 8, layers: 2 },
};

interface Built {
  model: tfl.LayersModel;
  /** Width of the vector. */
  width: number;
}

/** An encoder as a model: ids [B, T] → [vector, sequence, sequenceMask]. */
function buildEncoder(name: string, options: Record<string, unknown>, opts: { vocabSize?: number; maxLength?: number; seed?: number; init?: 'glorot' | 'torch' } = {}): Built {
  const { vocabSize = 10, maxLength = 5, seed = 1, init = 'glorot' } = opts;
  const encoder = getEncoder(name);
  const ids = tfl.input({ shape: [maxLength], dtype: 'int32', name: 'text/input' });
  const info: ModalityInfo = { kind: 'text', fields: ['text'], shapes: { text: [maxLength] }, vocabSizes: { text: vocabSize } };
  const out = encoder.build(encoder.options.parse(options), { modality: 'text', info, inputs: { text: ids }, seed, prefix: `enc-${name}`, init });
  assert.ok(out.sequence !== undefined && out.sequenceMask !== undefined, `${name} returns a sequence and its mask`);
  const model = tfl.model({ inputs: ids, outputs: [out.vector, out.sequence, out.sequenceMask], name: `m-${name}` });
  return { model, width: out.vector.shape[1] as number };
}

function run(model: tfl.LayersModel, ids: number[][]): { vector: number[][]; sequence: number[][][]; mask: number[][] } {
  return tf.tidy(() => {
    const [v, s, m] = model.predict(tf.tensor2d(ids, undefined, 'int32')) as tf.Tensor[];
    return { vector: v.arraySync() as number[][], sequence: s.arraySync() as number[][][], mask: m.arraySync() as number[][] };
  });
}

function embeddingLayer(model: tfl.LayersModel): tfl.layers.Layer {
  const layer = model.layers.find((l) => l.getClassName() === 'JointlyTokenEmbedding');
  assert.ok(layer !== undefined);
  return layer;
}

/** Sets the token embedding table (vocabSize × dim values, row-major). */
function setTable(model: tfl.LayersModel, values: ArrayLike<number>): void {
  const layer = embeddingLayer(model);
  const shape = layer.getWeights()[0].shape;
  const t = tf.tensor(Array.from(values), shape);
  layer.setWeights([t]);
  t.dispose();
}

describe('embedding-pool', () => {
  // a table whose row i is [i, −i, i², 1]
  const table = Array.from({ length: 10 }, (_, i) => [i, -i, i * i, 1]).flat();

  test('masked mean and max pooling of the token embeddings, by hand', () => {
    const mean = buildEncoder('embedding-pool', { dim: 4, pool: 'mean' });
    setTable(mean.model, table);
    // sample 0: ids 2, 3 then padding → mean of [2, −2, 4, 1] and [3, −3, 9, 1] = [2.5, −2.5, 6.5, 1]
    // sample 1: only padding → zeros
    const out = run(mean.model, [[2, 3, 0, 0, 0], [0, 0, 0, 0, 0]]);
    assertClose(out.vector.flat(), [2.5, -2.5, 6.5, 1, 0, 0, 0, 0], 1e-6, 'mean');
    assert.deepEqual(out.mask, [[1, 1, 0, 0, 0], [0, 0, 0, 0, 0]]);
    assertClose(out.sequence[0].flat(), [2, -2, 4, 1, 3, -3, 9, 1, ...Array(12).fill(0)], 1e-6, 'sequence: embeddings, zero at padding');
    const max = buildEncoder('embedding-pool', { dim: 4, pool: 'max' });
    setTable(max.model, table);
    // max of [2, −2, 4, 1], [3, −3, 9, 1] per dimension = [3, −2, 9, 1]
    assertClose(run(max.model, [[2, 3, 0, 0, 0], [0, 0, 0, 0, 0]]).vector.flat(), [3, -2, 9, 1, 0, 0, 0, 0], 1e-6, 'max');
    mean.model.dispose();
    max.model.dispose();
  });

  test('dense layers after pooling set the vector width', () => {
    const { model, width } = buildEncoder('embedding-pool', { dim: 4, dense: [6, 3] });
    assert.equal(width, 3);
    model.dispose();
  });
});

describe('every text encoder', () => {
  const IDS = [
    [2, 3, 4, 0, 0],
    [5, 6, 7, 8, 9],
    [0, 0, 0, 0, 0],
  ];

  for (const name of TEXT_ENCODERS) {
    test(`${name}: shapes, zero sequence at padding, finite for an empty text, independent of the padding id's embedding`, () => {
      const { model, width } = buildEncoder(name, SMALL[name]);
      const a = run(model, IDS);
      assert.equal(a.vector.length, 3);
      assert.equal(a.vector[0].length, width);
      assert.equal(a.sequence[0].length, 5);
      assert.deepEqual(a.mask, IDS.map((row) => row.map((id) => (id === 0 ? 0 : 1))));
      assert.ok(a.vector.flat().every(Number.isFinite) && a.sequence.flat(2).every(Number.isFinite), 'finite (the fully padded sample too)');
      assert.ok(a.sequence[0].slice(3).flat().every((v) => v === 0), 'padding steps of the sequence are zero');
      // another embedding for the padding id 0 changes nothing
      const table = embeddingLayer(model).getWeights()[0];
      const values = Float32Array.from(table.dataSync());
      const dim = table.shape[1] as number;
      values.set(randomValues(dim, 5).map((v) => v * 50), 0);
      setTable(model, values);
      const b = run(model, IDS);
      assertClose(b.vector.flat(), a.vector.flat(), 1e-5, 'vector');
      assertClose(b.sequence.flat(2), a.sequence.flat(2), 1e-5, 'sequence');
      model.dispose();
    });
  }

  test('transformer: output shapes for mean and cls pooling, pre- and post-norm, with dense layers', () => {
    for (const options of [
      { dim: 8, heads: 2, ffn: 16, layers: 1 },
      { dim: 8, heads: 4, ffn: 16, layers: 3, pool: 'cls', norm: 'post' },
      { dim: 8, heads: 1, ffn: 4, layers: 1, dense: [5], ffnActivation: 'gelu', dropout: 0.1 },
    ]) {
      const { model, width } = buildEncoder('transformer', options, { maxLength: 6, vocabSize: 12 });
      const out = run(model, [[3, 4, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]);
      assert.equal(width, options.dense?.[0] ?? 8);
      assert.deepEqual([out.vector.length, out.vector[0].length], [2, width]);
      assert.deepEqual([out.sequence.length, out.sequence[0].length, out.sequence[0][0].length], [2, 6, 8]);
      assert.ok(out.vector.flat().every(Number.isFinite), JSON.stringify(options));
      assert.ok(out.sequence[1].flat().every((v) => v === 0), 'an empty text has an all-zero sequence');
      model.dispose();
    }
  });

  test('the same seed gives the same weights, another seed others; torch init works', () => {
    for (const name of TEXT_ENCODERS) {
      const w = (seed: number, init: 'glorot' | 'torch' = 'glorot'): Float32Array[] => {
        const { model } = buildEncoder(name, SMALL[name], { seed, init });
        const values = model.getWeights().map((t) => t.dataSync() as Float32Array);
        model.dispose();
        return values;
      };
      const [a, b, c] = [w(3), w(3), w(4)];
      a.forEach((x, i) => assertClose(x, b[i], 0, `${name} weight ${i}`));
      assert.ok(a.some((x, i) => x.some((v, j) => v !== c[i][j])), `${name}: another seed`);
      assert.ok(w(3, 'torch').every((x) => x.every(Number.isFinite)));
    }
  });

  test('options are strict, with clear errors; float features are refused', () => {
    assert.throws(() => getEncoder('transformer').options.parse({ dim: 6, heads: 4 }), /multiple of heads/);
    assert.throws(() => getEncoder('text-conv').options.parse({ filter: 3 }), /filter/);
    assert.deepEqual(getEncoder('embedding-pool').options.parse({}), { dim: 64, dense: [], activation: 'relu', dropout: 0, pool: 'mean' });
    assert.deepEqual(getEncoder('text-conv').options.parse({}), { dim: 64, dense: [], activation: 'relu', dropout: 0, filters: 64, kernelSizes: [3, 4, 5] });
    assert.deepEqual(getEncoder('transformer').options.parse({}), { dim: 64, dense: [], activation: 'relu', dropout: 0, layers: 2, heads: 4, ffn: 128, ffnActivation: 'relu', norm: 'pre', pool: 'mean' });
    for (const name of TEXT_ENCODERS) assert.ok(getEncoder(name).optionNames.includes('dim'));
    const image = tfl.input({ shape: [4] });
    const info: ModalityInfo = { kind: 'image', fields: ['img'], shapes: { img: [4] } };
    assert.throws(() => getEncoder('transformer').build(getEncoder('transformer').options.parse({}), { modality: 'img', info, inputs: { img: image }, seed: 0, prefix: 'x', init: 'glorot' }), errorLike(ShapeMismatchError, /reads token ids/, /'img'/));
  });
});

describe('training and saving', () => {
  /** Toy task: label 1 when token 5 occurs. Sequences of 1..8 ids from 2..9, padded to 8. */
  function toyData(n: number, seed: number): { ids: number[][]; labels: number[] } {
    const rng = createRng(seed);
    const ids: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const len = 1 + rng.int(8);
      const row = Array.from({ length: 8 }, (_, t) => (t < len ? 2 + rng.int(8) : 0));
      if (i % 2 === 0 && !row.includes(5)) row[rng.int(len)] = 5; // about half positive
      ids.push(row);
      labels.push(row.includes(5) ? 1 : 0);
    }
    return { ids, labels };
  }

  for (const name of TEXT_ENCODERS) {
    test(`${name}: Adam steps reduce the loss on "does token 5 occur"; gradients reach every weight; no tensor leak`, () => {
      const before = tf.memory().numTensors;
      const { model } = buildEncoder(name, { ...SMALL[name], dim: 8, ...(name === 'transformer' ? { heads: 2, ffn: 16, layers: 1 } : {}) }, { vocabSize: 10, maxLength: 8, seed: 2 });
      const head = tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }), name: `head-${name}` });
      const classifier = tfl.model({ inputs: model.inputs, outputs: head.apply(model.outputs[0]) as tfl.SymbolicTensor });
      const data = toyData(64, 11);
      const x = tf.tensor2d(data.ids, undefined, 'int32');
      const y = tf.tensor2d(data.labels, [64, 1]);
      const optimizer = tf.train.adam(0.03);
      const lossOf = (): tf.Scalar => tf.losses.sigmoidCrossEntropy(y, classifier.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
      const variables = classifier.trainableWeights.map((w) => w.read() as tf.Variable);
      const grads = tf.tidy(() => tf.variableGrads(lossOf, variables).grads);
      const silent = variables.filter((v) => tf.tidy(() => tf.max(tf.abs(grads[v.name])).dataSync()[0]) === 0).map((v) => v.name);
      tf.dispose(Object.values(grads));
      assert.deepEqual(silent, [], 'every weight gets a gradient');
      const first = tf.tidy(() => lossOf().dataSync()[0]);
      for (let step = 0; step < 40; step++) {
        tf.tidy(() => {
          optimizer.minimize(lossOf);
        });
      }
      const last = tf.tidy(() => lossOf().dataSync()[0]);
      assert.ok(last < first * 0.6, `loss ${first} → ${last}`);
      tf.dispose([x, y]);
      optimizer.dispose();
      classifier.dispose();
      assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    });
  }

  for (const name of TEXT_ENCODERS) {
    test(`${name}: saved and loaded (tfjs layers format in memory), the model gives the same outputs`, async () => {
      const options = name === 'transformer' ? { ...SMALL[name], pool: 'cls', dense: [3] } : SMALL[name];
      const { model } = buildEncoder(name, options, { seed: 7 });
      const ids = [[2, 3, 4, 0, 0], [0, 0, 0, 0, 0], [9, 8, 7, 6, 5]];
      const want = run(model, ids);
      const artifacts = await modelToArtifacts(model);
      const json = JSON.parse(JSON.stringify(artifacts.json)) as typeof artifacts.json;
      const weightData = artifacts.weights.buffer.slice(artifacts.weights.byteOffset, artifacts.weights.byteOffset + artifacts.weights.byteLength);
      const loaded = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
      const got = run(loaded, ids);
      assertClose(got.vector.flat(), want.vector.flat(), 1e-6, 'vector');
      assertClose(got.sequence.flat(2), want.sequence.flat(2), 1e-6, 'sequence');
      // and from the topology alone (model.toJSON → modelFromJSON), with the weights copied
      const topology = JSON.parse(model.toJSON(null, true) as string) as Parameters<typeof tfl.models.modelFromJSON>[0];
      const fromJson = await tfl.models.modelFromJSON({ modelTopology: topology } as Parameters<typeof tfl.models.modelFromJSON>[0]);
      fromJson.setWeights(model.getWeights());
      assertClose(run(fromJson, ids).vector.flat(), want.vector.flat(), 1e-6, 'modelFromJSON');
      for (const m of [model, loaded, fromJson]) m.dispose();
    });
  }
});
