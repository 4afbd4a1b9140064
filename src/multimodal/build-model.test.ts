/**
 * The fused and single-modality builders: inputs and heads, the seeding rule weight for weight,
 * and the checks before building, each a clear error that leaves no tensor behind.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../engine/backend.js';
import { errorLike } from '../engine/testing.js';
import { ConfigError, ShapeMismatchError, UnknownNameError } from '../errors.js';
import { buildAloneModel, buildFusedModel, type FusedModelPlan, type ModalityPlan } from './build-model.js';
import { listFusions } from './fusions/registry.js';
import type { ModalityInfo } from './preprocessor.js';

before(async () => {
  await selectBackend('cpu');
});

function imagePlan(name: string, hidden: number[] = [6], size = 5): ModalityPlan {
  const info: ModalityInfo = { kind: 'image', fields: [name], shapes: { [name]: [size] } };
  return { name, info, encoder: { type: 'mlp', options: { hidden } } };
}

function plan(overrides: Partial<FusedModelPlan> = {}): FusedModelPlan {
  return { modalities: [imagePlan('view1'), imagePlan('view2')], fusion: { name: 'concat', options: {} }, units: 3, seed: 7, name: 'fused', init: 'glorot', missing: 'zeros', ...overrides };
}

/** The model's weights whose names start with `prefix`, by name. */
function weightsUnder(model: tfl.LayersModel, prefix: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const w of model.weights) if (w.originalName.startsWith(prefix)) out.set(w.originalName, Array.from(w.read().dataSync()));
  return out;
}

/** Asserts that building throws the expected error and leaves no tensor and no variable behind. */
function assertRefused(build: () => unknown, validate: (err: unknown) => boolean): void {
  const tensors = tf.memory().numTensors;
  const variables = Object.keys(tf.engine().registeredVariables).length;
  assert.throws(build, validate);
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
  assert.equal(Object.keys(tf.engine().registeredVariables).length, variables, 'no variable left behind');
}

describe('buildFusedModel', () => {
  test('inputs are every modality field then the presences; one logits head "label"', () => {
    const named = buildFusedModel(plan());
    assert.deepEqual(named.inputs, ['view1', 'view2', 'view1.present', 'view2.present']);
    assert.deepEqual(named.heads, ['label']);
    assert.deepEqual(named.outputs, { label: 'logits' });
    assert.deepEqual(named.model.inputs.map((i) => i.shape), [[null, 5], [null, 5], [null, 1], [null, 1]]);
    assert.deepEqual(named.model.outputs[0].shape, [null, 3]);
    assert.equal(named.model.name, 'fused');
    named.model.dispose();
  });

  test('token fields are int32 inputs, float fields float32', () => {
    const info: ModalityInfo = { kind: 'tabular', fields: ['rec', 'rec.cat'], shapes: { rec: [2], 'rec.cat': [2] }, vocabSizes: { 'rec.cat': 9 }, categorySizes: [4, 5] };
    const record: ModalityPlan = { name: 'rec', info, encoder: { type: 'tabular', options: { hidden: [4] } } };
    const named = buildFusedModel(plan({ modalities: [imagePlan('img'), record] }));
    assert.deepEqual(named.inputs, ['img', 'rec', 'rec.cat', 'img.present', 'rec.present']);
    assert.deepEqual(named.model.inputs.map((i) => i.dtype), ['float32', 'float32', 'int32', 'float32', 'float32']);
    named.model.dispose();
  });

  test("'embedding' adds one missing embedding per modality, of the encoder's width", () => {
    const named = buildFusedModel(plan({ missing: 'embedding', modalities: [imagePlan('view1', [6]), imagePlan('view2', [4])] }));
    const embeddings = named.model.weights.filter((w) => w.originalName.startsWith('missing/')).map((w) => [w.originalName, w.shape]);
    assert.deepEqual(embeddings, [['missing/view1/embedding', [6]], ['missing/view2/embedding', [4]]]);
    named.model.dispose();
  });

  test('every fusion builds for three modalities when it takes them', () => {
    const modalities = [imagePlan('a', [4]), imagePlan('b', [4]), imagePlan('c', [4])];
    for (const fusion of listFusions().filter((f) => f.maxModalities === undefined || f.maxModalities >= 3)) {
      const named = buildFusedModel(plan({ modalities, fusion: { name: fusion.name, options: fusion.name === 'tensor' ? { width: 4 } : {} }, missing: 'embedding' }));
      const out = tf.tidy(() => {
        const xs = [...[0, 1, 2].map((i) => tf.randomUniform([2, 5], 0, 1, 'float32', i)), tf.tensor2d([[1], [0]]), tf.tensor2d([[1], [1]]), tf.tensor2d([[0], [1]])];
        return named.model.predict(xs) as tf.Tensor;
      });
      assert.deepEqual(out.shape, [2, 3], fusion.name);
      assert.ok(Array.from(out.dataSync()).every(Number.isFinite), `${fusion.name}: finite logits`);
      out.dispose();
      named.model.dispose();
    }
  });
});

