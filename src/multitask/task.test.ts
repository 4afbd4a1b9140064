import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers' bundle registers the gradients
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../engine/backend-registry.js';
import { fieldSource } from '../engine/batch.js';
import { makeFieldDataset } from '../data/fields.js';
import { ConfigError, DataMissingError } from '../errors.js';
import { batchHasLabels, resolveTasks, taskLoss } from './task.js';

before(async () => {
  await selectBackend('cpu');
});

/** Four samples: a 3-class task with two labels missing, a binary task, a 2-value regression task. */
function data(mask = Uint8Array.from([1, 0, 1, 0])) {
  return makeFieldDataset(
    {
      x: { kind: 'float', values: new Float32Array(8), shape: [2] },
      kind: { kind: 'classes', labels: Int32Array.from([0, 2, 1, 0]), numClasses: 3, mask },
      spam: { kind: 'binary', values: Float32Array.from([1, 0, 1, 1]) },
      age: { kind: 'regression', values: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), width: 2 },
    },
    'test',
  );
}

test('tasks default to every target with the loss and headline metric of its kind', () => {
  const tasks = resolveTasks(undefined, data());
  assert.deepEqual(
    tasks.map((t) => [t.name, t.kind, t.units, t.loss, t.metric, t.higherIsBetter]),
    [
      ['kind', 'classes', 3, 'crossEntropy', 'accuracy', true],
      ['spam', 'binary', 1, 'crossEntropy', 'accuracy', true],
      ['age', 'regression', 2, 'mse', 'rmse', false],
    ],
  );
});

test('a task that is not a target, a wrong loss, a repeated task or a task without labels is refused with the fix', () => {
  assert.throws(() => resolveTasks([{ name: 'colour' }], data()), (e: unknown) => e instanceof DataMissingError && /task 'colour': the data has no such field \(targets: kind, spam, age\)/.test(e.message));
  assert.throws(() => resolveTasks([{ name: 'x' }], data()), /'x' is an input field/);
  assert.throws(() => resolveTasks([{ name: 'age', loss: 'crossEntropy' }], data()), (e: unknown) => e instanceof ConfigError && /regression target but its loss is 'crossEntropy'/.test(e.message) && /mse/.test(e.hint ?? ''));
  assert.throws(() => resolveTasks([{ name: 'kind', loss: 'l1' }], data()), /classes target but its loss is 'l1'/);
  assert.throws(() => resolveTasks([{ name: 'spam' }, { name: 'spam' }], data()), /listed twice/);
  assert.throws(() => resolveTasks([{ name: 'kind' }], data(new Uint8Array(4))), /task 'kind' has no labelled sample in the training set/);
});

test('losses average over the labelled samples only, and a batch without labels gives 0 with a zero gradient', () => {
  const ds = data();
  const [kind, spam, age] = resolveTasks(undefined, ds);
  const source = fieldSource(ds);
  tf.tidy(() => {
    const batch = source.batch(Int32Array.from([0, 1, 2, 3]));
    const logits = tf.tensor2d([[2, 0, 0], [0, 0, 9], [0, 1, 0], [5, 5, 5]]);
    // labelled samples 0 and 2: -log softmax of their classes
    const ce = (row: number[], c: number): number => -(row[c] - Math.log(row.reduce((s, v) => s + Math.exp(v), 0)));
    assert.ok(Math.abs(taskLoss(kind, logits, batch).dataSync()[0] - (ce([2, 0, 0], 0) + ce([0, 1, 0], 1)) / 2) < 1e-5);
    const z = tf.tensor2d([[0], [1], [-1], [2]]);
    const bce = (x: number, y: number): number => -(y * Math.log(1 / (1 + Math.exp(-x))) + (1 - y) * Math.log(1 - 1 / (1 + Math.exp(-x))));
    const expected = (bce(0, 1) + bce(1, 0) + bce(-1, 1) + bce(2, 1)) / 4;
    assert.ok(Math.abs(taskLoss(spam, z, batch).dataSync()[0] - expected) < 1e-5);
    const pred = tf.tensor2d([[1, 2], [3, 5], [5, 6], [7, 8]]);
    // squared errors averaged over the two values, then the samples: only sample 1 is off (by 1 on one value)
    assert.ok(Math.abs(taskLoss(age, pred, batch).dataSync()[0] - 0.5 / 4) < 1e-6);
    assert.equal(batchHasLabels(kind, batch), true);
    const unlabelled = source.batch(Int32Array.from([1, 3]));
    assert.equal(batchHasLabels(kind, unlabelled), false);
    const w = tf.variable(tf.tensor2d([[1, 2, 3], [4, 5, 6]]));
    const { value, grads } = tf.variableGrads(() => taskLoss(kind, tf.matMul(tf.ones([2, 2]), w), unlabelled), [w]);
    assert.equal(value.dataSync()[0], 0);
    assert.ok(Array.from(grads[w.name].dataSync()).every((g) => g === 0 && !Number.isNaN(g)));
    w.dispose();
  });
});
