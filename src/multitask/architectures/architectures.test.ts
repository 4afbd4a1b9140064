import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend.js';
import type { ModelSpec } from '../../engine/model-spec.js';
import { errorLike, randomValues } from '../../engine/testing.js';
import { ConfigError, UnknownNameError } from '../../errors.js';
import type { ArchitectureBuild, HeadPlan, RegisteredArchitecture } from '../architecture.js';
import { MLP_TRUNK_ARCHITECTURES, MODEL_TRUNK_ARCHITECTURES } from './build-checks.js';
import { crossStitchInit } from './cross-stitch-unit.js';
import { ARCHITECTURE_NAMES, getArchitecture, listArchitectures } from './registry.js';

before(async () => {
  await selectBackend('cpu');
});

const MLP: ModelSpec = { type: 'mlp', hidden: [6, 5], activation: 'relu', dropout: 0.1, batchNorm: false, init: 'torch' };
const CNN: ModelSpec = {
  type: 'cnn',
  conv: [
    { filters: 3, kernelSize: 3, stride: 1, pool: 'max', poolSize: 2 },
    { filters: 4, kernelSize: 3, stride: 1, pool: 'max', poolSize: 2 },
  ],
  padding: 'same',
  dense: [6],
  activation: 'relu',
  dropout: 0,
  batchNorm: false,
  init: 'torch',
};
const TRUNKS = { mlp: { spec: MLP, inputShape: [8] }, cnn: { spec: CNN, inputShape: [12, 12, 1] } } as const;
const HEADS: readonly HeadPlan[] = [
  { task: 'a', units: 3, output: 'logits' },
  { task: 'b', units: 2, output: 'value' },
];

let serial = 0;
/** A build with a fresh model name (tfjs makes weight names unique across the process). */
function makeBuild(trunk: ArchitectureBuild['trunk'], inputShape: readonly number[], heads: readonly HeadPlan[], extra: Partial<ArchitectureBuild> = {}): ArchitectureBuild {
  return {
    input: 'x',
    inputShape,
    heads,
    trunk,
    head: { hidden: [4], activation: 'relu', dropout: 0.2, init: 'torch' },
    seed: 7,
    name: `m${serial++}`,
    withRepresentation: false,
    ...extra,
  };
}

function buildWith(arch: RegisteredArchitecture, b: ArchitectureBuild, raw: unknown = {}): tfl.LayersModel {
  return arch.build(arch.options.parse(raw), b).model;
}

/** Weight values by name with the model-name prefix stripped. */
function weightsByName(model: tfl.LayersModel): Map<string, { shape: number[]; values: number[] }> {
  const out = new Map<string, { shape: number[]; values: number[] }>();
  const prefix = `${model.name}/`;
  for (const w of model.weights) {
    assert.ok(w.originalName.startsWith(prefix), `weight ${w.originalName} is not prefixed with the model name ${model.name}`);
    out.set(w.originalName.slice(prefix.length), { shape: [...w.shape] as number[], values: Array.from(w.read().dataSync()) });
  }
  return out;
}

function sampleInput(inputShape: readonly number[], batch: number): tf.Tensor {
  const size = batch * inputShape.reduce((a, b) => a * b, 1);
  return tf.tensor(randomValues(size, 11), [batch, ...inputShape]);
}

describe('architecture registry', () => {
  test('lists the six architectures and refuses an unknown name with the list', () => {
    assert.deepEqual([...ARCHITECTURE_NAMES], ['hard-sharing', 'mmoe', 'cgc', 'ple', 'cross-stitch', 'mtan']);
    assert.equal(getArchitecture('mmoe').name, 'mmoe');
    assert.throws(() => getArchitecture('moe'), errorLike(UnknownNameError, /unknown architecture 'moe'/));
    try {
      getArchitecture('moe');
    } catch (err) {
      assert.match((err as UnknownNameError).hint ?? '', /hard-sharing, mmoe, cgc, ple, cross-stitch, mtan/);
    }
  });

  test('the trunk-kind lists in error hints match the registry', () => {
    assert.deepEqual(listArchitectures().filter((a) => a.trunks.includes('model')).map((a) => a.name), [...MODEL_TRUNK_ARCHITECTURES]);
    assert.deepEqual(listArchitectures().filter((a) => a.trunks.includes('mlp')).map((a) => a.name), [...MLP_TRUNK_ARCHITECTURES]);
  });

  for (const arch of listArchitectures()) {
    test(`${arch.name}: options default from {}, refuse unknown keys, optionNames match the schema`, () => {
      const parsed = arch.options.parse({}) as Record<string, unknown>;
      for (const key of Object.keys(parsed)) assert.ok(arch.optionNames.includes(key), `${key} in optionNames`);
      assert.throws(() => arch.options.parse({ notAnOption: 1 }));
      assert.ok(arch.summary.length > 0 && arch.reference.length > 0);
    });
  }
});

