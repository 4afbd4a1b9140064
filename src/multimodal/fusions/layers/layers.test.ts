/** The fusion layers on values worked out by hand, their masking, gradients and serialization. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../../engine/backend.js';
import { assertClose, errorLike } from '../../../engine/testing.js';
import { ShapeMismatchError } from '../../../errors.js';
import { ElementwiseProduct } from './elementwise-product.js';
import { FeatureModulation } from './feature-modulation.js';
import { GatedModalitySum } from './gated-modality-sum.js';
import { LowRankFusion } from './low-rank-fusion.js';
import { maskedSequenceMean, maskedSoftmax } from './masking.js';
import { ModalityMix } from './modality-mix.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { OuterProduct } from './outer-product.js';
import { SequenceMean } from './sequence-mean.js';

before(async () => {
  await selectBackend('cpu');
});

/** Runs a layer on eager tensors made inside, returning the output's values and shape. */
function run(layer: tfl.layers.Layer, make: () => tf.Tensor[]): { values: number[]; shape: number[] } {
  return tf.tidy(() => {
    const inputs = make();
    const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor;
    return { values: Array.from(out.dataSync()), shape: out.shape };
  });
}

/** Rebuilds a layer from its config through the serialization registry. */
function fromConfig<T extends tfl.layers.Layer>(layer: T): T {
  const className = (layer.constructor as unknown as { className: string }).className;
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  assert.ok(entry !== undefined, `${className} is not registered`);
  const [cls, make] = entry;
  return make(cls, layer.getConfig()) as T;
}

const e = Math.E;

describe('maskedSoftmax and maskedSequenceMean', () => {
  test('softmax over the unmasked entries only; a row with none is zeros', () => {
    const out = tf.tidy(() => Array.from(maskedSoftmax(tf.tensor2d([[1, 2, 3], [4, 5, 6]]), tf.tensor2d([[1, 0, 1], [0, 0, 0]])).dataSync()));
    // row 0: e^1 / (e^1 + e^3), 0, e^3 / (e^1 + e^3)
    assertClose(out, [e / (e + e ** 3), 0, e ** 3 / (e + e ** 3), 0, 0, 0], 1e-6, 'weights');
  });

  test('finite gradients with huge scores and an all-masked row', () => {
    const before = tf.memory().numTensors;
    const g = tf.tidy(() => {
      const mask = tf.tensor2d([[1, 0], [0, 0]]);
      const weights = tf.tensor2d([[1, 2], [3, 4]]);
      return Array.from(tf.grad((s: tf.Tensor) => tf.sum(tf.mul(maskedSoftmax(s, mask), weights)))(tf.tensor2d([[1000, -1000], [1e30, 5]])).dataSync());
    });
    assert.ok(g.every(Number.isFinite), `gradients ${g}`);
    assert.equal(tf.memory().numTensors, before);
  });

  test('masked mean over real steps; a [B, 1] mask counts for every step; none gives zeros', () => {
    const out = tf.tidy(() => {
      const seq = tf.tensor3d([[[1, 2], [3, 4], [5, 6]], [[1, 1], [1, 1], [1, 1]]]);
      return [Array.from(maskedSequenceMean(seq, tf.tensor2d([[1, 1, 0], [0, 0, 0]])).dataSync()), Array.from(maskedSequenceMean(seq, tf.tensor2d([[1], [0]])).dataSync())];
    });
    assertClose(out[0], [2, 3, 0, 0], 1e-6, 'step mask');
    assertClose(out[1], [3, 4, 0, 0], 1e-6, 'sample mask');
  });
});

