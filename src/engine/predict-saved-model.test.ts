/**
 * `predictSavedModel` on CSV files, with a model whose weights are set by hand (so every prediction is known): class
 * names, probabilities that sum to 1 and match the model, a file with and without the label
 * column, columns in another order matched by header name, a softmax head, and the refusals.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { DataSchema } from '../data/schema.js';
import { ShapeMismatchError } from '../errors.js';
import { selectBackend } from './backend.js';
import { saveModel } from './model-io.js';
import { argMax } from './predict-classifier.js';
import { predictSavedModel } from './predict-saved-model.js';
import { errorLike, tempDirFactory } from './testing.js';

const tempDir = tempDirFactory('jointly-predict-');
const FEATURES = ['a', 'b', 'c'];
const CLASSES = ['red', 'green', 'blue'];
const SCHEMA: DataSchema = { inputShape: [3], featureNames: FEATURES, numClasses: 3, classNames: CLASSES };
/** Rows of the test files: each is highest on the feature of its class (a→red, b→green, c→blue). */
const ROWS = [
  [2, 0, 0],
  [0, 3, 0.5],
  [0.2, 0.1, 1.5],
  [1, 0.9, 0],
];
const EXPECTED = [0, 1, 2, 0];

before(async () => {
  await selectBackend('cpu');
});

/** A one-layer classifier whose logits are 2·x + bias: class k wins when feature k is largest. */
function linearModel(activation: 'linear' | 'softmax'): tfl.LayersModel {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [3], activation, name: `dense_${activation}` })] });
  model.setWeights([tf.mul(tf.eye(3), 2), tf.tensor1d([0.1, 0, -0.1])]);
  return model;
}

/** Softmax of 2·x + bias, by hand. */
function expectedProbabilities(x: readonly number[]): number[] {
  const logits = x.map((v, k) => 2 * v + [0.1, 0, -0.1][k]);
  const max = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** A CSV of ROWS with the columns in `order` (names of FEATURES, or 'color' for the label). */
function writeCsv(path: string, order: string[]): void {
  const lines = [order.join(',')];
  ROWS.forEach((row, i) => lines.push(order.map((col) => (col === 'color' ? CLASSES[EXPECTED[i]] : String(row[FEATURES.indexOf(col)]))).join(',')));
  writeFileSync(path, `${lines.join('\n')}\n`);
}

async function savedLinear(activation: 'linear' | 'softmax'): Promise<string> {
  const dir = join(tempDir(), 'model');
  const model = linearModel(activation);
  await saveModel(model, dir, { schema: SCHEMA });
  model.dispose();
  return dir;
}

describe('predictSavedModel on CSV files', () => {
  test('a file without the label column: every row predicted with class names and probabilities that sum to 1', async () => {
    // Arrange
    const dir = await savedLinear('linear');
    const csv = join(tempDir(), 'new.csv');
    writeCsv(csv, FEATURES);
    // Act
    const r = await predictSavedModel(dir, csv);
    // Assert
    assert.equal(r.labeled, false);
    assert.deepEqual(r.classNames, CLASSES);
    assert.equal(r.output, 'logits');
    assert.equal(r.probabilities, 'softmax-of-logits');
    assert.deepEqual(r.rows.map((row) => row.line), [2, 3, 4, 5]);
    assert.deepEqual(r.rows.map((row) => row.predicted), EXPECTED);
    r.rows.forEach((row, i) => {
      assert.equal(row.label, undefined);
      assert.equal(row.predicted, argMax(row.probabilities));
      assert.ok(Math.abs(row.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5, `row ${i} sums to 1`);
      expectedProbabilities(ROWS[i]).forEach((p, k) => assert.ok(Math.abs(row.probabilities[k] - p) < 1e-5, `row ${i}, class ${k}: ${row.probabilities[k]} vs ${p}`));
    });
  });

  test('a file with the label column and its columns in another order: matched by header name, labels in the model\'s class order', async () => {
    const dir = await savedLinear('linear');
    const inOrder = join(tempDir(), 'in-order.csv');
    const shuffled = join(tempDir(), 'shuffled.csv');
    writeCsv(inOrder, FEATURES);
    writeCsv(shuffled, ['c', 'color', 'a', 'b']);

    const plain = await predictSavedModel(dir, inOrder);
    const r = await predictSavedModel(dir, shuffled, { labelColumn: 'color' });

    assert.equal(r.labeled, true);
    assert.deepEqual(r.rows.map((row) => row.label), EXPECTED);
    assert.deepEqual(r.rows.map((row) => row.predicted), EXPECTED);
    r.rows.forEach((row, i) => {
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(row.probabilities[k] - plain.rows[i].probabilities[k]) < 1e-6, `row ${i}, class ${k}`);
    });
  });

  test('a softmax head: the probabilities are the model\'s own output', async () => {
    const dir = await savedLinear('softmax');
    const csv = join(tempDir(), 'new.csv');
    writeCsv(csv, FEATURES);
    const model = linearModel('softmax');
    const own = tf.tidy(() => (model.predict(tf.tensor2d(ROWS)) as tf.Tensor).dataSync());
    model.dispose();

    const r = await predictSavedModel(dir, csv);

    assert.equal(r.output, 'softmax');
    assert.equal(r.probabilities, 'model-softmax');
    r.rows.forEach((row, i) => {
      for (let k = 0; k < 3; k++) assert.ok(Math.abs(row.probabilities[k] - own[i * 3 + k]) < 1e-6, `row ${i}, class ${k}`);
    });
    assert.deepEqual(r.rows.map((row) => row.predicted), EXPECTED);
  });

  test('a file that lacks a feature column is refused with the column named', async () => {
    const dir = await savedLinear('linear');
    const csv = join(tempDir(), 'narrow.csv');
    writeFileSync(csv, 'a,b\n1,2\n3,4\n');

    await assert.rejects(predictSavedModel(dir, csv), errorLike(ShapeMismatchError, /'c'/));
  });

  test('a regression model has no classes to predict', async () => {
    const dir = join(tempDir(), 'regression');
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [3] })] });
    await saveModel({ name: 'r', model, inputs: ['x'], heads: ['y'], outputs: { y: 'value' } }, dir);
    model.dispose();
    const csv = join(tempDir(), 'new.csv');
    writeCsv(csv, FEATURES);

    await assert.rejects(predictSavedModel(dir, csv), errorLike(ShapeMismatchError, /regression head/));
  });
});
