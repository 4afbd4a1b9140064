import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend-registry.js';
import { createRng } from '../../engine/random.js';
import { errorLike } from '../../engine/testing.js';
import { ShapeMismatchError } from '../../errors.js';
import type { FloatField, TokensField } from '../../data/fields.js';
import type { EncoderContext } from '../encoder.js';
import type { TabularModality } from '../modality.js';
import type { ModalityInfo } from '../preprocessor.js';
import { tabularPreprocessor, TabularPreprocessorOptionsSchema } from '../preprocessors/tabular.js';
import { autoEmbeddingDim, TabularEncoderOptionsSchema, tabularEncoder } from './tabular.js';

before(async () => {
  // wasm: faster than cpu for these small dense models, and the embeddings must train there (no gather gradient)
  await selectBackend('wasm');
});

/** A toy table: y = 1 when (x > 0) agrees with (color = 'a'), so the model needs both the number and the category. */
function toyTable(n: number, seed: number): { table: TabularModality; labels: Int32Array } {
  const rng = createRng(seed);
  const numeric = new Float32Array(n * 2);
  const color: string[] = [];
  const size: string[] = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    numeric[2 * i] = rng.next() * 4 - 2;
    numeric[2 * i + 1] = rng.next() < 0.1 ? NaN : rng.next(); // noise, sometimes missing
    color.push(['a', 'b', 'c'][rng.int(3)]);
    size.push(['s', 'm', 'l', 'xl', ''][rng.int(5)]); // noise
    labels[i] = numeric[2 * i] > 0 === (color[i] === 'a') ? 1 : 0;
  }
  return { table: { kind: 'tabular', numeric, numericNames: ['x', 'noise'], categorical: [color, size], categoricalNames: ['color', 'size'] }, labels };
}

/** The model inputs of a modality's fields and an encoder context over them. */
function context(info: ModalityInfo, seed: number, init: 'glorot' | 'torch' = 'glorot'): EncoderContext {
  const inputs: Record<string, tfl.SymbolicTensor> = {};
  for (const f of info.fields) inputs[f] = tfl.input({ shape: [...info.shapes[f]], dtype: info.vocabSizes?.[f] === undefined ? 'float32' : 'int32', name: `in_${f}` });
  return { modality: 'rec', info, inputs, seed, prefix: 'rec', init };
}

function buildModel(info: ModalityInfo, options: unknown, seed: number, init: 'glorot' | 'torch' = 'glorot'): tfl.LayersModel {
  const ctx = context(info, seed, init);
  const { vector } = tabularEncoder.build(TabularEncoderOptionsSchema.parse(options), ctx);
  const logits = tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed }), name: 'rec/head' }).apply(vector) as tfl.SymbolicTensor;
  return tfl.model({ inputs: info.fields.map((f) => ctx.inputs[f]), outputs: logits });
}

function inputTensors(info: ModalityInfo, fields: Record<string, FloatField | TokensField>): tf.Tensor[] {
  return info.fields.map((f) => {
    const field = fields[f];
    const n = field.kind === 'float' ? field.values.length / field.shape[0] : field.lengths.length;
    return field.kind === 'float' ? tf.tensor2d(field.values, [n, field.shape[0]]) : tf.tensor2d(field.ids, [n, field.maxLength], 'int32');
  });
}

