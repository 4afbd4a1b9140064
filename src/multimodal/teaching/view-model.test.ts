import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend-registry.js';
import { disposeMembers } from '../../engine/member.js';
import { ConfigError, DataMissingError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import type { FieldDataset } from '../../data/fields.js';
import { checkViews, viewFields, viewMember, type TeachingView } from './view-model.js';

before(async () => {
  await selectBackend('cpu');
});

const view = (name: string): TeachingView => ({ name, info: { kind: 'image', fields: [name], shapes: { [name]: [4, 4, 1] } }, encoder: { type: 'mlp', options: { hidden: [3] } } });
const split = (n: number): FieldDataset => ({
  length: n,
  fields: {
    a: { kind: 'float', values: new Float32Array(n * 16), shape: [4, 4, 1] },
    b: { kind: 'float', values: new Float32Array(n * 16), shape: [4, 4, 1] },
    label: { kind: 'classes', labels: new Int32Array(n), numClasses: 3 },
  },
});

test('viewMember: the view\'s encoder and a label head, reading the view\'s fields; the same seed gives the same weights', () => {
  const start = tf.memory().numTensors;
  const opts = { units: 3, seed: 7, init: 'glorot', optimizer: { name: 'adam' } } as const;
  const [m1, m2, other] = [viewMember(view('a'), opts), viewMember(view('a'), opts), viewMember(view('b'), opts)];
  try {
    assert.deepEqual(m1.inputs, ['a']);
    assert.deepEqual(m1.heads, ['label']);
    assert.deepEqual(m1.model.outputs[0].shape, [null, 3]);
    const weights = (m: typeof m1): number[][] => m.model.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(weights(m1), weights(m2));
    // another modality draws its encoder from another seed
    assert.notDeepEqual(weights(m1)[0], weights(other)[0]);
  } finally {
    disposeMembers([m1, m2, other]);
  }
  assert.equal(tf.memory().numTensors, start);
});

test('checkViews: two distinct views whose fields both splits hold', () => {
  assert.equal(checkViews([view('a'), view('b')], split(4), split(2), 'x'), 3);
  assert.throws(() => checkViews([view('a')], split(4), split(2), 'co-training'), errorLike(ConfigError, /at least two views/));
  assert.throws(() => checkViews([view('a'), view('a')], split(4), split(2), 'x'), errorLike(ConfigError, /twice/));
  assert.throws(() => checkViews([view('a'), view('c')], split(4), split(2), 'x'), errorLike(DataMissingError, /view 'c' reads field\(s\) c/));
  const fields = viewFields(split(4), [view('a')], false);
  assert.deepEqual(Object.keys(fields.fields), ['a']);
});
