import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../engine/testing.js';
import { serverMomentumStep } from './server-momentum.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);

test('serverMomentumStep: v ← βv + (x − a), x ← x − ηv', () => {
  const global = f32(1, 2);
  const average = f32(0.5, 2.5);
  const momentum = f32(0.2, 0);

  const out = serverMomentumStep({ global, average, momentum, serverLearningRate: 0.5, serverMomentum: 0.9 });

  // g = x − a = (0.5, −0.5); v = 0.9·(0.2, 0) + g = (0.68, −0.5);
  // x' = (1, 2) − 0.5·(0.68, −0.5) = (0.66, 2.25)
  assertClose(out.momentum, [0.68, -0.5], 1e-7, 'momentum');
  assertClose(out.params, [0.66, 2.25], 1e-7, 'params');
  assert.deepEqual(Array.from(momentum), [Math.fround(0.2), 0], 'momentum input not mutated');
});

test('with β = 0 and η = 1 the step is plain FedAvg (x ← a)', () => {
  const out = serverMomentumStep({ global: f32(1, 2), average: f32(3, -1), momentum: f32(5, 5), serverLearningRate: 1, serverMomentum: 0 });
  assertClose(out.params, [3, -1], 1e-7, 'params');
});
