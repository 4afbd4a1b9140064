/** The text layers by hand: padding masks, token embeddings and their gradient, masked pooling, multi-head attention with identity projections, layer norm, positions, CLS. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../../engine/backend.js';
import { assertClose, errorLike } from '../../../engine/testing.js';
import { ShapeMismatchError } from '../../../errors.js';
import { ApplyMask, ClsToken, LayerNorm, MaskedPooling, MultiHeadAttention, PaddingMask, PositionEmbedding, SliceSteps, TokenEmbedding } from './index.js';

before(async () => {
  await selectBackend('cpu');
});

/** Sets a built layer's weights from arrays (disposing the tensors made). */
function setWeights(layer: tfl.layers.Layer, values: number[][][] | number[][]): void {
  const tensors = layer.getWeights().map((w, i) => tf.tensor(values[i].flat(), w.shape));
  layer.setWeights(tensors);
  tf.dispose(tensors);
}

describe('PaddingMask and ApplyMask', () => {
  test('ids → 1 for a token, 0 for padding; the mask zeroes padding steps', () => {
    const out = tf.tidy(() => {
      const mask = new PaddingMask().apply(tf.tensor2d([[5, 0, 2, 0]], [1, 4], 'int32')) as tf.Tensor;
      const masked = new ApplyMask().apply([tf.ones([1, 4, 2]), mask]) as tf.Tensor;
      return { mask: mask.arraySync(), masked: masked.arraySync(), dtype: mask.dtype };
    });
    assert.deepEqual(out.mask, [[1, 0, 1, 0]]);
    assert.equal(out.dtype, 'float32');
    assert.deepEqual(out.masked, [[[1, 1], [0, 0], [1, 1], [0, 0]]]);
  });
});

describe('TokenEmbedding', () => {
  test('looks rows up by id; the table gradient adds up the output gradients of repeated ids, as gather\'s does', () => {
    const layer = new TokenEmbedding({ vocabSize: 4, dim: 2, seed: 1 });
    const ids = tf.tensor2d([[1, 2, 1]], [1, 3], 'int32');
    const upstream = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]);
    tf.tidy(() => {
      layer.apply(ids);
    });
    setWeights(layer, [[[0, 0], [1, 10], [2, 20], [3, 30]]]);
    const table = layer.trainableWeights[0].read() as tf.Variable;
    const before = tf.memory().numTensors;
    const { out, grad, reference } = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(ids) as tf.Tensor, upstream)) as tf.Scalar, [table]);
      const viaGather = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.reshape(tf.gather(t, tf.reshape(ids, [-1])), [1, 3, 2]), upstream)))(table);
      return { out: (layer.apply(ids) as tf.Tensor).arraySync(), grad: grads[table.name].arraySync() as number[][], reference: viaGather.arraySync() as number[][] };
    });
    assert.deepEqual(out, [[[1, 10], [2, 20], [1, 10]]]);
    // id 1 at steps 0 and 2: [1, 2] + [5, 6]; id 2 at step 1: [3, 4]; ids 0 and 3 unused
    assert.deepEqual(grad, [[0, 0], [6, 8], [3, 4], [0, 0]]);
    assert.deepEqual(grad, reference);
    assert.equal(tf.memory().numTensors, before, 'no tensor leak');
    assert.deepEqual(layer.computeOutputShape([null, 3]), [null, 3, 2]);
    tf.dispose([ids, upstream]);
    layer.dispose();
  });
});