describe('the seeding rule', () => {
  test('a single-modality model starts with exactly the encoder weights of that modality in every fused model of the seed', () => {
    const modalities = [imagePlan('view1', [6, 4]), imagePlan('view2', [4])];
    const alone = modalities.map((m) => buildAloneModel({ modality: m, units: 3, seed: 7, name: `alone-${m.name}`, init: 'torch' }));
    const expected = modalities.map((m, i) => weightsUnder(alone[i].model, `encoder/${m.name}/`));
    assert.equal(expected[0].size, 4, 'two dense layers: kernels and biases');
    for (const fusion of listFusions()) {
      for (const missing of ['zeros', 'embedding'] as const) {
        const fused = buildFusedModel(plan({ modalities, fusion: { name: fusion.name, options: {} }, init: 'torch', missing, name: `fused-${fusion.name}` }));
        modalities.forEach((m, i) => {
          const got = weightsUnder(fused.model, `encoder/${m.name}/`);
          assert.deepEqual([...got.keys()], [...expected[i].keys()], `${fusion.name}: the same encoder layers`);
          for (const [name, values] of expected[i]) assert.deepEqual(got.get(name), values, `${fusion.name} (${missing}): ${name}`);
        });
        fused.model.dispose();
      }
    }
    const other = buildAloneModel({ modality: modalities[0], units: 3, seed: 8, name: 'other-seed', init: 'torch' });
    assert.notDeepEqual(weightsUnder(other.model, 'encoder/view1/').get('encoder/view1/dense_1/kernel'), expected[0].get('encoder/view1/dense_1/kernel'));
    other.model.dispose();
    alone.forEach((a) => a.model.dispose());
  });

  test('buildAloneModel: the encoder and a dense head on the modality fields only', () => {
    const named = buildAloneModel({ modality: imagePlan('view1'), units: 4, seed: 1, name: 'alone', init: 'glorot' });
    assert.deepEqual(named.inputs, ['view1']);
    assert.deepEqual(named.heads, ['label']);
    assert.deepEqual(named.model.outputs[0].shape, [null, 4]);
    assert.deepEqual(named.model.weights.filter((w) => w.originalName.startsWith('alone-head/view1/')).map((w) => w.shape), [[6, 4], [4]]);
    named.model.dispose();
  });
});