describe('ModalityMix', () => {
  const inputs = (): tf.Tensor[] => [
    tf.tensor2d([[1], [1], [0]]), // presence of modality 1
    tf.tensor2d([[1], [0], [0]]), // presence of modality 2
    tf.tensor2d([[2, 4], [2, 4], [2, 4]]),
    tf.tensor2d([[4, 8], [4, 8], [4, 8]]),
  ];

  test('mean: the average over present modalities; one absent leaves the other; none gives zeros', () => {
    const { values, shape } = run(new ModalityMix({ modalities: 2, mode: 'mean' }), inputs);
    assert.deepEqual(shape, [3, 2]);
    // row 0: ([2,4] + [4,8]) / 2; row 1: modality 1 alone; row 2: nothing present
    assertClose(values, [3, 6, 2, 4, 0, 0], 1e-6, 'mean');
  });

  test('learned: a softmax of the learned scores over the present modalities (scores start at 0 = the mean)', () => {
    const layer = new ModalityMix({ modalities: 2, mode: 'learned' });
    assertClose(run(layer, inputs).values, [3, 6, 2, 4, 0, 0], 1e-6, 'initial');
    layer.setWeights([tf.tensor1d([0, Math.log(3)])]);
    // row 0: weights 1/4, 3/4 -> [0.5 + 3, 1 + 6]; row 1: modality 2 absent -> modality 1 alone
    assertClose(run(layer, inputs).values, [3.5, 7, 2, 4, 0, 0], 1e-6, 'learned');
  });

  test('scores: per-sample scores, masked by presence', () => {
    const layer = new ModalityMix({ modalities: 2, mode: 'scores' });
    const { values } = run(layer, () => [...inputs(), tf.tensor2d([[Math.log(3), 0], [-5, 9], [1, 1]])]);
    // row 0: weights 3/4, 1/4 -> [1.5 + 1, 3 + 2]; row 1: modality 2's high score is ignored (absent)
    assertClose(values, [2.5, 5, 2, 4, 0, 0], 1e-6, 'scores');
  });

  test('refuses values of different widths and serializes', () => {
    const layer = new ModalityMix({ modalities: 2, mode: 'learned', name: 'mix' });
    assert.throws(() => layer.computeOutputShape([[null, 1], [null, 1], [null, 2], [null, 3]]), errorLike(ShapeMismatchError, /differ in shape/));
    const copy = fromConfig(layer);
    assert.equal(copy.mode, 'learned');
    assert.equal(copy.modalities, 2);
    assert.equal(copy.name, 'mix');
  });
});

describe('GatedModalitySum (the GMU gate)', () => {
  test('two modalities: z = sigmoid(gate), h = z h1 + (1 - z) h2', () => {
    const { values } = run(new GatedModalitySum({ modalities: 2 }), () => [tf.tensor2d([[0, Math.log(3)]]), tf.tensor2d([[1, 1]]), tf.tensor2d([[3, 5]])]);
    // unit 0: z = 0.5 -> 0.5 + 1.5 = 2; unit 1: z = 0.75 -> 0.75 + 1.25 = 2
    assertClose(values, [2, 2], 1e-6, 'gmu');
  });

  test('three modalities: a softmax over the modalities per unit', () => {
    const { values } = run(new GatedModalitySum({ modalities: 3 }), () => [
      tf.tensor2d([[0, 0, Math.log(2), 0, 0, 0]]), // [modality][unit]: unit 0 scores (0, ln 2, 0), unit 1 (0, 0, 0)
      tf.tensor2d([[4, 3]]),
      tf.tensor2d([[8, 6]]),
      tf.tensor2d([[0, 9]]),
    ]);
    // unit 0: weights (1/4, 1/2, 1/4) -> 1 + 4 + 0 = 5; unit 1: thirds -> (3 + 6 + 9) / 3 = 6
    assertClose(values, [5, 6], 1e-6, 'gmu-3');
  });

  test('checks the gate width and serializes', () => {
    const layer = new GatedModalitySum({ modalities: 3, name: 'g' });
    assert.throws(() => layer.computeOutputShape([[null, 2], [null, 2], [null, 2], [null, 2]]), errorLike(ShapeMismatchError, /expected \[batch, 6\]/));
    assert.equal(fromConfig(layer).modalities, 3);
  });
});

describe('OuterProduct (tensor fusion)', () => {
  test('[z1; 1] ⊗ [z2; 1], flattened row-major', () => {
    const { values, shape } = run(new OuterProduct(), () => [tf.tensor2d([[2, 3]]), tf.tensor2d([[5]])]);
    // [2, 3, 1] ⊗ [5, 1] = [[10, 2], [15, 3], [5, 1]]
    assert.deepEqual(shape, [1, 6]);
    assertClose(values, [10, 2, 15, 3, 5, 1], 1e-6, 'outer');
  });

  test('three modalities: (k1 + 1)(k2 + 1)(k3 + 1) values holding every lower-order term', () => {
    const layer = new OuterProduct();
    assert.deepEqual(layer.computeOutputShape([[null, 2], [null, 3], [null, 1]]), [null, 3 * 4 * 2]);
    const { values } = run(layer, () => [tf.tensor2d([[2]]), tf.tensor2d([[3]]), tf.tensor2d([[5]])]);
    // [2,1] ⊗ [3,1] ⊗ [5,1] = [30, 6, 10, 2, 15, 3, 5, 1]
    assertClose(values, [30, 6, 10, 2, 15, 3, 5, 1], 1e-6, 'outer-3');
    assert.ok(fromConfig(layer) instanceof OuterProduct);
  });
});