describe('MaskedPooling', () => {
  // sample 0: steps [1, 2], [3, −4] real, [100, 100] padding; sample 1: no real step
  const x = (): tf.Tensor => tf.tensor3d([[[1, 2], [3, -4], [100, 100]], [[5, 6], [7, 8], [9, 9]]]);
  const mask = (): tf.Tensor => tf.tensor2d([[1, 1, 0], [0, 0, 0]]);

  test('mean and max over the real steps, by hand; a sample with none pools to zeros', () => {
    const mean = tf.tidy(() => (new MaskedPooling({ mode: 'mean' }).apply([x(), mask()]) as tf.Tensor).arraySync() as number[][]);
    const max = tf.tidy(() => (new MaskedPooling({ mode: 'max' }).apply([x(), mask()]) as tf.Tensor).arraySync() as number[][]);
    // mean: ([1, 2] + [3, −4]) / 2 = [2, −1]; max: [max(1, 3), max(2, −4)] = [3, 2]; the padding step [100, 100] is ignored
    assertClose(mean.flat(), [2, -1, 0, 0], 1e-6, 'mean');
    assertClose(max.flat(), [3, 2, 0, 0], 1e-6, 'max');
  });

  test('gradients: mean spreads 1/count over real steps, max picks the arg max, padding gets none', () => {
    const grads = (mode: 'mean' | 'max'): number[] =>
      tf.tidy(() => Array.from(tf.grad((t: tf.Tensor) => tf.sum(new MaskedPooling({ mode }).apply([t, mask()]) as tf.Tensor))(x()).dataSync()));
    assertClose(grads('mean'), [0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0], 1e-6, 'd mean');
    assertClose(grads('max'), [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1e-6, 'd max');
  });
});

describe('MultiHeadAttention', () => {
  // three steps [1, 0], [0, 1], [1, 1]; the third is padding
  const X = [[[1, 0], [0, 1], [1, 1]]];
  const identity = [[1, 0], [0, 1]];
  const zeros = [[0, 0]];
  const IDENTITY_WEIGHTS = [identity, zeros, identity, zeros, identity, zeros, identity, zeros];

  function attend(heads: number, x: number[][][], mask: number[][]): { out: number[][][]; weights: number[][][][] } {
    const layer = new MultiHeadAttention({ heads, units: 2, seed: 1 });
    return tf.tidy(() => {
      const inputs = [tf.tensor3d(x), tf.tensor3d(x), tf.tensor2d(mask)];
      layer.apply(inputs); // builds
      setWeights(layer, IDENTITY_WEIGHTS);
      return { out: (layer.apply(inputs) as tf.Tensor).arraySync() as number[][][], weights: layer.attentionWeights(inputs).arraySync() };
    });
  }

  test('one head with identity projections, by hand: softmax(q·k/√2) over the real keys', () => {
    const { out, weights } = attend(1, X, [[1, 1, 0]]);
    // query [1, 0]: scores q·k/√2 = 1/√2 (key 0), 0 (key 1); weights e^{1/√2}/(e^{1/√2} + 1) and 1/(e^{1/√2} + 1)
    const a = Math.exp(Math.SQRT1_2) / (Math.exp(Math.SQRT1_2) + 1); // 0.66976
    assertClose(weights[0][0].flat(), [a, 1 - a, 0, 1 - a, a, 0, 0.5, 0.5, 0], 1e-6, 'weights');
    // outputs: Σ weights · values (values = keys); query [1, 1] scores both keys 1/√2 → [0.5, 0.5]
    assertClose(out.flat(2), [a, 1 - a, 1 - a, a, 0.5, 0.5], 1e-6, 'outputs');
    assert.equal(weights[0][0][0][2], 0, 'a padded key gets exactly zero weight');
  });

  test('two heads split the width: head 0 sees dimension 0, head 1 dimension 1, each scaled by 1/√1', () => {
    const { out, weights } = attend(2, X, [[1, 1, 0]]);
    const e = Math.E / (Math.E + 1); // 0.73106: scores 1 and 0
    // head 0 (dimension 0): query 0 (q = 1) scores keys 1, 0 → [e, 1 − e]; its values are 1, 0 → e
    assertClose(weights[0][0][0], [e, 1 - e, 0], 1e-6, 'head 0, query 0');
    // head 1 (dimension 1): query 0 (q = 0) scores 0, 0 → [½, ½]; values 0, 1 → ½
    assertClose(weights[0][1][0], [0.5, 0.5, 0], 1e-6, 'head 1, query 0');
    assertClose(out[0][0], [e, 0.5], 1e-6, 'query 0 output');
  });

  test('what is at padded steps does not change real queries; a fully padded sample is finite', () => {
    const changed = attend(2, [[[1, 0], [0, 1], [-7, 30]]], [[1, 1, 0]]);
    const base = attend(2, X, [[1, 1, 0]]);
    assertClose(changed.out[0].slice(0, 2).flat(), base.out[0].slice(0, 2).flat(), 1e-6, 'real queries');
    const empty = attend(1, X, [[0, 0, 0]]);
    assert.ok(empty.out.flat(2).every(Number.isFinite), 'finite outputs');
    assertClose(empty.weights[0][0][0], [1 / 3, 1 / 3, 1 / 3], 1e-6, 'uniform over padding, not NaN');
  });

  test('[sequence, mask] is self-attention ([x, x, mask]); a context of other length (cross-attention) works', () => {
    const layer = new MultiHeadAttention({ heads: 2, units: 4, seed: 5 });
    const [self, three, cross] = tf.tidy(() => {
      const x = tf.tensor3d([[[1, 0], [0, 1], [1, 1]]]);
      const mask = tf.tensor2d([[1, 1, 0]]);
      const context = tf.tensor3d([[[2, 1], [1, 2], [0, 0], [3, 3]]]);
      return [layer.apply([x, mask]), layer.apply([x, x, mask]), layer.apply([x, context, tf.tensor2d([[1, 1, 1, 0]])])].map((t) => t as tf.Tensor).map((t) => ({ shape: t.shape, values: t.dataSync() }));
    });
    assertClose(self.values, three.values, 1e-7, 'self-attention forms');
    assert.deepEqual(cross.shape, [1, 3, 2]);
    layer.dispose();
  });

  test('weights come from the seed; shapes are checked; config round trip', () => {
    const make = (seed: number): Float32Array[] => {
      const layer = new MultiHeadAttention({ heads: 2, units: 4, seed });
      tf.tidy(() => {
        layer.apply([tf.ones([1, 3, 2]), tf.ones([1, 3, 2]), tf.ones([1, 3])]);
      });
      const w = layer.getWeights().map((t) => t.dataSync() as Float32Array);
      layer.dispose();
      return w;
    };
    assertClose(make(3)[0], make(3)[0], 0, 'same seed');
    assert.ok(make(3)[0].some((v, i) => v !== make(4)[0][i]), 'another seed, other weights');
    assert.throws(() => new MultiHeadAttention({ heads: 3, units: 4, seed: 0 }), /multiple of heads/);
    const layer = new MultiHeadAttention({ heads: 2, units: 4, outputUnits: 5, seed: 9 });
    assert.throws(() => layer.computeOutputShape([[null, 3, 2], [null, 4, 2], [null, 3]]), errorLike(ShapeMismatchError, /do not go together/));
    assert.deepEqual(layer.computeOutputShape([[null, 3, 2], [null, 4, 2], [null, 4]]), [null, 3, 5]);
    const config = layer.getConfig();
    assert.deepEqual([config.heads, config.units, config.outputUnits, config.seed], [2, 4, 5, 9]);
  });
});

describe('LayerNorm', () => {
  test('normalizes each position over its features, by hand, and matches tfjs-layers\' LayerNormalization', () => {
    const layer = new LayerNorm({ epsilon: 1e-5 });
    const [mine, theirs] = tf.tidy(() => {
      const x = tf.tensor3d([[[1, 2, 3], [4, 4, 4]]]);
      return [layer.apply(x) as tf.Tensor, tfl.layers.layerNormalization({ epsilon: 1e-5 }).apply(x) as tf.Tensor].map((t) => Array.from(t.dataSync()));
    });
    // [1, 2, 3]: mean 2, variance 2/3, so (x − 2)/√(2/3 + 1e-5); a constant row normalizes to zeros (not NaN)
    const s = Math.sqrt(2 / 3 + 1e-5);
    assertClose(mine, [-1 / s, 0, 1 / s, 0, 0, 0], 1e-5, 'by hand');
    assertClose(mine, theirs, 1e-5, 'as tfjs-layers');
    assert.deepEqual(layer.getWeights().map((w) => w.shape), [[3], [3]]);
    layer.dispose();
  });
});

describe('PositionEmbedding, ClsToken, SliceSteps', () => {
  test('positions add row t to step t', () => {
    const layer = new PositionEmbedding({ maxLength: 3, seed: 1 });
    const out = tf.tidy(() => {
      const x = tf.ones([2, 3, 2]);
      layer.apply(x);
      setWeights(layer, [[[0, 1], [2, 3], [4, 5]]]);
      return (layer.apply(x) as tf.Tensor).arraySync() as number[][][];
    });
    assert.deepEqual(out[1], [[1, 2], [3, 4], [5, 6]]);
    assert.throws(() => new PositionEmbedding({ maxLength: 2, seed: 1 }).build([null, 3, 2]), errorLike(ShapeMismatchError, /longer than its 2 positions/));
  });

  test('the CLS token goes first with mask 1; SliceSteps takes it and the tokens back out', () => {
    const cls = new ClsToken({ seed: 1 });
    const out = tf.tidy(() => {
      const x = tf.tensor3d([[[1, 1], [2, 2]]]);
      const mask = tf.tensor2d([[1, 0]]);
      cls.apply([x, mask]);
      setWeights(cls, [[[9, 8]]]);
      const [seq, m] = cls.apply([x, mask]) as tf.Tensor[];
      const first = new SliceSteps({ begin: 0, size: 1 }).apply(seq) as tf.Tensor;
      const rest = new SliceSteps({ begin: 1, size: -1 }).apply(seq) as tf.Tensor;
      return { seq: seq.arraySync(), m: m.arraySync(), first: first.arraySync(), rest: rest.arraySync() };
    });
    assert.deepEqual(out.seq, [[[9, 8], [1, 1], [2, 2]]]);
    assert.deepEqual(out.m, [[1, 1, 0]]);
    assert.deepEqual(out.first, [[[9, 8]]]);
    assert.deepEqual(out.rest, [[[1, 1], [2, 2]]]);
    assert.deepEqual(cls.computeOutputShape([[null, 4, 2], [null, 4]]), [[null, 5, 2], [null, 5]]);
  });
});
