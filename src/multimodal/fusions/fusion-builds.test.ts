/**
 * Each fusion in a model: finite logits and gradients with modalities missing (a sample with
 * none included), saved topologies that load again, and the behaviour worked out by hand where it
 * can be (GMU and FiLM with fixed weights, late and attention fusions renormalized over the
 * modalities present, cross-attention ignoring padding).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import { assertClose } from '../../engine/testing.js';
import { buildFusedModel, type ModalityPlan } from '../build-model.js';
import type { FusionInput, RegisteredFusion } from '../fusion.js';
import { getFusion, listFusions } from './registry.js';

before(async () => {
  await selectBackend('cpu');
});

function imagePlan(name: string, hidden: number[]): ModalityPlan {
  return { name, info: { kind: 'image', fields: [name], shapes: { [name]: [5] } }, encoder: { type: 'mlp', options: { hidden } } };
}

/** Four samples: both present, view2 absent, view1 absent, none. */
function batchInputs(): tf.Tensor[] {
  return [
    tf.randomUniform([4, 5], 0, 1, 'float32', 1),
    tf.randomUniform([4, 5], 0, 1, 'float32', 2),
    tf.tensor2d([[1], [1], [0], [0]]),
    tf.tensor2d([[1], [0], [1], [0]]),
  ];
}

/** A model of one fusion applied to hand-made inputs (vectors of the given widths and presences). */
function fusionModel(fusion: RegisteredFusion, options: unknown, widths: readonly number[], units = 1): { model: tfl.LayersModel; find: (prefix: string) => tfl.layers.Layer } {
  const vectors = widths.map((w, i) => tfl.input({ shape: [w], name: `v${i}` }));
  const presences = widths.map((_, i) => tfl.input({ shape: [1], name: `p${i}` }));
  const modalities: FusionInput[] = widths.map((_, i) => ({ name: String.fromCharCode(97 + i), vector: vectors[i], presence: presences[i] }));
  const logits = fusion.build(fusion.options.parse(options), { modalities, units, seed: 3, prefix: 'f', init: 'glorot' });
  const model = tfl.model({ inputs: [...vectors, ...presences], outputs: logits });
  const find = (prefix: string): tfl.layers.Layer => {
    const found = model.layers.filter((l) => l.name.startsWith(prefix));
    assert.equal(found.length, 1, `one layer named ${prefix}*, got ${found.map((l) => l.name).join(', ')}`);
    return found[0];
  };
  return { model, find };
}

/** Sets a dense layer's kernel and bias. */
function setDense(layer: tfl.layers.Layer, kernel: number[][], bias: number[]): void {
  tf.tidy(() => layer.setWeights([tf.tensor2d(kernel), tf.tensor1d(bias)]));
}

function predict(model: tfl.LayersModel, inputs: number[][][]): number[] {
  return tf.tidy(() => Array.from((model.predict(inputs.map((x) => tf.tensor2d(x))) as tf.Tensor).dataSync()));
}

describe('every fusion in a fused model', () => {
  for (const fusion of listFusions()) {
    test(`${fusion.name}: finite logits and gradients with missing modalities; the saved topology loads with the same outputs`, async () => {
      for (const missing of ['zeros', 'embedding'] as const) {
        const named = buildFusedModel({ modalities: [imagePlan('view1', [4]), imagePlan('view2', [4])], fusion: { name: fusion.name }, units: 3, seed: 2, name: 'm', init: 'glorot', missing });
        const xs = batchInputs();
        const tensors = tf.memory().numTensors;
        const variables = named.model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(named.model.apply(xs) as tf.Tensor)) as tf.Scalar, variables);
        assert.ok(Number.isFinite(value.dataSync()[0]), `${fusion.name} (${missing}): finite output`);
        for (const v of variables) {
          const g = grads[v.name];
          if (g !== undefined) assert.ok(Array.from(g.dataSync()).every(Number.isFinite), `${fusion.name} (${missing}): finite gradient of ${v.name}`);
        }
        tf.dispose([value, ...Object.values(grads)]);
        assert.equal(tf.memory().numTensors, tensors, `${fusion.name}: no tensor left by a gradient step`);

        const copy = await tfl.models.modelFromJSON(JSON.parse(named.model.toJSON(null, true) as string) as tf.serialization.ConfigDict);
        assert.equal(copy.inputs.length, 4, `${fusion.name}: the loaded model keeps every input`);
        copy.setWeights(named.model.getWeights());
        const [a, b] = tf.tidy(() => [named.model.predict(xs) as tf.Tensor, copy.predict(xs) as tf.Tensor].map((t) => Array.from(t.dataSync())));
        assertClose(b, a, 1e-6, `${fusion.name}: loaded model's logits`);
        copy.dispose();
        named.model.dispose();
        tf.dispose(xs);
      }
    });
  }
});