describe('tabular encoder', () => {
  test('the embedding rule: min(16, round(1.6·n^0.56))', () => {
    // 1.6·2^0.56 = 2.36 → 2; 1.6·5^0.56 = 3.52 → 4; 1.6·100^0.56 = 21.0 → 16 (capped)
    assert.deepEqual([1, 2, 5, 100].map(autoEmbeddingDim), [2, 2, 4, 16]);
  });

  test('builds numbers + one embedding per column, trains a few Adam steps and reduces the loss, without a tensor leak', () => {
    const { table, labels } = toyTable(128, 1);
    const fitted = tabularPreprocessor.fit(table, 'rec', TabularPreprocessorOptionsSchema.parse({}));
    const fields = fitted.transform(table, 'rec') as Record<string, FloatField | TokensField>;
    const model = buildModel(fitted.info, { hidden: [32, 16] }, 3);
    // color: unknown, missing, a, b, c = 5 ids → width 4; size: unknown, missing, s, m, l, xl = 6 → round(1.6·6^0.56) = 4
    const embed = model.layers.find((l) => l.getClassName() === 'JointlyCategoricalEmbeddings');
    assert.deepEqual(embed?.getWeights().map((w) => w.shape), [[5, 4], [6, 4]]);
    assert.deepEqual(model.outputs[0].shape, [null, 2]);
    const xs = inputTensors(fitted.info, fields);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);
    const optimizer = tf.train.adam(0.02);
    const step = (): number => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar, true) as tf.Scalar;
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    };
    const first = step();
    const after = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 40; i++) last = step();
    assert.equal(tf.memory().numTensors, after, 'no tensor leak per step');
    assert.ok(Number.isFinite(last) && last < 0.5 * first, `loss ${first} → ${last}`);
    tf.dispose([...xs, y]);
    optimizer.dispose();
    model.dispose();
  });

  test('seeded: the same seed gives the same weights, another seed others; torch init draws N(0, 1) embeddings', () => {
    const { table } = toyTable(32, 2);
    const info = tabularPreprocessor.fit(table, 'rec', TabularPreprocessorOptionsSchema.parse({})).info;
    const weights = (m: tfl.LayersModel): number[] => m.getWeights().flatMap((w) => Array.from(w.dataSync()));
    const a = buildModel(info, {}, 5);
    const b = buildModel(info, {}, 5);
    const c = buildModel(info, {}, 6);
    assert.deepEqual(weights(a), weights(b));
    assert.notDeepEqual(weights(a), weights(c));
    const embedValues = (m: tfl.LayersModel): number[] => (m.layers.find((l) => l.getClassName() === 'JointlyCategoricalEmbeddings')?.getWeights() ?? []).flatMap((w) => Array.from(w.dataSync()));
    assert.ok(embedValues(a).every((v) => Math.abs(v) <= 0.05));
    const t = buildModel(info, {}, 5, 'torch');
    assert.ok(embedValues(t).some((v) => Math.abs(v) > 0.05));
    [a, b, c, t].forEach((m) => m.dispose());
  });

  test('numeric-only and categorical-only tables, fixed embedding width, hidden [] and dropout', () => {
    const numericOnly = tabularPreprocessor.fit({ kind: 'tabular', numeric: Float32Array.from([1, 2, 3]), numericNames: ['v'], categorical: [], categoricalNames: [] }, 'rec', TabularPreprocessorOptionsSchema.parse({}));
    const m1 = buildModel(numericOnly.info, { hidden: [8], dropout: 0.5 }, 1);
    assert.deepEqual(m1.inputs.map((i) => i.shape), [[null, 1]]);
    const catOnly = tabularPreprocessor.fit({ kind: 'tabular', numeric: new Float32Array(0), numericNames: [], categorical: [['a', 'b'], ['c', 'c']], categoricalNames: ['k', 'l'] }, 'rec', TabularPreprocessorOptionsSchema.parse({}));
    const ctx = context(catOnly.info, 1);
    const { vector } = tabularEncoder.build(TabularEncoderOptionsSchema.parse({ hidden: [], embeddingDim: 3, embeddingDropout: 0.1 }), ctx);
    assert.deepEqual(vector.shape, [null, 6]); // two columns × 3, no hidden layer
    m1.dispose();
  });

  test('round-trips through toJSON and modelFromJSON (the embedding layer is registered)', async () => {
    const { table } = toyTable(16, 4);
    const fitted = tabularPreprocessor.fit(table, 'rec', TabularPreprocessorOptionsSchema.parse({}));
    const model = buildModel(fitted.info, {}, 7);
    const json = JSON.parse(model.toJSON(null, true) as string) as tf.serialization.ConfigDict;
    const copy = await tfl.models.modelFromJSON(json);
    copy.setWeights(model.getWeights());
    const xs = inputTensors(fitted.info, fitted.transform(table, 'rec') as Record<string, FloatField | TokensField>);
    const a = model.predict(xs) as tf.Tensor;
    const b = copy.predict(xs) as tf.Tensor;
    assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
    tf.dispose([...xs, a, b]);
    copy.dispose();
    model.dispose();
  });

  test('refuses a modality that is not a table, and categorical ids without category sizes', () => {
    const image: ModalityInfo = { kind: 'image', fields: ['rec'], shapes: { rec: [4] } };
    assert.throws(() => tabularEncoder.build(TabularEncoderOptionsSchema.parse({}), context(image, 0)), errorLike(ShapeMismatchError, /reads tabular modalities/));
    const noSizes: ModalityInfo = { kind: 'tabular', fields: ['rec'], shapes: { rec: [2] }, vocabSizes: { rec: 5 } };
    assert.throws(() => tabularEncoder.build(TabularEncoderOptionsSchema.parse({}), context(noSizes, 0)), errorLike(ShapeMismatchError, /category size per column/));
  });
});
