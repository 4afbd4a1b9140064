import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, ShapeMismatchError } from '../errors.js';
import type { FieldInfo } from '../data/fields.js';
import { selectBackend } from './backend-registry.js';
import { buildGraphModel, GraphSpecSchema, type GraphSpecInput } from './graph-spec.js';
import { checkMemberFields, createMember, disposeMembers, forward, trainableVariables } from './member.js';
import { loadNamedModel, saveModel } from './model-io.js';
import { readParams } from './flat-params.js';
import { createOptimizer } from './optimizer.js';
import { assertClose, errorLike, randomValues, tempDirFactory } from './testing.js';

const tempDir = tempDirFactory('jointly-graph-');

before(async () => {
  await selectBackend('cpu');
});

const FIELDS: Record<string, FieldInfo> = {
  image: { kind: 'float', shape: [8, 8, 1], masked: false },
  tabular: { kind: 'float', shape: [5], masked: false },
  text: { kind: 'tokens', maxLength: 6, vocabSize: 20, masked: false },
  label: { kind: 'classes', numClasses: 4, masked: true },
  age: { kind: 'regression', width: 1, masked: false },
  flags: { kind: 'multilabel', width: 3, masked: false },
};

const TWO_MODALITIES: GraphSpecInput = {
  type: 'graph',
  inputs: { image: {}, tabular: {} },
  nodes: {
    img: { type: 'cnn', from: 'image', conv: [{ filters: 4 }], dense: [8] },
    tab: { type: 'mlp', from: 'tabular', hidden: [6] },
    both: { type: 'concat', from: ['img', 'tab'] },
  },
  heads: { label: { from: 'both' }, age: { from: 'both', output: 'value', hidden: [4] } },
};

/** Predictions of a named model on a fixed batch, per head. */
function predict(model: tfl.LayersModel, inputs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const out = model.predict(inputs.length === 1 ? inputs[0] : inputs);
    return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
  });
}

