/**
 * The fused Adam and momentum updates on native against tfjs's own optimizers on cpu: same
 * variables after several steps (tolerance 1e-5, scaled), the same state slots as on cpu, no
 * leaked tensors.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { NATIVE_SKIP } from './testing.js';
import { assertClose, randomValues } from '../testing.js';
import { AdamOptimizer } from '../optimizers/adam.js';
import { MomentumOptimizer } from '../optimizers/momentum.js';

const SHAPES = [[7, 5], [5], [3, 3, 2, 4]];

/** Runs `steps` updates with seeded gradients; returns the final variable values and the optimizer's weight count. */
async function run(backend: string, make: () => tf.Optimizer, steps: number): Promise<{ values: Float32Array[]; weights: string[]; leaked: number }> {
  await tf.setBackend(backend);
  const vars = SHAPES.map((s, i) => tf.variable(tf.tensor(randomValues(s.reduce((a, b) => a * b, 1), i), s)));
  const optimizer = make();
  let steady = -1;
  let leaked = 0;
  for (let step = 0; step < steps; step++) {
    tf.tidy(() => {
      const grads: tf.NamedTensorMap = {};
      vars.forEach((v, i) => {
        grads[v.name] = tf.tensor(randomValues(v.size, 100 * step + i), v.shape);
      });
      optimizer.applyGradients(grads);
    });
    // The first step creates the optimizer's state; after it, the tensor count must not change.
    if (step === 0) steady = tf.memory().numTensors;
    else leaked = Math.max(leaked, tf.memory().numTensors - steady);
  }
  const values = vars.map((v) => Float32Array.from(v.dataSync()));
  // Slot names with the variables' per-process numbering removed, so that runs compare.
  const weights = (await optimizer.getWeights()).map((w) => w.name.replace(/^.*\//, ''));
  optimizer.dispose();
  tf.dispose(vars);
  return { values, weights, leaked };
}

describe('fused optimizer updates (native)', { skip: NATIVE_SKIP }, () => {
  const cases: { name: string; make: () => tf.Optimizer; reference: () => tf.Optimizer }[] = [
    { name: 'Adam', make: () => new AdamOptimizer(0.01, 0.9, 0.999, 1e-8), reference: () => tf.train.adam(0.01, 0.9, 0.999, 1e-8) },
    { name: 'momentum', make: () => new MomentumOptimizer(0.05, 0.9), reference: () => tf.train.momentum(0.05, 0.9) },
    { name: 'Nesterov momentum', make: () => new MomentumOptimizer(0.05, 0.9, true), reference: () => tf.train.momentum(0.05, 0.9, true) },
  ];
  for (const c of cases) {
    test(`${c.name}: 6 steps on native match tfjs's optimizer on cpu, with the same state and no growth in tensors`, async () => {
      const expected = await run('cpu', c.reference, 6);
      const actual = await run('native', c.make, 6);
      const onCpu = await run('cpu', c.make, 6);
      expected.values.forEach((v, i) => assertClose(actual.values[i], v, 1e-5, `${c.name} variable ${i}`));
      assert.deepEqual(actual.weights, onCpu.weights);
      assert.equal(actual.leaked, 0);
    });
  }
});
