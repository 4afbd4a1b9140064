import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../engine/backend.js';
import type { Batch } from '../../engine/batch.js';
import { createMember, forward, type Member } from '../../engine/member.js';
import { buildModel } from '../../engine/model-spec.js';
import { createOptimizer } from '../../engine/optimizer.js';
import { assertClose, randomValues } from '../../engine/testing.js';
import { trainStep } from '../../engine/train-step.js';
import { distillation, DistillationOptionsSchema } from './distillation.js';

const made: Member[] = [];

before(async () => {
  await selectBackend('cpu');
});
after(() => {
  for (const m of made) {
    m.model.dispose();
    m.optimizer.dispose();
  }
});

function member(name: string, seed: number): Member {
  const m = createMember({
    name,
    model: buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [3], numClasses: 3, seed, name: `${name}-${seed}` }),
    optimizer: createOptimizer({ name: 'sgd', learningRate: 0.5 }),
  });
  made.push(m);
  return m;
}

function makeBatch(): Batch {
  const labels = [0, 2, 1, 2];
  return {
    inputs: { x: tf.tensor2d(randomValues(12, 3), [4, 3]) },
    targets: { y: tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 'float32') },
    labels: { y: Int32Array.from(labels) },
    size: 4,
  };
}

function rows(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

function logSoftmax(row: number[], t = 1): number[] {
  const z = row.map((v) => v / t);
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
}

function weights(m: Member): number[] {
  return m.model.getWeights().flatMap((w) => Array.from(w.dataSync()));
}

test('distillation trains only the students and keeps the alone-trained first model as the fixed teacher', () => {
  const teacher = member('t', 1);
  const members = [member('t', 2), member('s1', 3), member('s2', 4)];

  const setup = distillation.setup(DistillationOptionsSchema.parse({}), { members, aloneMembers: [teacher, member('s1', 5), member('s2', 6)], labelNoise: 0, head: 'y' });

  assert.deepEqual(setup.trained, members.slice(1));
  assert.equal(setup.fixed?.length, 1);
  assert.equal(setup.fixed?.[0].member, teacher);
  assert.equal(setup.fixed?.[0].role, 'teacher');
});

test("distillation losses are (1 - α)·CE on the labels and α·T²·KL to the alone teacher's softened predictions", () => {
  const teacher = member('t', 11);
  const members = [member('t', 12), member('s', 13)];
  const { objective, trained } = distillation.setup(DistillationOptionsSchema.parse({ temperature: 3, alpha: 0.7 }), { members, aloneMembers: [teacher, member('s', 14)], labelNoise: 0, head: 'y' });

  const { got, student, target, other } = tf.tidy(() => {
    const batch = makeBatch();
    const outputs = trained.map((m) => forward(m, batch, true));
    const losses = objective.losses({ members: trained, outputs, batch, epoch: 0, step: 0, stepsPerEpoch: 1 });
    return {
      got: Object.fromEntries(Object.entries(losses).map(([k, v]) => [k, v.dataSync()[0]])),
      student: rows(outputs[0].y),
      target: rows(forward(teacher, batch, false).y),
      other: rows(forward(members[0], batch, false).y),
    };
  });

  const labels = [0, 2, 1, 2];
  const ce = student.reduce((s, r, i) => s - logSoftmax(r)[labels[i]], 0) / 4;
  const kd = (teacherRows: number[][]): number =>
    (student.reduce((s, r, i) => {
      const lq = logSoftmax(r, 3);
      const lp = logSoftmax(teacherRows[i], 3);
      return s + lp.reduce((a, v, k) => a + Math.exp(v) * (v - lq[k]), 0);
    }, 0) / 4) * 9;
  assert.deepEqual(Object.keys(got).sort(), ['ce/s', 'kd/s']);
  assertClose([got['ce/s']], [0.3 * ce], 1e-5, 'label term');
  assertClose([got['kd/s']], [0.7 * kd(target)], 1e-5, 'distillation term');
  assert.ok(Math.abs(kd(other) - kd(target)) > 1e-4, 'the untrained first joint model must give a different term than the teacher');
});

test('a distillation step updates the students and leaves the teacher and the joint first model unchanged', () => {
  const teacher = member('t', 21);
  const members = [member('t', 22), member('s', 23)];
  const setup = distillation.setup(DistillationOptionsSchema.parse({}), { members, aloneMembers: [teacher, member('s', 24)], labelNoise: 0, head: 'y' });
  const before = { teacher: weights(teacher), first: weights(members[0]), student: weights(members[1]) };

  tf.tidy(() => {
    trainStep({ members: setup.trained, objective: setup.objective, batch: makeBatch(), epoch: 0, step: 0, stepsPerEpoch: 1 });
  });

  assert.deepEqual(weights(teacher), before.teacher);
  assert.deepEqual(weights(members[0]), before.first);
  const moved = weights(members[1]).reduce((m, w, i) => Math.max(m, Math.abs(w - before.student[i])), 0);
  assert.ok(moved > 1e-4, `student weights moved by ${moved}`);
});
