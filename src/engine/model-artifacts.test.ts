import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { DataSchema } from '../data/schema.js';
import { DataMalformedError } from '../errors.js';
import { selectBackend } from './backend-registry.js';
import { readParams } from './flat-params.js';
import { modelFromArtifacts, modelToArtifacts, PROBABILITIES_BY_OUTPUT, probabilitiesEntry, savedModelFromArtifacts, type ModelArtifacts, type SavedRound } from './model-artifacts.js';
import { buildModel } from './model-spec.js';
import { errorLike } from './testing.js';

before(async () => {
  await selectBackend('cpu');
});

const SCHEMA: DataSchema = { inputShape: [4], featureNames: ['petal width', 'sepal', 'b', 'a'], numClasses: 3, classNames: ['virginica', 'setosa', 'versicolor'] };
const ROUND: SavedRound = { kind: 'best', round: 4, rounds: 10, accuracy: 0.875, loss: 0.31 };

function mlp(seed = 1): tfl.LayersModel {
  return buildModel({ type: 'mlp', hidden: [5] }, { inputShape: [4], numClasses: 3, seed, name: 'iris' });
}

/** The artifacts with the `jointly` entry's schema replaced (for malformed-entry tests). */
function withSchema(a: ModelArtifacts, schema: unknown): unknown {
  return { ...a.json, jointly: { ...a.json.jointly, schema } };
}

describe('model artifacts with a data schema', () => {
  test('the schema and round survive a round trip through JSON, class names in their order', async () => {
    const model = mlp();
    const artifacts = await modelToArtifacts(model, { schema: SCHEMA, round: ROUND });
    const json = JSON.parse(JSON.stringify(artifacts.json)) as unknown;
    const saved = await savedModelFromArtifacts(json, [artifacts.weights], 'iris-model');
    assert.deepEqual(saved.schema, SCHEMA);
    assert.deepEqual(saved.round, ROUND);
    assert.equal(saved.source, 'iris-model');
    // A bare model saved with a schema gets jointly's default names.
    assert.deepEqual(saved.named.inputs, ['x']);
    assert.deepEqual(saved.named.heads, ['y']);
    assert.deepEqual(readParams(saved.named.model), readParams(model));
    saved.named.model.dispose();
    model.dispose();
  });

  test('a model saved without a schema reads back without one, and without a jointly entry when bare', async () => {
    const model = mlp();
    const artifacts = await modelToArtifacts(model);
    assert.equal(artifacts.json.jointly, undefined);
    const saved = await savedModelFromArtifacts(artifacts.json, [artifacts.weights], 'plain');
    assert.equal(saved.schema, undefined);
    assert.equal(saved.round, undefined);
    saved.named.model.dispose();
    model.dispose();
  });

  test('modelFromArtifacts (the names-only API) still reads models with a schema', async () => {
    const model = mlp();
    const artifacts = await modelToArtifacts(model, { schema: SCHEMA });
    const named = await modelFromArtifacts(artifacts.json, [artifacts.weights], 'iris');
    assert.deepEqual(named.heads, ['y']);
    named.model.dispose();
    model.dispose();
  });

  test('tf.loadLayersModel reads a model.json with a jointly entry (as a browser would)', async () => {
    const model = mlp(3);
    const artifacts = await modelToArtifacts(model, { schema: SCHEMA, round: ROUND });
    const doc = JSON.parse(JSON.stringify(artifacts.json)) as ModelArtifacts['json'];
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: doc.modelTopology, weightSpecs: doc.weightsManifest[0].weights, weightData: artifacts.weights.slice().buffer }),
    );
    assert.deepEqual(readParams(loaded), readParams(model));
    loaded.dispose();
    model.dispose();
  });

  test('a schema that does not fit the model is refused when saving', async () => {
    const model = mlp();
    await assert.rejects(modelToArtifacts(model, { schema: { inputShape: [4], numClasses: 4 } }), errorLike(DataMalformedError, /4 classes/, /outputs 3 units/));
    await assert.rejects(modelToArtifacts(model, { schema: { inputShape: [5], numClasses: 3 } }), errorLike(DataMalformedError, /samples \[5\]/, /reads \[4\]/));
    // A schema that is not a schema at all.
    await assert.rejects(modelToArtifacts(model, { schema: { inputShape: [4], numClasses: 3, classNames: ['a', 'b'] } }), errorLike(DataMalformedError, /classNames: classNames must have numClasses names/));
    model.dispose();
  });

  test('a malformed schema in model.json is a DataMalformedError naming the field and the fix, and leaks no tensors', async () => {
    const model = mlp();
    const artifacts = await modelToArtifacts(model, { schema: SCHEMA });
    const tensors = tf.memory().numTensors;
    const cases: [unknown, RegExp][] = [
      [{ ...SCHEMA, classNames: ['a', 'a', 'b'] }, /class names must be distinct/],
      [{ ...SCHEMA, numClasses: 'three' }, /numClasses/],
      [{ ...SCHEMA, featureNames: ['only one'] }, /featureNames/],
      [{ ...SCHEMA, colour: 'blue' }, /colour/],
      ['iris', /expected object/],
    ];
    for (const [schema, pattern] of cases) {
      await assert.rejects(savedModelFromArtifacts(withSchema(artifacts, schema), [artifacts.weights], 'bad'), (err: unknown) => {
        errorLike(DataMalformedError, /^bad\/model\.json: the data schema of the model is malformed/, pattern)(err);
        assert.match((err as DataMalformedError).hint ?? '', /save the model again with jointly, or fix or remove "schema"/);
        return true;
      });
    }
    // Well-formed, but for another model: 5 classes against 3 output units.
    await assert.rejects(savedModelFromArtifacts(withSchema(artifacts, { inputShape: [4], numClasses: 5 }), [artifacts.weights], 'other'), errorLike(DataMalformedError, /does not describe the model/));
    assert.equal(tf.memory().numTensors, tensors, 'refused models are disposed');
    model.dispose();
  });

  test('a malformed round is refused', async () => {
    const model = mlp();
    const artifacts = await modelToArtifacts(model, { round: ROUND });
    const json = { ...artifacts.json, jointly: { ...artifacts.json.jointly, round: { ...ROUND, round: 0 } } };
    await assert.rejects(savedModelFromArtifacts(json, [artifacts.weights], 'r'), errorLike(DataMalformedError, /"round" of the "jointly" entry is malformed/, /round/));
    model.dispose();
  });
});