describe('graph model specs', () => {
  const inputs: tf.Tensor[] = [];
  before(() => {
    inputs.push(tf.tensor(randomValues(3 * 64, 1), [3, 8, 8, 1]), tf.tensor(randomValues(15, 2), [3, 5]));
  });
  after(() => tf.dispose(inputs));

  test('one encoder per modality joined by concatenation, two heads: names in order, output kinds, widths from the data', () => {
    const named = buildGraphModel(TWO_MODALITIES, { fields: FIELDS, seed: 1, name: 'mm' });
    assert.deepEqual(named.inputs, ['image', 'tabular']);
    assert.deepEqual(named.heads, ['label', 'age']);
    assert.deepEqual(named.outputs, { label: 'logits', age: 'value' });
    assert.deepEqual(named.model.outputs.map((o) => o.shape), [[null, 4], [null, 1]]);
    assert.ok(named.model.layers.every((l) => l.name.startsWith('mm/')), named.model.layers.map((l) => l.name).join(', '));
    const member = createMember({ name: 'mm', optimizer: createOptimizer({ name: 'sgd' }), ...named });
    assert.doesNotThrow(() => checkMemberFields(member, FIELDS));
    const out = tf.tidy(() => {
      const f = forward(member, { inputs: { image: inputs[0], tabular: inputs[1] }, targets: {}, labels: {}, size: 3 }, false);
      return { label: f.label.shape, age: f.age.shape };
    });
    assert.deepEqual(out, { label: [3, 4], age: [3, 1] });
    // the wrong shape for an input is named
    assert.throws(() => checkMemberFields(member, { ...FIELDS, tabular: { kind: 'float', shape: [7], masked: false } }), errorLike(ShapeMismatchError, /expects input 'tabular' of shape \[5\] but the data has samples of shape \[7\]/));
    assert.throws(() => checkMemberFields(member, { ...FIELDS, age: { kind: 'classes', numClasses: 1, masked: false } }), errorLike(ShapeMismatchError, /head 'age' of model 'mm' outputs value but its target is classes/));
    disposeMembers([member]);
  });

  test('a head on a regression target defaults to a value; two image-shaped sources can be concatenated', () => {
    const fields: Record<string, FieldInfo> = { ...FIELDS, depth: { kind: 'float', shape: [8, 8, 1], masked: false } };
    const named = buildGraphModel({ type: 'graph', inputs: { image: {}, depth: {} }, nodes: { both: { type: 'concat', from: ['image', 'depth'] } }, heads: { age: { from: 'both' }, label: { from: 'both' } } }, { fields, seed: 0 });
    assert.deepEqual(named.outputs, { age: 'value', label: 'logits' });
    assert.deepEqual(named.model.outputs[0].shape, [null, 1]);
    named.model.dispose();
  });

  test('the same spec and seed give the same weights; each node and head draws its own seeds', () => {
    const a = buildGraphModel(TWO_MODALITIES, { fields: FIELDS, seed: 5 });
    const b = buildGraphModel(TWO_MODALITIES, { fields: FIELDS, seed: 5 });
    const c = buildGraphModel(TWO_MODALITIES, { fields: FIELDS, seed: 6 });
    assert.deepEqual(readParams(a.model), readParams(b.model));
    assert.notDeepEqual(readParams(a.model), readParams(c.model));
    // renaming a head does not change the encoders' initial weights
    const renamed = buildGraphModel({ ...TWO_MODALITIES, heads: { label: { from: 'both' }, years: { from: 'both', output: 'value', hidden: [4] } } }, { fields: { ...FIELDS, years: FIELDS.age }, seed: 5 });
    const convKernel = (m: tfl.LayersModel): Float32Array => Float32Array.from(m.layers.find((l) => l.getClassName() === 'Conv2D')?.getWeights()[0].dataSync() ?? []);
    assert.deepEqual(convKernel(renamed.model), convKernel(a.model));
    for (const m of [a, b, c, renamed]) m.model.dispose();
  });

  test('a token input is int32 (from the field) and feeds a tfjs model given in code', () => {
    const encoder = tfl.sequential({ layers: [tfl.layers.embedding({ inputDim: 20, outputDim: 4, inputLength: 6 }), tfl.layers.globalAveragePooling1d()] });
    const named = buildGraphModel({ type: 'graph', inputs: { text: {} }, nodes: { enc: { type: 'model', from: 'text', model: encoder } }, heads: { flags: { from: 'enc' } } }, { fields: FIELDS, seed: 0 });
    assert.equal(named.model.inputs[0].dtype, 'int32');
    const member = createMember({ name: 'text', optimizer: createOptimizer({ name: 'sgd' }), ...named });
    assert.doesNotThrow(() => checkMemberFields(member, FIELDS));
    const shape = tf.tidy(() => forward(member, { inputs: { text: tf.tensor2d([[1, 2, 3, 0, 0, 0]], [1, 6], 'int32') }, targets: {}, labels: {}, size: 1 }, false).flags.shape);
    assert.deepEqual(shape, [1, 3]);
    // a float field cannot feed it
    assert.throws(() => checkMemberFields(member, { ...FIELDS, text: { kind: 'float', shape: [6], masked: false } }), errorLike(ShapeMismatchError, /takes input 'text' as int32/));
    disposeMembers([member]);
  });

  test('a tfjs model used as a node in two graphs is one trunk: the two members share its variables', () => {
    const trunk = tfl.sequential({ layers: [tfl.layers.dense({ units: 6, inputShape: [5], activation: 'relu' })] });
    const spec = (head: string): GraphSpecInput => ({ type: 'graph', inputs: { tabular: {} }, nodes: { trunk: { type: 'model', from: 'tabular', model: trunk } }, heads: { [head]: { from: 'trunk' } } });
    const a = createMember({ name: 'a', optimizer: createOptimizer({ name: 'sgd' }), ...buildGraphModel(spec('label'), { fields: FIELDS, seed: 1, name: 'a' }) });
    const b = createMember({ name: 'b', optimizer: createOptimizer({ name: 'sgd' }), ...buildGraphModel(spec('age'), { fields: { ...FIELDS, age: { kind: 'classes', numClasses: 2, masked: false } }, seed: 1, name: 'b' }) });
    const shared = trainableVariables(a).filter((v) => trainableVariables(b).includes(v));
    assert.equal(shared.length, 2, 'the trunk kernel and bias');
    disposeMembers([a, b]);
  });

  test('invalid graphs are refused with the path and the reason', () => {
    const bad: [unknown, RegExp][] = [
      [{ ...TWO_MODALITIES, nodes: { both: { type: 'concat', from: ['img', 'tab'] } } }, /'img' is neither an input nor an earlier node/],
      [{ type: 'graph', inputs: { image: {}, tabular: {} }, heads: { label: { from: 'image' } } }, /input 'tabular' feeds no node or head/],
      [{ type: 'graph', inputs: { x: {} }, nodes: { x: { type: 'mlp', from: 'x' } }, heads: { y: { from: 'x' } } }, /'x' is already the name of an input/],
      [{ type: 'graph', inputs: { x: {} }, nodes: { n: { type: 'model', from: 'x', model: 'trunk.json' } }, heads: { y: { from: 'n' } } }, /a tfjs LayersModel made with jointly's tfjs-layers .*model nodes are made in code, not in config files/],
      [{ type: 'graph', inputs: {}, heads: { y: { from: 'x' } } }, /at least one input/],
      [{ type: 'graph', inputs: { x: {} }, heads: { y: { from: 'x', output: 'probabilities' } } }, /output/],
    ];
    for (const [spec, pattern] of bad) {
      const parsed = GraphSpecSchema.safeParse(spec);
      assert.equal(parsed.success, false, JSON.stringify(spec));
      assert.match(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n') ?? '', pattern);
    }
    assert.throws(() => buildGraphModel({ type: 'graph', inputs: { x: {} }, heads: { y: { from: 'x', units: 2 } } }, { seed: 0 }), errorLike(ConfigError, /inputs\.x\.shape: graph input 'x' has no shape: the data has no field of that name/));
    assert.throws(() => buildGraphModel({ type: 'graph', inputs: { x: { shape: [3] } }, heads: { y: { from: 'x' } } }, { seed: 0 }), errorLike(ConfigError, /heads\.y\.units: head 'y' has no size/));
    assert.throws(() => buildGraphModel({ type: 'graph', inputs: { tabular: {} }, heads: { label: { from: 'tabular', units: 7 } } }, { fields: FIELDS, seed: 0 }), errorLike(ShapeMismatchError, /head 'label' has 7 units but the data's target 'label' has width 4/));
  });

  test('saved and loaded with its input and head names and output kinds; the same predictions', async () => {
    const named = buildGraphModel(TWO_MODALITIES, { fields: FIELDS, seed: 2, name: 'saved-mm' });
    const dir = tempDir();
    await saveModel(named, dir);
    const loaded = await loadNamedModel(dir);
    assert.deepEqual({ inputs: loaded.inputs, heads: loaded.heads, outputs: loaded.outputs }, { inputs: ['image', 'tabular'], heads: ['label', 'age'], outputs: { label: 'logits', age: 'value' } });
    predict(named.model, inputs).forEach((p, i) => assertClose(predict(loaded.model, inputs)[i], p, 1e-6, `head ${i}`));
    named.model.dispose();
    loaded.model.dispose();
  });
});