describe('LowRankFusion', () => {
  test('rank 1 with λ = 1 is the product of two affine maps, (W1 [x1; 1]) ⊙ (W2 [x2; 1])', () => {
    const layer = new LowRankFusion({ rank: 1, units: 2, seed: 3, init: 'glorot' });
    run(layer, () => [tf.zeros([1, 2]), tf.zeros([1, 1])]); // builds
    const w1 = [[1, 2], [0, -1], [3, 1]]; // [d1 + 1 = 3, units = 2]
    const w2 = [[2, 1], [1, 4]]; // [d2 + 1 = 2, units]
    layer.setWeights([tf.tensor3d([w1]), tf.tensor3d([w2]), tf.tensor1d([1]), tf.tensor1d([0, 0])]);
    const { values, shape } = run(layer, () => [tf.tensor2d([[1, 2]]), tf.tensor2d([[3]])]);
    // [1, 2, 1] W1 = [1 + 0 + 3, 2 - 2 + 1] = [4, 1]; [3, 1] W2 = [6 + 1, 3 + 4] = [7, 7]; product [28, 7]
    assert.deepEqual(shape, [1, 2]);
    assertClose(values, [28, 7], 1e-6, 'rank 1');
  });

  test('rank 2: Σ_i λ_i Π_m (W_m^(i) z_m) + b, against a loop over the formula', () => {
    const layer = new LowRankFusion({ rank: 2, units: 3, seed: 5, init: 'torch' });
    const x1 = [[0.5, -1], [2, 0.25]];
    const x2 = [[1, 2, -0.5], [0, 1, 1]];
    const { values } = run(layer, () => [tf.tensor2d(x1), tf.tensor2d(x2)]);
    const [f1, f2, lambda, bias] = layer.getWeights().map((w) => w.arraySync()) as [number[][][], number[][][], number[], number[]];
    const expected: number[] = [];
    for (let b = 0; b < 2; b++) {
      const z1 = [...x1[b], 1];
      const z2 = [...x2[b], 1];
      for (let o = 0; o < 3; o++) {
        let h = bias[o];
        for (let r = 0; r < 2; r++) {
          const a = z1.reduce((s, v, j) => s + v * f1[r][j][o], 0);
          const c = z2.reduce((s, v, j) => s + v * f2[r][j][o], 0);
          h += lambda[r] * a * c;
        }
        expected.push(h);
      }
    }
    assertClose(values, expected, 1e-5, 'rank 2');
  });

  test('is seeded, and a copy from its config starts with the same weights', () => {
    const a = new LowRankFusion({ rank: 2, units: 3, seed: 11, init: 'glorot' });
    const b = fromConfig(a);
    run(a, () => [tf.zeros([1, 4]), tf.zeros([1, 2])]);
    run(b, () => [tf.zeros([1, 4]), tf.zeros([1, 2])]);
    a.getWeights().forEach((w, i) => assert.deepEqual(Array.from(b.getWeights()[i].dataSync()), Array.from(w.dataSync())));
    assert.ok(Array.from(a.getWeights()[0].dataSync()).some((v) => v !== 0));
    a.dispose();
    b.dispose();
  });
});

describe('ElementwiseProduct', () => {
  test('Π (1 + x_m) by default, Π x_m without plusOne; a zero vector leaves the other factor', () => {
    const make = (): tf.Tensor[] => [tf.tensor2d([[2, 3], [0, 0]]), tf.tensor2d([[4, -1], [5, 6]])];
    // row 0: (3·5, 4·0) and (2·4, 3·-1); row 1 (first vector zeros): (1 + 5, 1 + 6) and (0, 0)
    assertClose(run(new ElementwiseProduct(), make).values, [15, 0, 6, 7], 1e-6, 'plus one');
    const plain = new ElementwiseProduct({ plusOne: false });
    assertClose(run(plain, make).values, [8, -3, 0, 0], 1e-6, 'plain');
    assert.equal(fromConfig(plain).plusOne, false);
    assert.throws(() => plain.computeOutputShape([[null, 2], [null, 3]]), errorLike(ShapeMismatchError, /differ in shape/));
  });
});