for (const arch of listArchitectures()) {
  for (const kind of (['mlp', 'cnn'] as const).filter((k) => arch.trunks.includes(k))) {
    describe(`${arch.name} on a${kind === 'mlp' ? 'n' : ''} ${kind} trunk`, () => {
      const { spec, inputShape } = TRUNKS[kind];

      test('builds one output per task with the task units', () => {
        const model = buildWith(arch, makeBuild(spec, inputShape, HEADS));
        assert.equal(model.outputs.length, 2);
        assert.deepEqual(model.outputs.map((o) => o.shape), [
          [null, 3],
          [null, 2],
        ]);
        for (const layer of model.layers) assert.ok(layer.name.startsWith(`${model.name}/`), `layer ${layer.name} prefixed`);
        model.dispose();
      });

      test('a single-task build of task b starts from the same weights as its parts in the multi-task model', () => {
        const multi = buildWith(arch, makeBuild(spec, inputShape, HEADS));
        const single = buildWith(arch, makeBuild(spec, inputShape, [HEADS[1]]));
        const all = weightsByName(multi);
        const own = weightsByName(single);
        assert.ok(own.size >= 4, `single-task model has ${own.size} weights`);
        assert.ok(all.size > own.size, 'the multi-task model has more weights');
        for (const [name, w] of own) {
          const m = all.get(name);
          assert.ok(m !== undefined, `single-task weight ${name} is missing from the multi-task model`);
          assert.deepEqual(m.shape, w.shape, `${name}: shape`);
          assert.deepEqual(m.values, w.values, `${name}: initial values`);
        }
        // Task a's head is not task b's: the seed follows the task's name.
        assert.notDeepEqual(all.get('head/a/dense_1/kernel')?.values, all.get('head/b/dense_1/kernel')?.values);
        multi.dispose();
        single.dispose();
      });

      test('forward and gradient are finite, learned mixing gets gradients, no tensor leaks', () => {
        const model = buildWith(arch, makeBuild(spec, inputShape, HEADS));
        const x = sampleInput(inputShape, 4);
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const before = tf.memory().numTensors;
        const preds = model.predict(x) as tf.Tensor[];
        for (const p of preds) assert.ok(Array.from(p.dataSync()).every(Number.isFinite), 'finite outputs');
        tf.dispose(preds);
        const { value, grads } = tf.variableGrads(() => {
          const outs = model.apply(x, { training: true }) as tf.Tensor[];
          return tf.addN(outs.map((o) => tf.sum(o))) as tf.Scalar;
        }, vars);
        assert.ok(Number.isFinite(value.dataSync()[0]));
        const mixing = model.trainableWeights.filter((w) => /\/(gate|cross-stitch|attention)\//.test(w.originalName));
        if (arch.name !== 'hard-sharing') assert.ok(mixing.length > 0, 'has gates, units or attention');
        for (const w of model.trainableWeights) {
          const g = grads[(w.read() as tf.Variable).name];
          assert.ok(g !== undefined, `gradient of ${w.originalName}`);
          const values = Array.from(g.dataSync());
          assert.ok(values.every(Number.isFinite), `finite gradient of ${w.originalName}`);
          if (mixing.includes(w) && /kernel|alpha/.test(w.originalName)) {
            assert.ok(values.some((v) => v !== 0), `nonzero gradient of ${w.originalName}`);
          }
        }
        value.dispose();
        tf.dispose(grads);
        assert.equal(tf.memory().numTensors, before, 'no tensor leak');
        x.dispose();
        model.dispose();
      });

      test('round-trips through toJSON and modelFromJSON (custom layers registered)', async () => {
        const model = buildWith(arch, makeBuild(spec, inputShape, HEADS));
        const json = JSON.parse(model.toJSON(null, true) as string) as tf.serialization.ConfigDict;
        const copy = await tfl.models.modelFromJSON(json);
        copy.setWeights(model.getWeights());
        const x = sampleInput(inputShape, 3);
        const a = model.predict(x) as tf.Tensor[];
        const b = copy.predict(x) as tf.Tensor[];
        assert.equal(b.length, a.length);
        a.forEach((t, i) => assert.deepEqual(Array.from(b[i].dataSync()), Array.from(t.dataSync())));
        tf.dispose([x, ...a, ...b]);
        copy.dispose();
        model.dispose();
      });
    });
  }
}

describe('architecture specifics', () => {
  test('hard-sharing outputs the shared representation last when asked', () => {
    const model = buildWith(getArchitecture('hard-sharing'), makeBuild(MLP, [8], HEADS, { withRepresentation: true }));
    assert.deepEqual(model.outputs.map((o) => o.shape), [
      [null, 3],
      [null, 2],
      [null, 5],
    ]);
    model.dispose();
  });

  test("hard-sharing applies a user's tfjs model as trunk; the others refuse it naming hard-sharing", () => {
    const user = tfl.sequential({ layers: [tfl.layers.dense({ units: 5, inputShape: [8], activation: 'relu' })] });
    const model = buildWith(getArchitecture('hard-sharing'), makeBuild(user, [8], HEADS, { withRepresentation: true }));
    assert.equal(model.outputs.length, 3);
    assert.ok(model.trainableWeights.some((w) => w === user.trainableWeights[0]), 'the trunk model shares its weights');
    for (const name of ['mmoe', 'cgc', 'ple', 'cross-stitch', 'mtan']) {
      assert.throws(() => buildWith(getArchitecture(name), makeBuild(user, [8], HEADS)), errorLike(ConfigError, /trunk/, /tfjs model/));
      try {
        buildWith(getArchitecture(name), makeBuild(user, [8], HEADS));
      } catch (err) {
        assert.match((err as ConfigError).hint ?? '', /hard-sharing/);
      }
    }
    model.dispose(); // also disposes the trunk model it contains
  });

  test('mtan refuses an mlp trunk, naming the architectures that take one', () => {
    assert.throws(() => buildWith(getArchitecture('mtan'), makeBuild(MLP, [8], HEADS)), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /mtan needs a cnn trunk/);
      assert.match(err.hint ?? '', /use hard-sharing, mmoe.* for mlp trunks/);
      return true;
    });
  });

  test('architectures without a shared representation refuse withRepresentation', () => {
    for (const name of ['mmoe', 'cgc', 'ple', 'cross-stitch', 'mtan']) {
      assert.throws(() => buildWith(getArchitecture(name), makeBuild(CNN, [12, 12, 1], HEADS, { withRepresentation: true })), errorLike(ConfigError, /no single shared representation/));
    }
  });

  test('bad heads are refused: none, duplicated, unusable names, a task called shared in cgc', () => {
    const hs = getArchitecture('hard-sharing');
    assert.throws(() => buildWith(hs, makeBuild(MLP, [8], [])), errorLike(ConfigError, /no task heads/));
    assert.throws(() => buildWith(hs, makeBuild(MLP, [8], [HEADS[0], HEADS[0]])), errorLike(ConfigError, /appears twice/));
    assert.throws(() => buildWith(hs, makeBuild(MLP, [8], [{ task: 'a b', units: 2, output: 'logits' }])), errorLike(ConfigError, /cannot be used/));
    assert.throws(() => buildWith(getArchitecture('cgc'), makeBuild(MLP, [8], [{ task: 'shared', units: 2, output: 'logits' }])), errorLike(ConfigError, /shared/));
  });

  test('ple with one level is exactly cgc (same layers and initial weights)', () => {
    const a = buildWith(getArchitecture('ple'), makeBuild(MLP, [8], HEADS), { levels: 1 });
    const b = buildWith(getArchitecture('cgc'), makeBuild(MLP, [8], HEADS));
    const wa = weightsByName(a);
    const wb = weightsByName(b);
    assert.deepEqual([...wa.keys()].sort(), [...wb.keys()].sort());
    for (const [name, w] of wa) assert.deepEqual(w.values, wb.get(name)?.values, name);
    a.dispose();
    b.dispose();
  });

  test('ple levels: two levels add a shared gate over all experts and dense level experts of levelUnits', () => {
    const model = buildWith(getArchitecture('ple'), makeBuild(CNN, [12, 12, 1], HEADS), { levels: 2, levelUnits: 7, taskExperts: 2 });
    const w = weightsByName(model);
    // Level-0 shared gate: one dense per expert group (1 shared, 2 per task), on the flat 144-pixel input.
    assert.deepEqual(w.get('gate/shared/shared/gate_1/kernel')?.shape, [144, 1]);
    assert.deepEqual(w.get('gate/shared/a/gate_1/kernel')?.shape, [144, 2]);
    assert.deepEqual(w.get('gate/shared/b/gate_1/kernel')?.shape, [144, 2]);
    // Level-1 experts: one dense layer of 7 on the 6-wide level-0 mixture; no shared gate at the last level.
    assert.deepEqual(w.get('level/1/expert/shared/0/dense_1/kernel')?.shape, [6, 7]);
    assert.deepEqual(w.get('level/1/gate/a/gate_1/kernel')?.shape, [6, 3]);
    assert.ok(![...w.keys()].some((k) => k.startsWith('level/1/gate/shared')));
    model.dispose();
  });

  test('mmoe has the asked number of experts, each with its own weights', () => {
    const model = buildWith(getArchitecture('mmoe'), makeBuild(MLP, [8], HEADS), { experts: 3 });
    const w = weightsByName(model);
    assert.deepEqual(w.get('gate/a/gate_1/kernel')?.shape, [8, 3]);
    const k0 = w.get('expert/0/dense_1/kernel')?.values;
    const k2 = w.get('expert/2/dense_1/kernel')?.values;
    assert.ok(k0 !== undefined && k2 !== undefined);
    assert.notDeepEqual(k0, k2);
    assert.equal(w.get('expert/3/dense_1/kernel'), undefined);
    model.dispose();
  });

  test('cross-stitch units start at 0.9 / 0.1 for two tasks, and a single task has none', () => {
    const model = buildWith(getArchitecture('cross-stitch'), makeBuild(CNN, [12, 12, 1], HEADS));
    const units = [...weightsByName(model)].filter(([k]) => k.startsWith('cross-stitch/'));
    assert.equal(units.length, 3, 'after two conv blocks and one dense layer');
    for (const [, u] of units) assert.deepEqual(u.values, Array.from(crossStitchInit(2, 0.9)));
    assert.deepEqual(Array.from(crossStitchInit(2, 0.9)).map((v) => Math.round(v * 100) / 100), [0.9, 0.1, 0.1, 0.9]);
    const single = buildWith(getArchitecture('cross-stitch'), makeBuild(CNN, [12, 12, 1], [HEADS[0]]));
    assert.ok(![...weightsByName(single).keys()].some((k) => k.startsWith('cross-stitch/')));
    model.dispose();
    single.dispose();
  });

  test("mtan's shared trunk is hard sharing's trunk, weight for weight", () => {
    const m = weightsByName(buildWith(getArchitecture('mtan'), makeBuild(CNN, [12, 12, 1], HEADS, { name: 'mtan-trunk' })));
    const h = weightsByName(buildWith(getArchitecture('hard-sharing'), makeBuild(CNN, [12, 12, 1], HEADS, { name: 'hs-trunk' })));
    const trunk = [...h].filter(([k]) => k.startsWith('trunk/'));
    assert.equal(trunk.length, 6, 'two convs and one dense, kernel and bias each');
    for (const [k, w] of trunk) assert.deepEqual(m.get(k)?.values, w.values, k);
  });
});
