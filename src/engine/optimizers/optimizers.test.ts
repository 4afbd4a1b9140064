/**
 * jointly's Adam and momentum on cpu: tfjs's results bit for bit when every variable gets a
 * gradient, state kept per variable when only some do (checked against a hand computation),
 * the same result whatever the order of the gradients, and getWeights/setWeights round trips.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { assertClose, randomValues } from '../testing.js';
import { AdamOptimizer } from './adam.js';
import { MomentumOptimizer } from './momentum.js';

const SHAPES = [[7, 5], [5], [3, 3, 2, 4]];

function makeVars(): tf.Variable[] {
  return SHAPES.map((s, i) => tf.variable(tf.tensor(randomValues(s.reduce((a, b) => a * b, 1), i), s)));
}

/** Seeded gradients of step `step` for the variables at `which` (default all). */
function gradients(vars: tf.Variable[], step: number, which: readonly number[] = vars.map((_, i) => i)): tf.NamedTensorMap {
  const grads: tf.NamedTensorMap = {};
  for (const i of which) grads[vars[i].name] = tf.tensor(randomValues(vars[i].size, 100 * step + i), vars[i].shape);
  return grads;
}

function values(vars: tf.Variable[]): Float32Array[] {
  return vars.map((v) => Float32Array.from(v.dataSync()));
}

