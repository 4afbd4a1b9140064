import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../engine/testing.js';
import { jacobianOf } from '../jacobian/jacobian.js';
import { gradnorm, GradnormOptionsSchema, gradnormUpdate } from './gradnorm.js';
import type { GradientMethod } from '../weighting.js';

const at = { epoch: 0, step: 0, stepsPerEpoch: 1, epochs: 1 };
const defaults = GradnormOptionsSchema.parse({});
const make = (tasks: number, options: object = {}): GradientMethod =>
  gradnorm.create(GradnormOptionsSchema.parse(options), { tasks: Array.from({ length: tasks }, (_, i) => `t${i}`), seed: 1 }) as GradientMethod;

test('first step, worked out by hand: equal rates, norms 1 and 3 pull the weights apart then Σw = 2', () => {
  const method = make(2);
  const j = jacobianOf([Float32Array.of(1, 0), Float32Array.of(0, 3)]);

  const out = method.aggregate(j, { losses: [2, 5], labelled: [true, true], at });

  // The step uses w = (1, 1). L̃ = (1, 1), r = (1, 1), Ḡ = 2: signs (−, +), gradients (−1, 3);
  // w = (1.025, 0.925), then times 2/1.95.
  assertClose(out.direction, [1, 3], 1e-7, 'direction');
  assert.deepEqual(out.taskScales, [1, 1]);
  assertClose(method.weights(), [1.025 * (2 / 1.95), 0.925 * (2 / 1.95)], 1e-12, 'weights after the step');
});

test('a task that trains slower (higher loss ratio) gets a larger target', () => {
  // L̃ = (0.5, 1): r = (2/3, 4/3); with equal weighted norms, Ḡ = 1 and targets 0.544 and 1.540.
  const next = gradnormUpdate([1, 1], [1, 1], [0.5, 1], [0, 1], { alpha: 1.5, learningRate: 0.1 });

  // Task 0 is above its target (sign +) and task 1 below (sign −): w = (0.9, 1.1), sum kept at 2.
  assertClose(next, [0.9, 1.1], 1e-12, 'weights');
  const stay = gradnormUpdate([1, 1], [1, 1], [0.5, 1], [0, 1], { alpha: 0, learningRate: 0.1 });
  assertClose(stay, [1, 1], 1e-12, 'α = 0: equal norms are on target');
});

test('the learned weights scale the direction and the task heads on the next step', () => {
  const method = make(2);
  const j = jacobianOf([Float32Array.of(1, 0), Float32Array.of(0, 3)]);
  method.aggregate(j, { losses: [2, 5], labelled: [true, true], at });
  const w = method.weights();

  const out = method.aggregate(j, { losses: [2, 5], labelled: [true, true], at });

  assertClose(out.direction, [w[0], 3 * w[1]], 1e-6, 'direction');
  assertClose(out.taskScales ?? [], w, 1e-12, 'taskScales');
});

// A single task's direction, no labelled task and all-zero rows: contract.test.ts.
test('an unlabelled task keeps its weight and its place in Σw', () => {
  const method = make(3);
  const zero = new Float32Array(2);
  const j = jacobianOf([Float32Array.of(1, 0), zero, Float32Array.of(0, 3)]);

  const out = method.aggregate(j, { losses: [2, 0, 5], labelled: [true, false, true], at });

  const w = method.weights();
  assert.equal(w[1], 1);
  assertClose([w[0] + w[2]], [2], 1e-12, 'the labelled tasks keep their sum');
  assert.ok(w[0] > 1 && w[2] < 1);
  assert.equal(out.weights?.[1], 0);
});

test('a single task keeps weight 1; weights start at 1', () => {
  const method = make(1);

  method.aggregate(jacobianOf([Float32Array.of(0.5, -2)]), { losses: [1.3], labelled: [true], at });

  assert.deepEqual(method.weights(), [1]);
  assert.ok(make(2).weights().every((v) => v === 1));
});

test('weights stay positive under large steps, and options default to α 1.5, step 0.025', () => {
  const next = gradnormUpdate([1, 1], [100, 1], [1, 1], [0, 1], { alpha: 1.5, learningRate: 1 });

  assert.ok(next.every((v) => v > 0), `weights ${next}`);
  assertClose([next[0] + next[1]], [2], 1e-12, 'Σw');
  assert.deepEqual(defaults, { alpha: 1.5, learningRate: 0.025 });
  assert.equal(GradnormOptionsSchema.safeParse({ learningRate: 0 }).success, false);
  assert.equal(GradnormOptionsSchema.safeParse({ lr: 0.1 }).success, false);
});
