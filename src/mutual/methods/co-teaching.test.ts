import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend.js';
import type { Batch } from '../../engine/batch.js';
import type { Member } from '../../engine/member.js';
import { assertClose } from '../../engine/testing.js';
import { coTeaching, CoTeachingOptionsSchema, forgetRateAt, smallLossMask } from './co-teaching.js';

before(async () => {
  await selectBackend('cpu');
});

/** Cross-entropy of logits [z, 0] for label 0: softplus(-z). */
function loss(z: number): number {
  return Math.log1p(Math.exp(-z));
}

function fakeMembers(...names: string[]): Member[] {
  return names.map((name) => ({ name }) as unknown as Member);
}

/** Runs the co-teaching objective at `epoch` on a batch where every label is 0 and member i's logits are [z_i[s], 0]. */
function coTeachingLosses(z: number[][], options: unknown, labelNoise: number, epoch: number): Record<string, number> {
  const members = fakeMembers(...z.map((_, i) => String.fromCharCode(97 + i)));
  const { objective, trained } = coTeaching.setup(CoTeachingOptionsSchema.parse(options), { members, aloneMembers: members, labelNoise, head: 'y' });
  assert.deepEqual(trained, members);
  objective.onEpochStart?.(epoch);
  const n = z[0].length;
  return tf.tidy(() => {
    const batch: Batch = {
      inputs: {},
      targets: { y: tf.cast(tf.oneHot(tf.zeros([n], 'int32') as tf.Tensor1D, 2), 'float32') },
      labels: { y: new Int32Array(n) },
      size: n,
    };
    const outputs = z.map((row) => ({ y: tf.stack([tf.tensor1d(row), tf.zeros([n])], 1) }));
    const losses = objective.losses({ members, outputs, batch, epoch, step: 0, stepsPerEpoch: 1 });
    return Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, v.dataSync()[0]]));
  });
}

test('forgetRateAt rises from 0 at epoch 0 to tau at epoch gradualEpochs - 1, then stays', () => {
  const linear = CoTeachingOptionsSchema.parse({ gradualEpochs: 5 });
  const squared = CoTeachingOptionsSchema.parse({ gradualEpochs: 5, exponent: 2 });

  const lin = [0, 1, 2, 3, 4, 5, 20].map((e) => forgetRateAt(0.4, linear, e));
  const sq = [0, 1, 2, 3, 4, 9].map((e) => forgetRateAt(0.4, squared, e));

  assertClose(lin, [0, 0.1, 0.2, 0.3, 0.4, 0.4, 0.4], 1e-12, 'linear schedule');
  assertClose(sq, [0, 0.025, 0.1, 0.225, 0.4, 0.4], 1e-12, 'exponent 2');
  assert.equal(forgetRateAt(0.3, CoTeachingOptionsSchema.parse({ gradualEpochs: 1 }), 0), 0.3);
});

test('smallLossMask keeps exactly `keep` samples, the smallest losses, ties broken by index', () => {
  const losses = Float32Array.from([0.5, 0.1, 0.9, 0.1, 0.3]);

  const masks = [0, 1, 2, 3, 4, 5].map((k) => Array.from(smallLossMask(losses, k)));

  assert.deepEqual(masks[3], [0, 1, 0, 1, 1]);
  assert.deepEqual(masks[1], [0, 1, 0, 0, 0]);
  assert.deepEqual(masks[0], [0, 0, 0, 0, 0]);
  assert.deepEqual(masks[5], [1, 1, 1, 1, 1]);
  masks.forEach((m, k) => assert.equal(m.reduce((a, b) => a + b, 0), k, `keep ${k}`));
  assert.deepEqual(Array.from(smallLossMask(Float32Array.from([0.2, 0.2, 0.2, 0.2]), 2)), [1, 1, 0, 0]);
});

test("each co-teaching member's loss is its own cross-entropy on the samples its peer selected", () => {
  // a has small losses on samples 0 and 1, b on 2 and 3; forget rate 0.5 keeps 2 of 4.
  const a = [5, 4, -1, -2];
  const b = [-3, -2, 3, 6];

  const got = coTeachingLosses([a, b], { forgetRate: 0.5, gradualEpochs: 1 }, 0, 0);

  assertClose([got['ce/a']], [(loss(a[2]) + loss(a[3])) / 2], 1e-5, 'a learns from b’s selection');
  assertClose([got['ce/b']], [(loss(b[0]) + loss(b[1])) / 2], 1e-5, 'b learns from a’s selection');
  assert.deepEqual(Object.keys(got).sort(), ['ce/a', 'ce/b']);
});

test('with three co-teaching members the selection passes around a ring: member i learns from member i+1', () => {
  const a = [5, 4, -1, -2];
  const b = [-3, -2, 3, 6];
  const c = [7, -5, -4, 8];

  const got = coTeachingLosses([a, b, c], { forgetRate: 0.5, gradualEpochs: 1 }, 0, 0);

  assertClose([got['ce/a'], got['ce/b'], got['ce/c']], [(loss(a[2]) + loss(a[3])) / 2, (loss(b[0]) + loss(b[3])) / 2, (loss(c[0]) + loss(c[1])) / 2], 1e-5, 'ring');
});

test('co-teaching follows its schedule and defaults the forget rate to the label-noise rate, else 0.2', () => {
  const a = [5, 4, -1, -2];
  const b = [-3, -2, 3, 6];

  const start = coTeachingLosses([a, b], { forgetRate: 0.5, gradualEpochs: 3 }, 0, 0);
  const full = coTeachingLosses([a, b], { forgetRate: 0.5, gradualEpochs: 3 }, 0, 2);
  const fromNoise = coTeachingLosses([a, b], { gradualEpochs: 1 }, 0.5, 0);
  const fallback = coTeachingLosses([a, b], { gradualEpochs: 1 }, 0, 0);

  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  assertClose([start['ce/a']], [mean(a.map(loss))], 1e-5, 'epoch 0 keeps every sample');
  assertClose([full['ce/a']], [(loss(a[2]) + loss(a[3])) / 2], 1e-5, 'epoch 2 drops half');
  assertClose([fromNoise['ce/a']], [(loss(a[2]) + loss(a[3])) / 2], 1e-5, 'tau = label noise 0.5 keeps 2');
  // tau 0.2 keeps round(0.8 * 4) = 3: b's three smallest are samples 1, 2, 3.
  assertClose([fallback['ce/a']], [(loss(a[1]) + loss(a[2]) + loss(a[3])) / 3], 1e-5, 'tau 0.2 keeps 3');
});