describe('checks before building', () => {
  test('unknown encoder and unknown fusion name the valid ones', () => {
    assertRefused(() => buildFusedModel(plan({ fusion: { name: 'nope' } })), errorLike(UnknownNameError, /unknown fusion 'nope'/));
    const bad: ModalityPlan = { ...imagePlan('view2'), encoder: { type: 'resnet' } };
    assertRefused(() => buildFusedModel(plan({ modalities: [imagePlan('view1'), bad] })), errorLike(UnknownNameError, /unknown encoder 'resnet'/));
  });

  test('an encoder that does not read the modality kind', () => {
    const text: ModalityPlan = { name: 'caption', info: { kind: 'text', fields: ['caption'], shapes: { caption: [8] }, vocabSizes: { caption: 50 } }, encoder: { type: 'mlp' } };
    assertRefused(() => buildFusedModel(plan({ modalities: [imagePlan('view1'), text] })), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.path, 'modalities.caption.encoder.type');
      assert.match(err.message, /'mlp' encoder reads image or signal data, and modality 'caption' is text/);
      return true;
    });
  });

  test('fewer or more modalities than the fusion takes', () => {
    assertRefused(() => buildFusedModel(plan({ modalities: [imagePlan('view1')] })), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /'concat' fusion takes 2 or more modalities, and the model has 1/);
      assert.match(err.hint ?? '', /train this modality alone/);
      return true;
    });
    const three = [imagePlan('a'), imagePlan('b'), imagePlan('c')];
    assertRefused(() => buildFusedModel(plan({ modalities: three, fusion: { name: 'cross-attention' } })), errorLike(ConfigError, /takes exactly 2 modalities, and the model has 3/));
  });

  test('a fusion that needs equal embedding sizes given unequal ones', () => {
    for (const name of ['sum', 'product']) {
      assertRefused(() => buildFusedModel(plan({ modalities: [imagePlan('view1', [8]), imagePlan('view2', [4])], fusion: { name } })), (err) => {
        assert.ok(err instanceof ShapeMismatchError);
        assert.match(err.message, new RegExp(`'${name}' fusion needs embeddings of equal sizes, and the encoders give view1 8, view2 4`));
        assert.match(err.hint ?? '', /give the encoders the same width .* or use a fusion that projects the embeddings: concat, /);
        return true;
      });
    }
    const equal = buildFusedModel(plan({ modalities: [imagePlan('view1', [4]), imagePlan('view2', [4])], fusion: { name: 'sum' } }));
    equal.model.dispose();
  });

  test('options are checked by the fusion and encoder schemas, with the path', () => {
    assertRefused(() => buildFusedModel(plan({ fusion: { name: 'gmu', options: { hiden: [3] } } })), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /unknown option\(s\) "hiden" for fusion 'gmu'/);
      assert.match(err.hint ?? '', /size, hidden, activation, dropout/);
      return true;
    });
    const bad: ModalityPlan = { ...imagePlan('view2'), encoder: { type: 'mlp', options: { hidden: [-1] } } };
    assertRefused(() => buildFusedModel(plan({ modalities: [imagePlan('view1'), bad] })), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.path, 'modalities.view2.encoder.hidden.0');
      return true;
    });
  });

  test("fusions' own checks free what was built before them", () => {
    const four = ['a', 'b', 'c', 'd'].map((n) => imagePlan(n));
    assertRefused(() => buildFusedModel(plan({ modalities: four, fusion: { name: 'tensor' } })), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.path, 'fusion.width');
      assert.match(err.message, /1,185,921 features/);
      assert.match(err.hint ?? '', /at most 15 for 4 modalities, or use the low-rank fusion/);
      return true;
    });
    assertRefused(() => buildFusedModel(plan({ fusion: { name: 'film', options: { target: 'audio' } } })), errorLike(ConfigError, /target 'audio' is not one of the modalities \(view1, view2\)/));
    assertRefused(() => buildFusedModel(plan({ fusion: { name: 'cross-attention', options: { width: 10, heads: 4 } } })), errorLike(ConfigError, /4 heads do not divide its width 10/));
  });

  test('an encoder that refuses its fields mid-build frees the encoders built before it', () => {
    const cnnOnFlat: ModalityPlan = { ...imagePlan('view2'), encoder: { type: 'cnn' } };
    assertRefused(() => buildFusedModel(plan({ modalities: [imagePlan('view1'), cnnOnFlat] })), errorLike(ShapeMismatchError, /needs images of shape \[height, width, channels\]/));
  });

  test('repeated names, inputs named like the head, bad units and handling', () => {
    assertRefused(() => buildFusedModel(plan({ modalities: [imagePlan('view1'), imagePlan('view1')] })), errorLike(ConfigError, /'view1' is listed twice/));
    assertRefused(() => buildFusedModel(plan({ modalities: [imagePlan('view1'), imagePlan('label')] })), errorLike(ConfigError, /named 'label'/));
    assertRefused(() => buildFusedModel(plan({ units: 0 })), errorLike(ConfigError, /positive whole number/));
    assertRefused(() => buildFusedModel(plan({ missing: 'drop' as FusedModelPlan['missing'] })), errorLike(ConfigError, /unknown missing-modality handling 'drop'/));
  });
});
