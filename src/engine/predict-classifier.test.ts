/**
 * The browser-safe side of prediction: the pure probability arithmetic (softmax of logits, a
 * model's own softmax or sigmoid output as it is, arg-max and top-k) and `predictionsFor` on rows
 * in memory with a model whose weights are set by hand.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../errors.js';
import { selectBackend } from './backend-registry.js';
import { nameModel } from './member.js';
import { argMax, classProbabilities, predictionsFor, topClasses } from './predict-classifier.js';
import { errorLike } from './testing.js';

before(async () => {
  await selectBackend('cpu');
});

describe('the probability arithmetic (pure)', () => {
  test('softmax of logits: each row sums to 1 and equals tf.softmax', () => {
    const logits = Float32Array.from([1, 2, 3, 100, 100, -100]);

    const probs = classProbabilities(logits, 3, 'logits');

    const reference = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [2, 3])).dataSync());
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(probs[i] - reference[i]) < 1e-6, `probability ${i}: ${probs[i]} vs ${reference[i]}`);
    assert.ok(Math.abs(probs[0] + probs[1] + probs[2] - 1) < 1e-6);
    assert.ok(Math.abs(probs[3] - 0.5) < 1e-6, 'large logits do not overflow');
  });

  test('a softmax or sigmoid head is read as it is; a regression head is refused', () => {
    const out = Float32Array.from([0.2, 0.9, 0.4, 0.7]);

    assert.deepEqual(Array.from(classProbabilities(out, 2, 'softmax')), Array.from(out));
    assert.deepEqual(Array.from(classProbabilities(out, 2, 'sigmoid')), Array.from(out));
    assert.throws(() => classProbabilities(out, 2, 'value'), errorLike(ShapeMismatchError, /regression value/));
    assert.throws(() => classProbabilities(out, 3, 'logits'), errorLike(ShapeMismatchError, /4 outputs cannot be rows of 3 classes/));
  });

  test('arg-max and top-k go by probability, ties to the lowest index', () => {
    assert.equal(argMax([0.1, 0.5, 0.5, 0.2]), 1);
    assert.equal(argMax([9, 0.1, 0.7, 0.2], 1, 3), 1);
    assert.deepEqual(topClasses([0.1, 0.5, 0.2, 0.2], 3).map((t) => t.index), [1, 2, 3]);
    assert.deepEqual(topClasses([0.1, 0.9], 5).map((t) => t.index), [1, 0]);
  });
});

describe('predictionsFor (rows in memory)', () => {
  test('a sigmoid head: per-class probabilities as the model outputs them, the arg-max predicted, the lines and labels kept', () => {
    // Arrange: sigmoid(2·x) per unit.
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [2], activation: 'sigmoid', useBias: false })] });
    model.setWeights([tf.mul(tf.eye(2), 2)]);
    const saved = { named: nameModel({ name: 'm', model }), source: 'memory', schema: { inputShape: [2], numClasses: 2, classNames: ['no', 'yes'] } };
    const input = { features: Float32Array.from([1, -1, 0, 3]), sampleShape: [2], lines: [4, 9], labels: Int32Array.from([0, 1]), description: '2 rows' };
    // Act
    const r = predictionsFor(saved, input);
    // Assert
    const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
    assert.equal(r.output, 'sigmoid');
    assert.equal(r.probabilities, 'model-sigmoid');
    assert.deepEqual(r.rows.map((row) => [row.line, row.predicted, row.label]), [[4, 0, 0], [9, 1, 1]]);
    [[2, -2], [0, 6]].forEach((logits, i) => logits.forEach((l, k) => assert.ok(Math.abs(r.rows[i].probabilities[k] - sigmoid(l)) < 1e-6, `row ${i}, unit ${k}`)));
    assert.deepEqual(r.classNames, ['no', 'yes']);
    assert.equal(r.labeled, true);
    model.dispose();
  });

  test('rows of another width than the model reads are refused', () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [2] })] });
    const saved = { named: nameModel({ name: 'm', model }), source: 'memory' };

    assert.throws(() => predictionsFor(saved, { features: new Float32Array(6), sampleShape: [3], lines: [1, 2], description: '2 rows' }), errorLike(ShapeMismatchError, /samples \[3\]; the model in memory reads \[2\]/));
    model.dispose();
  });
});
