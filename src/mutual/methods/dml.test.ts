import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' registers them all.
import '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import type { Batch } from '../../engine/batch.js';
import type { Member } from '../../engine/member.js';
import type { StepContext } from '../../engine/objective.js';
import { assertClose } from '../../engine/testing.js';
import { dml, DmlOptionsSchema, rampedWeight } from './dml.js';

before(async () => {
  await selectBackend('cpu');
});

/** log softmax of one row at temperature t. */
function logSoftmax(row: number[], t = 1): number[] {
  const z = row.map((v) => v / t);
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
}

/** Mean cross-entropy of logits rows against class labels. */
function ce(logits: number[][], labels: number[]): number {
  return logits.reduce((s, row, i) => s - logSoftmax(row)[labels[i]], 0) / logits.length;
}

/** Mean over rows of KL(softmax(teacher/T) || softmax(student/T)), times T². */
function kl(student: number[][], teacher: number[][], t: number): number {
  const sum = student.reduce((s, row, i) => {
    const lq = logSoftmax(row, t);
    const lp = logSoftmax(teacher[i], t);
    return s + lp.reduce((a, v, k) => a + Math.exp(v) * (v - lq[k]), 0);
  }, 0);
  return (sum / student.length) * t * t;
}

function fakeMembers(...names: string[]): Member[] {
  return names.map((name) => ({ name }) as unknown as Member);
}

function batchOf(labels: number[], classes: number): Batch {
  return {
    inputs: {},
    targets: { y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32') },
    labels: { y: Int32Array.from(labels) },
    size: labels.length,
  };
}

function step(members: Member[], logits: tf.Tensor[], batch: Batch, s: { step: number; stepsPerEpoch: number }): StepContext {
  return { members, outputs: logits.map((y) => ({ y })), batch, epoch: Math.floor(s.step / s.stepsPerEpoch), step: s.step, stepsPerEpoch: s.stepsPerEpoch };
}

function values(losses: Record<string, tf.Scalar>): Record<string, number> {
  return Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, v.dataSync()[0]]));
}

test('rampedWeight rises linearly per step over rampUpEpochs, then stays at klWeight', () => {
  const opts = DmlOptionsSchema.parse({ klWeight: 2, rampUpEpochs: 2 });

  const weights = Array.from({ length: 12 }, (_, s) => rampedWeight(opts, s, 5));

  assertClose(weights, [0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2, 2, 2], 1e-12, 'ramp over 10 steps');
});

test('rampedWeight without ramp-up is klWeight from the first step; fractional epochs ramp over fewer steps', () => {
  const flat = DmlOptionsSchema.parse({ klWeight: 0.7 });
  const half = DmlOptionsSchema.parse({ rampUpEpochs: 0.5 });

  assert.equal(rampedWeight(flat, 0, 100), 0.7);
  assert.equal(rampedWeight(flat, 999, 100), 0.7);
  assertClose([0, 1, 2, 3].map((s) => rampedWeight(half, s, 4)), [0.5, 1, 1, 1], 1e-12, 'half-epoch ramp');
});

test('DML losses of two members equal hand-computed cross-entropy and weighted, tempered KL to the peer', () => {
  const a = [[1, 2, 0.5], [0, -1, 2]];
  const b = [[0.3, 0.1, -0.2], [2, 1, 0]];
  const labels = [1, 2];
  const options = DmlOptionsSchema.parse({ temperature: 2, klWeight: 0.5, rampUpEpochs: 2 });
  const members = fakeMembers('a', 'b');
  const { objective, trained } = dml.setup(options, { members, aloneMembers: fakeMembers('a0', 'b0'), labelNoise: 0, head: 'y' });

  const got = tf.tidy(() => values(objective.losses(step(members, [tf.tensor2d(a), tf.tensor2d(b)], batchOf(labels, 3), { step: 3, stepsPerEpoch: 5 }))));

  const weight = 0.5 * (4 / 10);
  assert.deepEqual(Object.keys(got).sort(), ['ce/a', 'ce/b', 'kl/a', 'kl/b']);
  assertClose([got['ce/a'], got['ce/b']], [ce(a, labels), ce(b, labels)], 1e-5, 'cross-entropy');
  assertClose([got['kl/a'], got['kl/b']], [weight * kl(a, b, 2), weight * kl(b, a, 2)], 1e-5, 'KL terms');
  assert.ok(got['kl/a'] > 1e-3, 'the KL term must not vanish on different predictions');
  assert.deepEqual(trained, members);
});

