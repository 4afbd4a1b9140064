/**
 * The `multimodal` federated model spec: slicing worked by hand, variants that share their
 * encoders' initial weights, late fusion, the federated task path (buildTaskModel), JSON round
 * trips and saved models that load with plain tfjs, bad specs refused, no tensor leak.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend-registry.js';
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import { buildTaskModel, FederatedTaskSchema, taskLayout } from '../../federated/task.js';
import { buildMultimodalTaskModel, MultimodalTaskModelSpecSchema, withModalities, type MultimodalTaskModelSpecInput } from './multimodal-model.js';

before(async () => {
  await selectBackend('cpu');
});

/** Two modalities with identity encoders (no hidden layer): a = x[0..2), b = x[3..5); x[2] is read by neither. */
const LINEAR: MultimodalTaskModelSpecInput = {
  type: 'multimodal',
  modalities: {
    a: { slice: [0, 2], encoder: { type: 'mlp', hidden: [] } },
    b: { slice: [3, 5], encoder: { type: 'mlp', hidden: [] } },
  },
};

function predict(model: tfl.LayersModel, rows: number[][]): number[][] {
  return tf.tidy(() => (model.predict(tf.tensor2d(rows)) as tf.Tensor).arraySync() as number[][]);
}

test('each modality reads its slice: with identity encoders and an identity output layer the logits are the sliced values', () => {
  const start = tf.memory().numTensors;
  const model = buildMultimodalTaskModel(LINEAR, { inputShape: [5], numClasses: 4, seed: 0 });
  const out = model.layers[model.layers.length - 1];
  tf.tidy(() => out.setWeights([tf.eye(4), tf.zeros([4])]));

  // concat(a, b) = [x0, x1, x3, x4]; x2 = 100 must not show.
  const logits = predict(model, [
    [1, 2, 100, 3, 4],
    [-1, 0.5, 100, 7, -2],
  ]);

  assert.deepEqual(logits, [
    [1, 2, 3, 4],
    [-1, 0.5, 7, -2],
  ]);
  model.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test('late fusion averages the per-modality logits', () => {
  const start = tf.memory().numTensors;
  const model = buildMultimodalTaskModel({ ...LINEAR, fusion: { type: 'late' } }, { inputShape: [5], numClasses: 2, seed: 0 });
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  assert.equal(dense.length, 2);
  // a's logits = a, b's logits = 2·b + 1: mean = (a + 2b + 1) / 2.
  tf.tidy(() => {
    dense[0].setWeights([tf.eye(2), tf.zeros([2])]);
    dense[1].setWeights([tf.mul(tf.eye(2), 2), tf.ones([2])]);
  });

  const logits = predict(model, [[1, 2, 0, 3, 4]]);

  assert.deepEqual(logits, [[(1 + 6 + 1) / 2, (2 + 8 + 1) / 2]]);
  model.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test('an image modality is reshaped for a cnn encoder, and `use` picks the variant; the encoders start the same in every variant', () => {
  const spec: MultimodalTaskModelSpecInput = {
    type: 'multimodal',
    modalities: {
      image: { slice: [0, 16], shape: [4, 4, 1], encoder: { type: 'cnn', conv: [{ filters: 2 }], dense: [3] } },
      record: { slice: [16, 19], encoder: { type: 'mlp', hidden: [2] } },
    },
    fusion: { hidden: [4] },
  };
  const fused = buildMultimodalTaskModel(spec, { inputShape: [19], numClasses: 2, seed: 5 });
  const imageOnly = buildMultimodalTaskModel(withModalities(spec, ['image']), { inputShape: [19], numClasses: 2, seed: 5 });
  const recordOnly = buildMultimodalTaskModel(withModalities(spec, ['record']), { inputShape: [19], numClasses: 2, seed: 5 });
  const weightsOf = (m: tfl.LayersModel, part: string): Map<string, number[]> =>
    new Map(m.weights.filter((w) => w.originalName.includes(`/${part}/`)).map((w) => [w.originalName, Array.from(w.read().dataSync())]));

  assert.deepEqual(weightsOf(imageOnly, 'image'), weightsOf(fused, 'image'));
  assert.deepEqual(weightsOf(recordOnly, 'record'), weightsOf(fused, 'record'));
  assert.equal(weightsOf(imageOnly, 'record').size, 0);
  assert.ok(fused.layers.some((l) => l.getClassName() === 'Conv2D'));
  assert.deepEqual(predict(imageOnly, [Array.from({ length: 19 }, (_, i) => i / 19)]).map((r) => r.length), [2]);
  [fused, imageOnly, recordOnly].forEach((m) => m.dispose());
});

test('a federated task with a multimodal model: built by buildTaskModel, the same layout every time, rebuilt from its JSON config with the same outputs', () => {
  const task = FederatedTaskSchema.parse(JSON.parse(JSON.stringify({ model: LINEAR, inputShape: [5], numClasses: 3 })));
  const first = buildTaskModel(task, 0);
  const second = buildTaskModel(task, 1);
  assert.deepEqual(taskLayout(second), taskLayout(first));

  // Only built-in layers: the configuration rebuilds with plain tfjs, no registration needed.
  const config = JSON.parse(JSON.stringify(first.getConfig())) as Parameters<typeof tfl.LayersModel.fromConfig>[1];
  const rebuilt = tfl.LayersModel.fromConfig(tfl.LayersModel, config) as tfl.LayersModel;
  rebuilt.setWeights(first.getWeights());
  const rows = [[0.5, -1, 9, 2, 3]];
  assert.deepEqual(predict(rebuilt, rows), predict(first, rows));
  [first, second, rebuilt].forEach((m) => m.dispose());
});

test('a saved multimodal model loads again with tf.loadLayersModel and predicts the same', async () => {
  const model = buildMultimodalTaskModel(
    { type: 'multimodal', modalities: { image: { slice: [0, 16], shape: [4, 4, 1], encoder: { type: 'cnn', conv: [{ filters: 2 }] } }, record: { slice: [16, 18], encoder: { type: 'mlp', hidden: [2] } } } },
    { inputShape: [18], numClasses: 2, seed: 1 },
  );
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  assert.ok(artifacts !== undefined);
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  const rows = [Array.from({ length: 18 }, (_, i) => Math.sin(i))];
  const a = predict(model, rows)[0];
  const b = predict(loaded, rows)[0];
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6));
  [model, loaded].forEach((m) => m.dispose());
});

test('bad specs are refused with the field and the fix', () => {
  const build = (spec: MultimodalTaskModelSpecInput, inputShape: number[] = [5]): tfl.LayersModel => buildMultimodalTaskModel(spec, { inputShape, numClasses: 2, seed: 0 });
  assert.throws(() => build(LINEAR, [5, 1]), (e: unknown) => e instanceof ShapeMismatchError && /flat samples/.test(e.message));
  assert.throws(() => build(LINEAR, [4]), (e: unknown) => e instanceof ShapeMismatchError && /'b' reads positions \[3, 5\) but the samples have 4 values/.test(e.message));
  assert.throws(
    () => build({ type: 'multimodal', modalities: { a: { slice: [0, 5], shape: [2, 2, 1], encoder: { type: 'mlp' } } } }),
    (e: unknown) => e instanceof ShapeMismatchError && /shape \[2, 2, 1\] \(4 values\) but its slice \[0, 5\) holds 5/.test(e.message),
  );
  assert.throws(
    () => build({ type: 'multimodal', modalities: { a: { slice: [0, 4], shape: [2, 2, 1], encoder: { type: 'cnn', conv: [{ filters: 1, poolSize: 4 }] } } } }, [4]),
    (e: unknown) => e instanceof ConfigError && e.path === 'model.modalities.a.encoder.conv[0]',
  );
  assert.throws(
    () => build({ type: 'multimodal', modalities: { a: { slice: [0, 4], encoder: { type: 'cnn' } } } }, [4]),
    (e: unknown) => e instanceof ShapeMismatchError && /cnn needs image inputs/.test(e.message),
  );
  const issues = (spec: unknown): string[] => {
    const r = MultimodalTaskModelSpecSchema.safeParse(spec);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  assert.match(issues({ ...LINEAR, use: ['a', 'c'] }).join(), /use\.1: 'c' is not one of the modalities \(a, b\)/);
  assert.match(issues({ ...LINEAR, use: ['a', 'a'] }).join(), /use: lists a modality twice/);
  assert.match(issues({ type: 'multimodal', modalities: { a: { slice: [3, 3], encoder: { type: 'mlp' } } } }).join(), /end must be greater than start/);
  assert.match(issues({ type: 'multimodal', modalities: {} }).join(), /name at least one modality/);
});