describe('FeatureModulation (FiLM)', () => {
  test('(1 + Δγ) ⊙ x + β by default, γ ⊙ x + β without residualGamma', () => {
    const make = (): tf.Tensor[] => [tf.tensor2d([[1, 2]]), tf.tensor2d([[0.5, -1]]), tf.tensor2d([[1, 1]])];
    assertClose(run(new FeatureModulation(), make).values, [2.5, 1], 1e-6, 'residual');
    const plain = new FeatureModulation({ residualGamma: false });
    assertClose(run(plain, make).values, [1.5, -1], 1e-6, 'plain');
    assert.equal(fromConfig(plain).residualGamma, false);
  });
});

describe('MultiHeadAttention', () => {
  /** Sets every projection to the identity with zero bias. */
  function identity(layer: MultiHeadAttention, width: number): void {
    const eye = tf.eye(width);
    const zero = tf.zeros([width]);
    layer.setWeights([eye, zero, eye, zero, eye, zero, eye, zero]);
    tf.dispose([eye, zero]);
  }

  test('one head, identity projections: softmax(q·k) over the unmasked keys', () => {
    const layer = new MultiHeadAttention({ heads: 1, width: 1, seed: 1, init: 'glorot' });
    const make = (): tf.Tensor[] => [tf.tensor3d([[[1]], [[1]]]), tf.tensor3d([[[1], [2], [3]], [[1], [2], [3]]]), tf.tensor2d([[1, 1, 0], [0, 0, 0]])];
    run(layer, make);
    identity(layer, 1);
    const { values, shape } = run(layer, make);
    assert.deepEqual(shape, [2, 1, 1]);
    // sample 0: scores (1, 2), key 3 masked: (e·1 + e²·2) / (e + e²); sample 1: no key -> 0
    assertClose(values, [(e + 2 * e * e) / (e + e * e), 0], 1e-6, 'attention');
  });

  test('two heads split the width: each head attends on its own slice', () => {
    const layer = new MultiHeadAttention({ heads: 2, width: 2, seed: 1, init: 'torch' });
    const make = (): tf.Tensor[] => [tf.tensor3d([[[1, 0]]]), tf.tensor3d([[[1, 0], [0, 1]]]), tf.tensor2d([[1]])];
    run(layer, make);
    identity(layer, 2);
    // head 1 (dim 0): scores (1, 0)/√1 -> weights (e/(e+1), 1/(e+1)) on values (1, 0); head 2 (dim 1): scores (0, 0) -> (1/2, 1/2) on (0, 1)
    assertClose(run(layer, make).values, [e / (e + 1), 0.5], 1e-6, 'two heads');
  });

  test('finite gradients to every weight when a sample has no key; serializes with its seed', () => {
    const layer = new MultiHeadAttention({ heads: 2, width: 4, seed: 7, init: 'glorot', name: 'mha' });
    const q = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 1);
    const k = tf.randomNormal([2, 4, 6], 0, 1, 'float32', 2);
    const mask = tf.tensor2d([[1, 1, 0, 1], [0, 0, 0, 0]]);
    run(layer, () => [q, k, mask].map((t) => t.clone()));
    const before = tf.memory().numTensors;
    const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(layer.apply([q, k, mask]) as tf.Tensor)) as tf.Scalar, variables);
    assert.equal(Object.keys(grads).length, 8);
    for (const [name, g] of Object.entries(grads)) assert.ok(Array.from(g.dataSync()).every(Number.isFinite), `finite gradient of ${name}`);
    assert.ok(Array.from(grads[variables[0].name].dataSync()).some((v) => v !== 0), 'the query kernel learns');
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before);
    const copy = fromConfig(layer);
    run(copy, () => [q, k, mask].map((t) => t.clone()));
    copy.getWeights().forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), Array.from(layer.getWeights()[i].dataSync())));
    assert.throws(() => new MultiHeadAttention({ heads: 3, width: 4, seed: 1, init: 'glorot' }), /divides width/);
    tf.dispose([q, k, mask]);
    layer.dispose();
    copy.dispose();
  });
});

describe('SequenceMean', () => {
  test('pools over the real steps and checks the mask shape', () => {
    const layer = new SequenceMean();
    const { values, shape } = run(layer, () => [tf.tensor3d([[[1, 2], [3, 4]]]), tf.tensor2d([[0, 1]])]);
    assert.deepEqual(shape, [1, 2]);
    assertClose(values, [3, 4], 1e-6, 'pooled');
    assert.throws(() => layer.computeOutputShape([[null, 3, 2], [null, 2]]), errorLike(ShapeMismatchError, /expected \[batch, 3\]/));
    assert.ok(fromConfig(layer) instanceof SequenceMean);
  });
});