describe('model.json says what its output is, for users of plain tfjs', () => {
  test('a logits head records tf.softmax(output), and applying it to model.predict gives probabilities that sum to 1', async () => {
    // Arrange
    const model = mlp(3);
    // Act
    const artifacts = await modelToArtifacts(model, { schema: SCHEMA });
    const entry = (JSON.parse(JSON.stringify(artifacts.json)) as { jointly: { outputs: Record<string, string>; probabilities: Record<string, string>; schema: DataSchema } }).jointly;
    const probs = Array.from(tf.tidy(() => tf.softmax(model.predict(tf.tensor2d([[0.1, -2, 3, 0.5]])) as tf.Tensor).dataSync()));
    // Assert
    assert.deepEqual(entry.outputs, { y: 'logits' });
    assert.deepEqual(entry.probabilities, { y: PROBABILITIES_BY_OUTPUT.logits });
    assert.equal(entry.probabilities.y, 'tf.softmax(output)');
    assert.deepEqual(entry.schema.classNames, SCHEMA.classNames);
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    model.dispose();
  });

  test('softmax and sigmoid heads are read as they are; a regression head has no probabilities', () => {
    assert.deepEqual(probabilitiesEntry({ a: 'softmax', b: 'sigmoid', c: 'value', d: 'logits' }), {
      a: 'output',
      b: PROBABILITIES_BY_OUTPUT.sigmoid,
      d: 'tf.softmax(output)',
    });
  });

  test('a model.json written before `probabilities` existed still loads, with its output kinds', async () => {
    // Arrange: an entry as older versions wrote it (no probabilities).
    const model = mlp(4);
    const artifacts = await modelToArtifacts(model, { schema: SCHEMA });
    const { probabilities: _dropped, ...older } = artifacts.json.jointly ?? { inputs: [], heads: [], outputs: {} };
    // Act
    const saved = await savedModelFromArtifacts({ ...artifacts.json, jointly: older }, [artifacts.weights], 'older');
    // Assert
    assert.deepEqual(saved.named.outputs, { y: 'logits' });
    assert.deepEqual(saved.schema, SCHEMA);
    saved.named.model.dispose();
    model.dispose();
  });
});