describe('late fusions and attention renormalize over the modalities present', () => {
  test('late-mean: with view b absent, the fused logits are view a head logits; with both, their mean', () => {
    const { model, find } = fusionModel(getFusion('late-mean'), {}, [1, 1]);
    setDense(find('f/head/a/logits'), [[2]], [1]);
    setDense(find('f/head/b/logits'), [[-1]], [0]);
    // a = 3 -> head a 7; b = 5 -> head b -5
    assertClose(predict(model, [[[3]], [[5]], [[1]], [[0]]]), [7], 1e-6, 'b absent');
    assertClose(predict(model, [[[3]], [[5]], [[1]], [[1]]]), [1], 1e-6, 'both: (7 - 5) / 2');
    assertClose(predict(model, [[[3]], [[5]], [[0]], [[0]]]), [0], 1e-6, 'none: zeros, not NaN');
    model.dispose();
  });

  test('late-weighted: learned weights renormalized over the present modalities', () => {
    const { model, find } = fusionModel(getFusion('late-weighted'), {}, [1, 1]);
    setDense(find('f/head/a/logits'), [[1]], [0]);
    setDense(find('f/head/b/logits'), [[1]], [0]);
    tf.tidy(() => find('f/weights').setWeights([tf.tensor1d([Math.log(3), 0])]));
    assertClose(predict(model, [[[4]], [[8]], [[1]], [[1]]]), [0.75 * 4 + 0.25 * 8], 1e-6, 'both');
    assertClose(predict(model, [[[4]], [[8]], [[0]], [[1]]]), [8], 1e-6, 'a absent: b alone');
    model.dispose();
  });

  test('attention: softmax of the scores over the present modalities', () => {
    const { model, find } = fusionModel(getFusion('attention'), { width: 1, projection: 'linear' }, [1, 1]);
    setDense(find('f/project/a/'), [[1]], [0]);
    setDense(find('f/project/b/'), [[1]], [0]);
    setDense(find('f/score/a/'), [[0]], [Math.log(3)]);
    setDense(find('f/score/b/'), [[0]], [0]);
    setDense(find('f/logits'), [[1]], [0]);
    assertClose(predict(model, [[[4]], [[8]], [[1]], [[1]]]), [0.75 * 4 + 0.25 * 8], 1e-6, 'weights 3/4, 1/4');
    assertClose(predict(model, [[[4]], [[8]], [[1]], [[0]]]), [4], 1e-6, 'b absent: a alone');
    model.dispose();
  });
});

describe('fusions with fixed weights, by hand', () => {
  test('gmu: h = z tanh(W_a a) + (1 - z) tanh(W_b b) with z = σ(W_z [a; b])', () => {
    const { model, find } = fusionModel(getFusion('gmu'), { size: 1 }, [1, 1]);
    setDense(find('f/features/a/'), [[1]], [0]);
    setDense(find('f/features/b/'), [[2]], [0]);
    setDense(find('f/gate'), [[1], [-1]], [0]);
    setDense(find('f/logits'), [[1]], [0]);
    const [a, b] = [0.5, 1];
    const z = 1 / (1 + Math.exp(-(a - b)));
    // z = σ(-0.5) = 0.3775; h = 0.3775 · tanh(0.5) + 0.6225 · tanh(2) = 0.7745
    assertClose(predict(model, [[[a]], [[b]], [[1]], [[1]]]), [z * Math.tanh(a) + (1 - z) * Math.tanh(2 * b)], 1e-6, 'gmu');
    model.dispose();
  });

  test('film: relu((1 + Δγ(c)) x_target + β(c)), the target chosen by name', () => {
    const { model, find } = fusionModel(getFusion('film'), { target: 'b' }, [1, 1]);
    setDense(find('f/gamma/'), [[2]], [0]);
    setDense(find('f/beta/'), [[1]], [0.5]);
    setDense(find('f/logits'), [[1]], [0]);
    // conditioning a = 1, target b = 3: (1 + 2) · 3 + 1.5 = 10.5; with b = -3 the ReLU gives 0
    assertClose(predict(model, [[[1]], [[3]], [[1]], [[1]]]), [10.5], 1e-6, 'film');
    assertClose(predict(model, [[[1]], [[-3]], [[1]], [[1]]]), [0], 1e-6, 'relu');
    model.dispose();
  });

  test('tensor: the outer product of the projections has (width + 1)^M features', () => {
    const { model, find } = fusionModel(getFusion('tensor'), { width: 3 }, [2, 5, 4]);
    assert.deepEqual(find('f/outer').outputShape, [null, 4 * 4 * 4]);
    model.dispose();
  });

  test('cross-attention: padding steps do not change the output; vectors are length-1 sequences', () => {
    const fusion = getFusion('cross-attention');
    const seq = tfl.input({ shape: [3, 2], name: 'seq' });
    const mask = tfl.input({ shape: [3], name: 'mask' });
    const vec = tfl.input({ shape: [4], name: 'vec' });
    const pa = tfl.input({ shape: [1], name: 'pa' });
    const pb = tfl.input({ shape: [1], name: 'pb' });
    const modalities: FusionInput[] = [
      { name: 'text', vector: tfl.input({ shape: [2], name: 'unused' }), sequence: seq, sequenceMask: mask, presence: pa },
      { name: 'image', vector: vec, presence: pb },
    ];
    const logits = fusion.build(fusion.options.parse({ width: 4, heads: 2 }), { modalities, units: 2, seed: 1, prefix: 'f', init: 'glorot' });
    const model = tfl.model({ inputs: [seq, mask, vec, pa, pb], outputs: logits });
    const run = (padding: number, present: [number, number]): number[] =>
      tf.tidy(() => {
        const s = tf.tensor3d([[[1, 2], [3, -1], [padding, padding]]]);
        return Array.from((model.predict([s, tf.tensor2d([[1, 1, 0]]), tf.tensor2d([[0.5, -0.5, 1, 2]]), tf.tensor2d([[present[0]]]), tf.tensor2d([[present[1]]])]) as tf.Tensor).dataSync());
      });
    assertClose(run(100, [1, 1]), run(-7, [1, 1]), 1e-5, 'padding ignored');
    assert.ok(run(0, [1, 0]).every(Number.isFinite) && run(0, [0, 0]).every(Number.isFinite), 'finite with absent modalities');
    assert.notDeepEqual(run(0, [1, 0]), run(0, [1, 1]), 'an absent modality is left out');
    model.dispose();
  });
});
