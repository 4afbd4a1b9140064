import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from './backend-registry.js';
import { lossGradients } from './tape-gradients.js';
import { assertClose, randomValues } from './testing.js';

before(async () => {
  await selectBackend('cpu');
});

/** A trunk with batch norm and two heads, and the losses of each head. */
function setup(): { model: tfl.LayersModel; vars: tf.Variable[]; x: tf.Tensor; losses: () => Record<string, tf.Scalar>; forwards: () => number } {
  const input = tfl.input({ shape: [4] });
  const h = tfl.layers.batchNormalization().apply(tfl.layers.dense({ units: 5, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input)) as tfl.SymbolicTensor;
  const a = tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(h) as tfl.SymbolicTensor;
  const b = tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }).apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [a, b] });
  const x = tf.tensor2d(randomValues(24, 7), [6, 4]);
  let count = 0;
  const losses = (): Record<string, tf.Scalar> => {
    count++;
    const [ya, yb] = model.apply(x, { training: true }) as tf.Tensor[];
    return { a: tf.mean(tf.square(ya)) as tf.Scalar, b: tf.mean(tf.abs(tf.sub(yb, 1))) as tf.Scalar, both: tf.mul(tf.mean(tf.mul(ya, yb)), 0.5) as tf.Scalar };
  };
  return { model, vars: model.trainableWeights.map((w) => w.read() as tf.Variable), x, losses, forwards: () => count };
}

test('each loss gets the gradient tfjs computes for it alone, from a single forward pass', () => {
  const s = setup();
  const expected: Record<string, Record<string, Float32Array>> = {};
  for (const name of ['a', 'b', 'both']) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => s.losses()[name], s.vars);
      expected[name] = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Float32Array.from(g.dataSync())]));
    });
  }
  const before = s.forwards();
  const got = tf.tidy(() => {
    const r = lossGradients(s.losses, s.vars);
    return { values: r.values, unconnected: r.unconnected, grads: Object.fromEntries(Object.entries(r.grads).map(([loss, g]) => [loss, Object.fromEntries(Object.entries(g).map(([k, t]) => [k, Float32Array.from(t.dataSync())]))])) };
  });
  assert.equal(s.forwards() - before, 1, 'one forward pass for three losses');
  assert.deepEqual(Object.keys(got.grads), ['a', 'b', 'both']);
  assert.deepEqual(got.unconnected, []);
  for (const name of ['a', 'b', 'both']) {
    assert.deepEqual(Object.keys(got.grads[name]).sort(), Object.keys(expected[name]).sort(), `${name} reaches the same variables`);
    for (const [k, g] of Object.entries(expected[name])) assertClose(got.grads[name][k], g, 1e-6, `${name} / ${k}`);
  }
  // head a's loss does not reach head b's layer
  const headB = s.model.layers[s.model.layers.length - 1].trainableWeights.map((w) => (w.read() as tf.Variable).name);
  for (const v of headB) assert.equal(got.grads.a[v], undefined);
  s.model.dispose();
  s.x.dispose();
});

test('batch-norm moving statistics move once per call, and nothing is left on the tape or in memory', () => {
  const s = setup();
  const stats = (m: tfl.LayersModel): Float32Array => Float32Array.from(m.layers[2].getWeights()[2].dataSync());
  const initial = stats(s.model);
  tf.tidy(() => {
    lossGradients(s.losses, s.vars);
  });
  const moved = stats(s.model).map((v, i) => v - initial[i]);
  // one training-mode forward pass by hand, on an identical model, moves the statistics the same
  const reference = setup();
  const refBefore = stats(reference.model);
  tf.tidy(() => {
    reference.losses();
  });
  assertClose(moved, stats(reference.model).map((v, i) => v - refBefore[i]), 1e-6, 'moving mean moved by one update');
  assert.ok(moved.some((v) => Math.abs(v) > 1e-4), 'the statistics did move');
  const tensors = tf.memory().numTensors;
  tf.tidy(() => {
    lossGradients(s.losses, s.vars);
  });
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
  assert.equal((tf.engine() as unknown as { state: { activeTape: unknown } }).state.activeTape, null);
  s.model.dispose();
  reference.model.dispose();
  s.x.dispose();
  reference.x.dispose();
});

test('a loss on no variable is reported, not thrown; onValues can stop before any backward pass', () => {
  const s = setup();
  const withConstant = (): Record<string, tf.Scalar> => ({ ...s.losses(), constant: tf.scalar(3) });
  const r = tf.tidy(() => {
    const out = lossGradients(withConstant, s.vars);
    return { unconnected: out.unconnected, values: out.values };
  });
  assert.deepEqual(r.unconnected, ['constant']);
  assert.equal(r.values.constant, 3);
  const tensors = tf.memory().numTensors;
  assert.throws(
    () =>
      tf.tidy(() => {
        lossGradients(s.losses, s.vars, () => {
          throw new RangeError('stop');
        });
      }),
    /stop/,
  );
  assert.equal(tf.memory().numTensors, tensors, 'an abort leaves nothing behind');
  assert.equal((tf.engine() as unknown as { state: { activeTape: unknown; gradientDepth: number } }).state.gradientDepth, 0);
  s.model.dispose();
  s.x.dispose();
});

test('a loss that reads a stopGradient of a variable does not reach that variable (its gradient would be zero)', async () => {
  const { stopGradient } = await import('./losses.js');
  const a = tf.variable(tf.tensor1d([1, 2]));
  const b = tf.variable(tf.tensor1d([3, 4]));
  const r = tf.tidy(() => {
    const out = lossGradients(() => ({ l: tf.sum(tf.mul(stopGradient(tf.mul(b, 2)), a)) as tf.Scalar }), [a, b]);
    return { names: Object.keys(out.grads.l), ga: Array.from(out.grads.l[a.name].dataSync()) };
  });
  assert.deepEqual(r.names, [a.name]);
  assert.deepEqual(r.ga, [6, 8]);
  tf.dispose([a, b]);
});
