import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from './backend-registry.js';
import { representationGradients } from './tape-gradients.js';
import { assertClose, randomValues } from './testing.js';

before(async () => {
  await selectBackend('cpu');
});

/** A trunk (dense + tanh) whose output, the representation, is read by two heads; the model also outputs it. */
function setup(): { model: tfl.LayersModel; trunk: tf.Variable[]; heads: tf.Variable[]; x: tf.Tensor; run: () => { losses: Record<string, tf.Scalar>; rep: tf.Tensor } } {
  const input = tfl.input({ shape: [4] });
  const dense = tfl.layers.dense({ units: 5, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), biasInitializer: tfl.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 4 }) });
  const rep = dense.apply(input) as tfl.SymbolicTensor;
  const ha = tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) });
  const hb = tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) });
  const model = tfl.model({ inputs: input, outputs: [ha.apply(rep) as tfl.SymbolicTensor, hb.apply(rep) as tfl.SymbolicTensor, rep] });
  const x = tf.tensor2d(randomValues(24, 7), [6, 4]);
  const vars = (l: tfl.layers.Layer): tf.Variable[] => l.trainableWeights.map((w) => w.read() as tf.Variable);
  const run = (): { losses: Record<string, tf.Scalar>; rep: tf.Tensor } => {
    const [ya, yb, r] = model.apply(x, { training: true }) as tf.Tensor[];
    return { losses: { a: tf.mean(tf.square(tf.sub(ya, 0.3))) as tf.Scalar, b: tf.mean(tf.abs(tf.sub(yb, 1))) as tf.Scalar }, rep: r };
  };
  return { model, trunk: vars(dense), heads: [...vars(ha), ...vars(hb)], x, run };
}

function read(grads: Record<string, tf.Tensor>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Float32Array.from(g.dataSync())]));
}

test('summing the representation gradients gives the trunk the gradient of the summed losses; each head gets its own loss\'s gradient', () => {
  const s = setup();
  const all = [...s.trunk, ...s.heads];
  const expectedSum = tf.tidy(() => read(tf.variableGrads(() => tf.add(s.run().losses.a, s.run().losses.b) as tf.Scalar, s.trunk).grads));
  const expectedA = tf.tidy(() => read(tf.variableGrads(() => s.run().losses.a, s.heads.slice(0, 2)).grads));
  let seen: string[] = [];
  const got = tf.tidy(() => {
    let rep: tf.Tensor | undefined;
    const r = representationGradients(
      () => {
        const out = s.run();
        rep = out.rep;
        return out.losses;
      },
      all,
      () => rep as tf.Tensor,
      (perLoss) => {
        seen = Object.keys(perLoss);
        for (const g of Object.values(perLoss)) assert.deepEqual(g.shape, [6, 5], 'a gradient per sample and feature of the representation');
        return tf.addN(Object.values(perLoss));
      },
    );
    return { trunk: read(r.trunk), a: read(r.grads.a), b: Object.keys(r.grads.b), unconnected: r.unconnected };
  });
  assert.deepEqual(seen, ['a', 'b']);
  assert.deepEqual(got.unconnected, []);
  for (const [k, g] of Object.entries(expectedSum)) assertClose(got.trunk[k], g, 1e-5, `trunk ${k}`);
  assert.deepEqual(Object.keys(got.a).sort(), Object.keys(expectedA).sort(), 'loss a reaches head a only');
  for (const [k, g] of Object.entries(expectedA)) assertClose(got.a[k], g, 1e-6, `head a ${k}`);
  assert.equal(got.b.length, 2, 'loss b reaches the two weights of head b');
  s.model.dispose();
  s.x.dispose();
});

test('a combiner that weights the representation gradients weights the trunk update alike, and nothing is left in memory', () => {
  const s = setup();
  const all = [...s.trunk, ...s.heads];
  const expected = tf.tidy(() => read(tf.variableGrads(() => tf.add(tf.mul(s.run().losses.a, 0.25), tf.mul(s.run().losses.b, 2)) as tf.Scalar, s.trunk).grads));
  const tensors = tf.memory().numTensors;
  const got = tf.tidy(() => {
    let rep: tf.Tensor | undefined;
    const r = representationGradients(
      () => {
        const out = s.run();
        rep = out.rep;
        return out.losses;
      },
      all,
      () => rep as tf.Tensor,
      (p) => tf.add(tf.mul(p.a, 0.25), tf.mul(p.b, 2)),
    );
    return read(r.trunk);
  });
  for (const [k, g] of Object.entries(expected)) assertClose(got[k], g, 1e-5, `trunk ${k}`);
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
  s.model.dispose();
  s.x.dispose();
});

test('a loss that reads the trunk other than through the representation is refused', () => {
  const s = setup();
  const all = [...s.trunk, ...s.heads];
  assert.throws(
    () =>
      tf.tidy(() => {
        let rep: tf.Tensor | undefined;
        representationGradients(
          () => {
            const out = s.run();
            rep = out.rep;
            // a loss on the trunk's kernel directly: it bypasses the representation
            return { ...out.losses, decay: tf.sum(tf.square(s.trunk[0])) as tf.Scalar };
          },
          all,
          () => rep as tf.Tensor,
          (p) => tf.addN(Object.values(p)),
        );
      }),
    /loss 'decay' depends on the trunk's parameters other than through the shared representation/,
  );
  s.model.dispose();
  s.x.dispose();
});
