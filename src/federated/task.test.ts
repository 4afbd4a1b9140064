import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../engine/backend-registry.js';
import { ConfigError, ShapeMismatchError } from '../errors.js';
import { buildTaskModel, FederatedTaskSchema, layersTaskModel, taskLayout, taskSchema } from './task.js';

before(async () => {
  await selectBackend('cpu');
});

test('any tfjs layers model travels as its layer configuration and is rebuilt with the same layout, any number of times', () => {
  const input = tfl.input({ shape: [6] });
  const hidden = tfl.layers.dense({ units: 5, activation: 'relu' }).apply(input) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ units: 3 }).apply(hidden) as tfl.SymbolicTensor;
  const user = tfl.model({ inputs: input, outputs: output });
  const task = FederatedTaskSchema.parse(JSON.parse(JSON.stringify({ model: layersTaskModel(user), inputShape: [6], numClasses: 3, classNames: ['a', 'b', 'c'] })));

  const first = buildTaskModel(task, 0);
  const second = buildTaskModel(task, 1);

  assert.deepEqual(taskLayout(first).map((t) => t.shape), taskLayout(user).map((t) => t.shape));
  assert.deepEqual(taskLayout(second), taskLayout(first));
  assert.deepEqual(taskSchema(task), { inputShape: [6], numClasses: 3, classNames: ['a', 'b', 'c'] });
  [user, first, second].forEach((m) => m.dispose());
});

test('a layers model that does not read the samples or write the classes is refused with the shapes', () => {
  const user = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 2 })] });
  const task = FederatedTaskSchema.parse({ model: layersTaskModel(user), inputShape: [4], numClasses: 3 });
  assert.throws(() => buildTaskModel(task, 0), (e: unknown) => e instanceof ShapeMismatchError && /outputs shape \[2\], the data has 3 classes/.test(e.message));
  const broken = FederatedTaskSchema.parse({ model: { type: 'layers', className: 'Sequential', config: { layers: [{ className: 'NoSuchLayer', config: {} }] } }, inputShape: [4], numClasses: 3 });
  assert.throws(() => buildTaskModel(broken, 0), (e: unknown) => e instanceof ConfigError && /cannot be rebuilt/.test(e.message));
  user.dispose();
});

test('class names must match the class count', () => {
  assert.equal(FederatedTaskSchema.safeParse({ model: { type: 'mlp', hidden: [4] }, inputShape: [4], numClasses: 3, classNames: ['a', 'b'] }).success, false);
});