test('DML with three members averages the KL over the two peers', () => {
  const logits = [[[1, 0]], [[0, 1]], [[2, 2.5]]];
  const members = fakeMembers('a', 'b', 'c');
  const { objective } = dml.setup(DmlOptionsSchema.parse({}), { members, aloneMembers: members, labelNoise: 0, head: 'y' });

  const got = tf.tidy(() => values(objective.losses(step(members, logits.map((l) => tf.tensor2d(l)), batchOf([0], 2), { step: 0, stepsPerEpoch: 1 }))));

  assertClose([got['kl/a']], [(kl(logits[0], logits[1], 1) + kl(logits[0], logits[2], 1)) / 2], 1e-5, 'kl/a');
  assertClose([got['kl/c']], [(kl(logits[2], logits[0], 1) + kl(logits[2], logits[1], 1)) / 2], 1e-5, 'kl/c');
});

test("DML's KL term treats the peer's prediction as a fixed target (no gradient into the peer)", () => {
  const members = fakeMembers('a', 'b');
  const { objective } = dml.setup(DmlOptionsSchema.parse({}), { members, aloneMembers: members, labelNoise: 0, head: 'y' });
  const va = tf.variable(tf.tensor2d([[1, 2, 0.5]]));
  const vb = tf.variable(tf.tensor2d([[0.3, 0.1, -0.2]]));
  const batch = batchOf([0], 3);

  const [ga, gb] = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => objective.losses(step(members, [va, vb], batch, { step: 0, stepsPerEpoch: 1 }))['kl/a'], [va, vb]);
    return [grads[va.name].dataSync(), grads[vb.name].dataSync()];
  });

  assert.ok(Math.max(...Array.from(ga, Math.abs)) > 1e-3, `gradient into the student: ${Array.from(ga)}`);
  assert.deepEqual(Array.from(gb), [0, 0, 0]);
  va.dispose();
  vb.dispose();
});

test('with a gradient combiner, each DML loss reaches only its own member: the peer prediction it reads is held fixed', async () => {
  const { buildModel } = await import('../../engine/model-spec.js');
  const { createMember, trainableVariables, disposeMembers } = await import('../../engine/member.js');
  const { createOptimizer } = await import('../../engine/optimizer.js');
  const { trainStep } = await import('../../engine/train-step.js');
  const members = ['a', 'b'].map((name, i) =>
    createMember({ name, model: buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [3], numClasses: 2, seed: i, name }), optimizer: createOptimizer({ name: 'sgd', learningRate: 0.1 }) }),
  );
  const { objective } = dml.setup(DmlOptionsSchema.parse({}), { members, aloneMembers: members, labelNoise: 0, head: 'y' });
  const seen: Record<string, string[]> = {};
  tf.tidy(() => {
    const batch = { ...batchOf([0, 1, 1], 2), inputs: { x: tf.tensor2d([0.1, 0.2, 0.3, -1, 0, 1, 2, 2, -2], [3, 3]) } };
    trainStep({
      members,
      objective,
      batch,
      epoch: 0,
      step: 0,
      stepsPerEpoch: 1,
      combineGradients: (perLoss) => {
        for (const [loss, g] of Object.entries(perLoss)) seen[loss] = Object.keys(g).sort();
        const out: Record<string, tf.Tensor> = {};
        for (const g of Object.values(perLoss)) for (const [v, t] of Object.entries(g)) out[v] = out[v] === undefined ? t : tf.add(out[v], t);
        return out;
      },
    });
  });
  const own = (m: Member): string[] => trainableVariables(m).map((v) => v.name).sort();
  assert.deepEqual(Object.keys(seen).sort(), ['ce/a', 'ce/b', 'kl/a', 'kl/b']);
  assert.deepEqual(seen['kl/a'], own(members[0]));
  assert.deepEqual(seen['kl/b'], own(members[1]));
  disposeMembers(members);
});