before(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

describe('Adam and momentum keyed by variable', () => {
  const cases: { name: string; make: () => tf.Optimizer; reference: () => tf.Optimizer }[] = [
    { name: 'Adam', make: () => new AdamOptimizer(0.01, 0.9, 0.999, 1e-8), reference: () => tf.train.adam(0.01, 0.9, 0.999, 1e-8) },
    { name: 'momentum', make: () => new MomentumOptimizer(0.05, 0.9), reference: () => tf.train.momentum(0.05, 0.9) },
    { name: 'Nesterov momentum', make: () => new MomentumOptimizer(0.05, 0.9, true), reference: () => tf.train.momentum(0.05, 0.9, true) },
  ];
  for (const c of cases) {
    test(`${c.name}: with every variable updated every step, tfjs's results bit for bit and no growth in tensors`, () => {
      const run = (make: () => tf.Optimizer): { out: Float32Array[]; leaked: number } => {
        const vars = makeVars();
        const optimizer = make();
        let steady = -1;
        let leaked = 0;
        for (let step = 0; step < 5; step++) {
          tf.tidy(() => optimizer.applyGradients(gradients(vars, step)));
          if (step === 0) steady = tf.memory().numTensors;
          else leaked = Math.max(leaked, tf.memory().numTensors - steady);
        }
        const out = values(vars);
        optimizer.dispose();
        tf.dispose(vars);
        return { out, leaked };
      };
      const expected = run(c.reference);
      const actual = run(c.make);
      expected.out.forEach((v, i) => assertClose(actual.out[i], v, 0, `variable ${i}`));
      assert.equal(actual.leaked, 0);
    });

    test(`${c.name}: the order of the gradients does not matter (tfjs's own optimizer, which matches state by position, fails this)`, () => {
      // The gradients come in one order on even steps and reversed on odd ones.
      const run = (make: () => tf.Optimizer, alternate: boolean): Float32Array[] => {
        const vars = makeVars();
        const optimizer = make();
        for (let step = 0; step < 4; step++) {
          tf.tidy(() => {
            const grads = gradients(vars, step);
            const names = Object.keys(grads);
            if (alternate && step % 2 === 1) names.reverse();
            optimizer.applyGradients(names.map((name) => ({ name, tensor: grads[name] })));
          });
        }
        const out = values(vars);
        optimizer.dispose();
        tf.dispose(vars);
        return out;
      };
      const straight = run(c.make, false);
      run(c.make, true).forEach((v, i) => assertClose(v, straight[i], 0, `variable ${i}`));
      // the control: by position, the first and last variables trade state (and shapes differ, so tfjs either throws or mixes them)
      let controlDiffers: boolean;
      try {
        const ref = run(c.reference, false);
        controlDiffers = run(c.reference, true).some((v, i) => v.some((x, k) => x !== ref[i][k]));
      } catch {
        controlDiffers = true;
      }
      assert.ok(controlDiffers, "tfjs's optimizer is expected to depend on the order");
    });
  }

  test('Adam: a variable that skips steps keeps its own moments and bias correction (hand computation)', () => {
    // a gets gradients at steps 1 and 2; b only at step 2. With state by position (tfjs's Adam),
    // b's first update would use a's moments, because b is first in the second gradient map.
    const lr = 0.1;
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([3]));
    const optimizer = new AdamOptimizer(lr, b1, b2, eps);
    tf.tidy(() => optimizer.applyGradients({ [a.name]: tf.tensor1d([0.5, -1]) }));
    tf.tidy(() => optimizer.applyGradients([{ name: b.name, tensor: tf.tensor1d([2]) }, { name: a.name, tensor: tf.tensor1d([0.1, 0.2]) }]));

    // Adam by hand, in float64: m_t = b1 m + (1-b1) g, v_t = b2 v + (1-b2) g², w -= lr m̂/(√v̂ + eps).
    const adam = (w: number, gs: number[]): number => {
      let [m, v] = [0, 0];
      gs.forEach((g, k) => {
        const t = k + 1;
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        w -= (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
      });
      return w;
    };
    assertClose(a.dataSync(), [adam(1, [0.5, 0.1]), adam(2, [-1, 0.2])], 1e-6, 'a after two steps');
    // b's first step: m̂ = g and v̂ = g², so it moves by lr·sign(g)
    assertClose(b.dataSync(), [adam(3, [2])], 1e-6, 'b after its first step');
    assertClose(b.dataSync(), [3 - lr], 1e-6, 'b moved by lr');
    assert.equal((optimizer as unknown as { stateSize: number }).stateSize, 2);
    optimizer.dispose();
    tf.dispose([a, b]);
  });

  test('momentum: a variable without a gradient keeps its velocity for later steps (hand computation)', () => {
    const lr = 0.1;
    const mu = 0.9;
    const a = tf.variable(tf.tensor1d([1]));
    const b = tf.variable(tf.tensor1d([1]));
    const optimizer = new MomentumOptimizer(lr, mu);
    tf.tidy(() => optimizer.applyGradients({ [a.name]: tf.tensor1d([1]), [b.name]: tf.tensor1d([2]) })); // va = 1, vb = 2
    tf.tidy(() => optimizer.applyGradients({ [b.name]: tf.tensor1d([1]) })); // vb = 0.9·2 + 1 = 2.8; a untouched
    tf.tidy(() => optimizer.applyGradients({ [a.name]: tf.tensor1d([0]) })); // va = 0.9·1 + 0 = 0.9
    assertClose(a.dataSync(), [1 - lr * 1 - lr * 0.9], 1e-6, 'a');
    assertClose(b.dataSync(), [1 - lr * 2 - lr * 2.8], 1e-6, 'b');
    optimizer.dispose();
    tf.dispose([a, b]);
  });

  test('getWeights and setWeights round-trip: a restored optimizer continues exactly', async () => {
    const continuous = makeVars();
    const opt1 = new AdamOptimizer(0.01, 0.9, 0.999, 1e-8);
    for (let step = 0; step < 4; step++) tf.tidy(() => opt1.applyGradients(gradients(continuous, step, step === 1 ? [0] : [0, 1, 2])));

    const resumed = makeVars();
    const opt2 = new AdamOptimizer(0.01, 0.9, 0.999, 1e-8);
    for (let step = 0; step < 2; step++) tf.tidy(() => opt2.applyGradients(gradients(resumed, step, step === 1 ? [0] : [0, 1, 2])));
    const saved = await opt2.getWeights();
    assert.deepEqual(
      saved.map((w) => w.name),
      ['iter', ...resumed.flatMap((v) => [`${v.name}/step`, `${v.name}/m`, `${v.name}/v`])],
    );
    const copies = saved.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    const opt3 = new AdamOptimizer(0.01, 0.9, 0.999, 1e-8);
    await opt3.setWeights(copies);
    tf.dispose(copies.map((c) => c.tensor));
    opt2.dispose();
    assert.equal(opt3.iterations, 2);
    for (let step = 2; step < 4; step++) tf.tidy(() => opt3.applyGradients(gradients(resumed, step)));
    values(continuous).forEach((v, i) => assertClose(values(resumed)[i], v, 0, `variable ${i}`));
    await assert.rejects(opt3.setWeights([{ name: 'iter', tensor: tf.scalar(0, 'int32') }, { name: 'x/q', tensor: tf.scalar(1) }]), /'x\/q' is not a slot/);
    await assert.rejects(opt3.setWeights([{ name: 'iter', tensor: tf.scalar(0, 'int32') }, { name: 'elsewhere_99/step', tensor: tf.scalar(1, 'int32') }, { name: 'elsewhere_99/m', tensor: tf.scalar(0) }, { name: 'elsewhere_99/v', tensor: tf.scalar(0) }]), /no variable named 'elsewhere_99' exists in this process/);
    // a refused restore leaves the state as it was, and a round trip on the same optimizer works
    assert.equal((await opt3.getWeights()).length, 1 + 3 * resumed.length);
    await opt3.setWeights(await opt3.getWeights());
    assert.equal((await opt3.getWeights()).length, 1 + 3 * resumed.length);
    opt1.dispose();
    opt3.dispose();
    tf.dispose([...continuous, ...resumed]);
  });
  for (const c of cases) {
    test(`${c.name}: after reset() the next run is a new optimizer's, bit for bit, on the same slots`, () => {
      const start = makeVars();
      const initial = values(start);
      const optimizer = c.make();
      // A first run with a skipped variable, so that steps differ per variable before the reset.
      for (let step = 0; step < 3; step++) tf.tidy(() => optimizer.applyGradients(gradients(start, step, step === 1 ? [0] : [0, 1, 2])));
      start.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(initial[i], v.shape))));
      const tensors = tf.memory().numTensors;

      (optimizer as AdamOptimizer | MomentumOptimizer).reset();
      for (let step = 0; step < 4; step++) tf.tidy(() => optimizer.applyGradients(gradients(start, step)));
      const tensorsAfter = tf.memory().numTensors;

      const fresh = makeVars();
      const reference = c.make();
      for (let step = 0; step < 4; step++) tf.tidy(() => reference.applyGradients(gradients(fresh, step)));
      values(fresh).forEach((v, i) => assertClose(values(start)[i], v, 0, `variable ${i}`));
      assert.equal(optimizer.iterations, 4);
      assert.equal(tensorsAfter, tensors, 'the reset run reuses the slots');
      for (const o of [optimizer, reference]) o.dispose();
      tf.dispose([...start, ...fresh]);
    });
  }
});
