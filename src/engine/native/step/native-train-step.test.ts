/**
 * The whole-model native step against the tfjs step (the reference), on the native backend: two
 * copies of each model with the same seed, one trained with `engine: 'tfjs'`, the other with
 * `engine: 'native'`, on the same batches. Compared after each step: every loss, every gradient
 * (one plain-SGD step at learning rate 1 makes the change of each weight its gradient), every
 * updated weight, batch normalization's moving statistics and the optimizers' state, within
 * stated tolerances. Covers every layer type of the model specs, every optimizer, seeded dropout
 * masks and the mutual objectives (independent, DML, distillation from a teacher the objective runs
 * itself), plus objectives that reach variables directly (a weight penalty, an own variable); and
 * graph models (several inputs joined, a shared trunk with several heads, a head on an inner
 * layer) on the summed and on the per-loss path, whose combiner inputs are compared loss by loss.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { datasetSource, fieldSource, type Batch } from '../../batch.js';
import { makeFieldDataset, type Field } from '../../../data/fields.js';
import { buildGraphModel, type GraphSpecInput } from '../../graph-spec.js';
import { crossEntropy, distillationKl, maskedMean, perSampleSquaredError, stopGradient } from '../../losses.js';
import { createMember, disposeMembers, forward, trainableVariables, type Member } from '../../member.js';
import { buildModel, type ModelSpecInput } from '../../model-spec.js';
import { NATIVE_SKIP } from '../testing.js';
import type { Objective, StepContext } from '../../objective.js';
import { createOptimizer, type OptimizerSpecInput } from '../../optimizer.js';
import { createRng } from '../../random.js';
import { ObjectiveError } from '../../../errors.js';
import { trainStep, type GradientCombiner, type Gradients, type StepEngine, type StepLosses } from '../../train-step.js';
import { compileModelPlan } from './model-plan.js';

const N = 12;
const CLASSES = 4;

/** `n` seeded samples of `shape` in [0, 1) with labels, as the training loop batches them. */
function batchOf(shape: readonly number[], seed: number, n = N): Batch {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const features = Float32Array.from({ length: n * size }, () => rng.next());
  const labels = Int32Array.from({ length: n }, () => rng.int(CLASSES));
  const source = datasetSource({ features, sampleShape: shape, labels, numClasses: CLASSES });
  return tf.tidy(() => ({ ...source.batch(Int32Array.from({ length: n }, (_, i) => i)) }));
}

function disposeBatch(b: Batch): void {
  tf.dispose([...Object.values(b.inputs), ...Object.values(b.targets)]);
}

const independent: Objective = {
  name: 'independent',
  losses: (ctx: StepContext) => Object.fromEntries(ctx.members.map((m, i) => [`ce/${m.name}`, crossEntropy(ctx.outputs[i].y, ctx.batch.targets.y)])),
};

/** DML's losses: cross-entropy plus the KL to the peer's fixed predictions. */
const dml: Objective = {
  name: 'dml',
  losses(ctx) {
    const out: Record<string, tf.Scalar> = {};
    ctx.members.forEach((m, i) => {
      out[`ce/${m.name}`] = crossEntropy(ctx.outputs[i].y, ctx.batch.targets.y);
      out[`kl/${m.name}`] = distillationKl(ctx.outputs[i].y, stopGradient(ctx.outputs[1 - i].y), 2);
    });
    return out;
  },
};

/** A set of members built twice from the same seeds, one per engine. */
interface Case {
  name: string;
  specs: ModelSpecInput[];
  shape: number[];
  optimizer: OptimizerSpecInput;
  objective?: (members: Member[]) => Objective;
  steps?: number;
}

function buildMembers(c: Case, tag: string): Member[] {
  return c.specs.map((spec, i) =>
    createMember({
      name: `m${i}`,
      model: buildModel(spec, { inputShape: c.shape, numClasses: CLASSES, seed: 100 + i, name: `${tag}-${c.name}-${i}`.replace(/[^A-Za-z0-9_-]/g, '_') }),
      optimizer: createOptimizer(c.optimizer),
    }),
  );
}

/** Every weight of the members (trainable and not), flattened per variable. */
function weightsOf(members: readonly Member[]): Float32Array[] {
  return members.flatMap((m) => m.model.weights.map((w) => Float32Array.from(w.read().dataSync())));
}

async function optimizerState(members: readonly Member[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const m of members) for (const w of await m.optimizer.getWeights()) out.push(Float32Array.from(await w.tensor.data()));
  return out;
}

function assertAllClose(actual: readonly Float32Array[], expected: readonly Float32Array[], atol: number, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: count`);
  actual.forEach((a, k) => {
    assert.equal(a.length, expected[k].length, `${what}[${k}]: length`);
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - expected[k][i]);
      if (!(d <= atol + rtol * Math.abs(expected[k][i]))) assert.fail(`${what}[${k}][${i}]: native ${a[i]} vs tfjs ${expected[k][i]} (|diff| ${d})`);
    }
  });
}

/** Trains both copies side by side; compares after every step. */
async function compare(c: Case, tol: { atol: number; rtol: number } = { atol: 2e-5, rtol: 2e-4 }): Promise<void> {
  const copies: Record<StepEngine, Member[]> = { tfjs: buildMembers(c, 'tfjs'), native: buildMembers(c, 'native'), auto: [] };
  const objectives = { tfjs: c.objective?.(copies.tfjs) ?? independent, native: c.objective?.(copies.native) ?? independent };
  assertAllClose(weightsOf(copies.native), weightsOf(copies.tfjs), 0, 0, `${c.name}: initial weights`);
  let afterFirst = 0;
  for (let s = 0; s < (c.steps ?? 3); s++) {
    const batch = batchOf(c.shape, 7 + s);
    const losses: Partial<Record<'tfjs' | 'native', StepLosses>> = {};
    for (const engine of ['tfjs', 'native'] as const) {
      losses[engine] = trainStep({ members: copies[engine], objective: objectives[engine], batch, epoch: 0, step: s, stepsPerEpoch: 3, engine });
    }
    disposeBatch(batch);
    const [ln, lt] = [losses.native as StepLosses, losses.tfjs as StepLosses];
    assert.deepEqual(Object.keys(ln), Object.keys(lt), `${c.name}: loss names`);
    for (const k of Object.keys(lt)) assert.ok(Math.abs(ln[k] - lt[k]) <= 1e-5 + 1e-5 * Math.abs(lt[k]), `${c.name} step ${s}: loss ${k} native ${ln[k]} vs tfjs ${lt[k]}`);
    assertAllClose(weightsOf(copies.native), weightsOf(copies.tfjs), tol.atol, tol.rtol, `${c.name} step ${s}: weights`);
    // Optimizer slots appear in the first step; after it, steps leave no tensor behind.
    if (s === 0) afterFirst = tf.memory().numTensors;
    else assert.equal(tf.memory().numTensors, afterFirst, `${c.name} step ${s}: tensors leaked`);
  }
  assertAllClose(await optimizerState(copies.native), await optimizerState(copies.tfjs), tol.atol, tol.rtol, `${c.name}: optimizer state`);
  disposeMembers(copies.tfjs);
  disposeMembers(copies.native);
}

/** The gradients of one step: plain SGD at learning rate 1 moves each weight by minus its gradient. */
async function compareGradients(c: Omit<Case, 'optimizer'>): Promise<void> {
  const sgd: OptimizerSpecInput = { name: 'sgd', learningRate: 1 };
  const g: Record<'tfjs' | 'native', Float32Array[]> = { tfjs: [], native: [] };
  for (const engine of ['tfjs', 'native'] as const) {
    const members = buildMembers({ ...c, optimizer: sgd }, `${engine}-grad`);
    const w0 = members.flatMap((m) => trainableVariables(m).map((v) => Float32Array.from(v.dataSync())));
    const batch = batchOf(c.shape, 3);
    trainStep({ members, objective: c.objective?.(members) ?? independent, batch, epoch: 0, step: 0, stepsPerEpoch: 1, engine });
    disposeBatch(batch);
    const w1 = members.flatMap((m) => trainableVariables(m).map((v) => Float32Array.from(v.dataSync())));
    g[engine] = w0.map((w, k) => w.map((x, i) => x - w1[k][i]));
    disposeMembers(members);
  }
  assertAllClose(g.native, g.tfjs, 1e-6, 1e-4, `${c.name}: gradients`);
  assert.ok(g.tfjs.some((x) => x.some((v) => v !== 0)), `${c.name}: the gradients are not all zero`);
}

const IMAGE = [8, 8, 2];
const SPECS: Record<string, { spec: ModelSpecInput; shape: number[] }> = {
  'mlp relu': { spec: { type: 'mlp', hidden: [16, 8] }, shape: [10] },
  'mlp elu': { spec: { type: 'mlp', hidden: [16], activation: 'elu' }, shape: [10] },
  'mlp tanh': { spec: { type: 'mlp', hidden: [16], activation: 'tanh' }, shape: [10] },
  'mlp sigmoid': { spec: { type: 'mlp', hidden: [16], activation: 'sigmoid' }, shape: [10] },
  'mlp selu': { spec: { type: 'mlp', hidden: [16], activation: 'selu' }, shape: [10] },
  'mlp linear, torch init': { spec: { type: 'mlp', hidden: [16], activation: 'linear', init: 'torch' }, shape: [10] },
  'mlp batch norm': { spec: { type: 'mlp', hidden: [16, 8], batchNorm: true }, shape: [10] },
  'cnn max pool, same padding': { spec: { type: 'cnn', conv: [{ filters: 4, kernelSize: 3, pool: 'max' }, { filters: 6, kernelSize: 3, pool: 'max' }] }, shape: IMAGE },
  'cnn avg pool, valid padding, dense': { spec: { type: 'cnn', conv: [{ filters: 4, kernelSize: 3, pool: 'avg' }], padding: 'valid', dense: [12] }, shape: IMAGE },
  'cnn stride 2, no pool, pool 3': { spec: { type: 'cnn', conv: [{ filters: 4, kernelSize: 3, stride: 2, pool: 'none' }, { filters: 4, kernelSize: 2, pool: 'max', poolSize: 2 }] }, shape: [9, 9, 1] },
  'cnn batch norm': { spec: { type: 'cnn', conv: [{ filters: 4, kernelSize: 3, pool: 'max' }], dense: [8], batchNorm: true }, shape: IMAGE },
  // 5 and 20 channels: the max pool's generic path (no version compiled for the count); 16 a compiled one.
  'cnn max pool, 5, 20 and 16 channels, same padding': { spec: { type: 'cnn', conv: [{ filters: 5, kernelSize: 3, pool: 'max' }, { filters: 20, kernelSize: 3, pool: 'max' }, { filters: 16, kernelSize: 1, pool: 'max' }] }, shape: [12, 12, 2] },
  'lenet-like': { spec: { type: 'cnn', conv: [{ filters: 3, kernelSize: 5, pool: 'max' }, { filters: 4, kernelSize: 3, pool: 'max' }], padding: 'valid', dense: [10, 8] }, shape: [16, 16, 1] },
};

describe('native training step vs the tfjs step', { skip: NATIVE_SKIP }, () => {
  before(async () => {
    await tf.setBackend('native');
  });

  describe('gradients, every layer type', () => {
    for (const [name, { spec, shape }] of Object.entries(SPECS)) {
      test(name, () => compareGradients({ name, specs: [spec], shape }));
    }
    test('dropout (seeded masks)', () => compareGradients({ name: 'dropout', specs: [{ type: 'mlp', hidden: [32, 16], dropout: 0.5 }], shape: [10] }));
  });

  describe('updated weights and optimizer state over 3 steps', () => {
    const optimizers: Record<string, OptimizerSpecInput> = {
      adam: { name: 'adam', learningRate: 1e-3 },
      'sgd momentum': { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
      sgd: { name: 'sgd', learningRate: 0.05 },
    };
    for (const [opt, optimizer] of Object.entries(optimizers)) {
      for (const name of ['mlp relu', 'mlp batch norm', 'cnn max pool, same padding', 'cnn batch norm', 'lenet-like']) {
        const { spec, shape } = SPECS[name];
        test(`${opt}, ${name}`, () => compare({ name: `${opt}-${name}`, specs: [spec], shape, optimizer }));
      }
    }
    test('adam, dropout', () => compare({ name: 'adam-dropout', specs: [{ type: 'mlp', hidden: [32], dropout: 0.3 }], shape: [10], optimizer: { name: 'adam' } }));
  });

  describe('mutual objectives', () => {
    const cohort = [SPECS['mlp relu'].spec, { type: 'mlp', hidden: [12], activation: 'tanh' } as ModelSpecInput];
    test('deep mutual learning, two members', () => compare({ name: 'dml', specs: cohort, shape: [10], optimizer: { name: 'adam' }, objective: () => dml }));
    test('deep mutual learning, gradients', () => compareGradients({ name: 'dml-grad', specs: cohort, shape: [10], objective: () => dml }));
    test('distillation: the objective runs the teacher itself', () => {
      const teacher = createMember({ name: 'teacher', model: buildModel({ type: 'mlp', hidden: [8] }, { inputShape: IMAGE, numClasses: CLASSES, seed: 9, name: 'teacher' }), optimizer: createOptimizer({ name: 'sgd' }) });
      const objective = (): Objective => ({
        name: 'distillation',
        losses: (ctx) => ({ kl: distillationKl(ctx.outputs[0].y, forward(teacher, ctx.batch, false).y, 4), ce: crossEntropy(ctx.outputs[0].y, ctx.batch.targets.y) }),
      });
      return compare({ name: 'distill', specs: [SPECS['cnn max pool, same padding'].spec], shape: IMAGE, optimizer: { name: 'adam' }, objective }).finally(() => disposeMembers([teacher]));
    });
    test('a weight penalty reaches the variables directly', () =>
      compare({
        name: 'penalty',
        specs: [SPECS['mlp relu'].spec],
        shape: [10],
        optimizer: { name: 'sgd', learningRate: 0.1 },
        objective: (members) => ({
          name: 'l2',
          losses: (ctx) => ({ ce: crossEntropy(ctx.outputs[0].y, ctx.batch.targets.y), l2: tf.mul(tf.sum(tf.square(trainableVariables(members[0])[0])), 0.01) as tf.Scalar }),
        }),
      }));
  });

  test('an objective variable is trained too', () => {
    const make = (engine: 'tfjs' | 'native'): number[] => {
      const members = buildMembers({ name: `own-${engine}`, specs: [SPECS['mlp relu'].spec], shape: [10], optimizer: { name: 'adam', learningRate: 0.1 } }, engine);
      const logWeight = tf.variable(tf.scalar(0.5), true, `own-weight-${engine}`);
      const objective: Objective = { name: 'own', variables: [logWeight], losses: (ctx) => ({ ce: tf.mul(crossEntropy(ctx.outputs[0].y, ctx.batch.targets.y), tf.exp(logWeight)) as tf.Scalar }) };
      const batch = batchOf([10], 5);
      trainStep({ members, objective, batch, epoch: 0, step: 0, stepsPerEpoch: 1, engine });
      disposeBatch(batch);
      const out = [logWeight.dataSync()[0], ...weightsOf(members)[0].slice(0, 5)];
      logWeight.dispose();
      disposeMembers(members);
      return out;
    };
    const [t, n] = [make('tfjs'), make('native')];
    assert.ok(Math.abs(t[0] - 0.5) > 1e-3, 'the objective variable moved');
    t.forEach((x, i) => assert.ok(Math.abs(x - n[i]) < 1e-5, `value ${i}: native ${n[i]} vs tfjs ${x}`));
  });

  test('a smaller last batch gets its own buffers; no tensor survives a step', () => {
    const members = buildMembers({ name: 'sizes', specs: [SPECS['cnn batch norm'].spec], shape: IMAGE, optimizer: { name: 'adam' } }, 'sizes');
    const warm = batchOf(IMAGE, 1);
    trainStep({ members, objective: independent, batch: warm, epoch: 0, step: 0, stepsPerEpoch: 2, engine: 'native' });
    disposeBatch(warm);
    const before = tf.memory().numTensors;
    for (const n of [N, 5, N, 5]) {
      const b = batchOf(IMAGE, n, n);
      const losses = trainStep({ members, objective: independent, batch: b, epoch: 0, step: 1, stepsPerEpoch: 2, engine: 'native' });
      disposeBatch(b);
      assert.ok(Number.isFinite(losses['ce/m0']));
    }
    assert.equal(tf.memory().numTensors, before);
    disposeMembers(members);
  });

  test('a step it cannot run: engine native says why, auto falls back to tfjs', () => {
    const model = buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [10], numClasses: CLASSES, seed: 1, name: 'softmax-head' });
    assert.ok(!('unsupported' in compileModelPlan(model)));
    const members = buildMembers({ name: 'representation', specs: [SPECS['mlp relu'].spec, SPECS['mlp tanh'].spec], shape: [10], optimizer: { name: 'sgd' } }, 'representation');
    const batch = batchOf([10], 2);
    const representation = { member: 0, head: 'y', combine: (g: Record<string, tf.Tensor>): tf.Tensor => tf.addN(Object.values(g)) };
    assert.throws(() => trainStep({ members, objective: independent, batch, epoch: 0, step: 0, stepsPerEpoch: 1, engine: 'native', representation }), (e: unknown) => e instanceof ObjectiveError && /representation gradients of several members/.test(e.message));
    assert.doesNotThrow(() => trainStep({ members, objective: independent, batch, epoch: 0, step: 0, stepsPerEpoch: 1, representation }));
    disposeBatch(batch);
    disposeMembers(members);
    model.dispose();
  });

  test('a layer frozen after the first step is left alone (the step falls back to tfjs)', () => {
    const [member] = buildMembers({ name: 'freeze', specs: [SPECS['mlp relu'].spec], shape: [10], optimizer: { name: 'sgd', learningRate: 0.5 } }, 'freeze');
    const batch = batchOf([10], 6);
    trainStep({ members: [member], objective: independent, batch, epoch: 0, step: 0, stepsPerEpoch: 1, engine: 'native' });
    const first = member.model.layers.find((l) => l.getClassName() === 'Dense') as (typeof member.model.layers)[number];
    first.trainable = false;
    const frozen = Float32Array.from(first.getWeights()[0].dataSync());
    assert.throws(() => trainStep({ members: [member], objective: independent, batch, epoch: 0, step: 1, stepsPerEpoch: 1, engine: 'native' }), /frozen|not in a layer/);
    trainStep({ members: [member], objective: independent, batch, epoch: 0, step: 1, stepsPerEpoch: 1 });
    assert.deepEqual(Array.from(first.getWeights()[0].dataSync()), Array.from(frozen), 'the frozen kernel did not move');
    first.trainable = true;
    assert.doesNotThrow(() => trainStep({ members: [member], objective: independent, batch, epoch: 0, step: 2, stepsPerEpoch: 1, engine: 'native' }));
    disposeBatch(batch);
    disposeMembers([member]);
  });

  test('a clone of a variable keeps its values when the native step updates the variable', () => {
    const [member] = buildMembers({ name: 'clone', specs: [SPECS['mlp relu'].spec], shape: [10], optimizer: { name: 'sgd', learningRate: 0.5 } }, 'clone');
    const v = trainableVariables(member)[0];
    const snapshot = tf.clone(v);
    const copy = Float32Array.from(snapshot.dataSync());
    const batch = batchOf([10], 4);
    trainStep({ members: [member], objective: independent, batch, epoch: 0, step: 0, stepsPerEpoch: 1, engine: 'native' });
    disposeBatch(batch);
    assert.deepEqual(Array.from(snapshot.dataSync()), Array.from(copy), 'the snapshot is unchanged');
    assert.notDeepEqual(Array.from(v.dataSync()), Array.from(copy), 'the variable moved');
    snapshot.dispose();
    disposeMembers([member]);
  });
});

/** A graph test's data: an image `img` [6, 6, 2], tabular `tab` [5], classes `a` (4) and `b` (3), a regression target `r` of width 2. */
function graphSource(seed: number, n = N): ReturnType<typeof fieldSource> {
  const rng = createRng(seed);
  const floats = (length: number): Float32Array => Float32Array.from({ length }, () => rng.next());
  const fields: Record<string, Field> = {
    img: { kind: 'float', values: floats(n * 72), shape: [6, 6, 2] },
    tab: { kind: 'float', values: floats(n * 5), shape: [5] },
    a: { kind: 'classes', labels: Int32Array.from({ length: n }, () => rng.int(CLASSES)), numClasses: CLASSES },
    b: { kind: 'classes', labels: Int32Array.from({ length: n }, () => rng.int(3)), numClasses: 3 },
    r: { kind: 'regression', values: floats(n * 2), width: 2 },
  };
  return fieldSource(makeFieldDataset(fields, 'graph test'));
}

function graphBatch(seed: number): Batch {
  const source = graphSource(seed);
  return tf.tidy(() => ({ ...source.batch(Int32Array.from({ length: N }, (_, i) => i)) }));
}

const GRAPHS: Record<string, GraphSpecInput> = {
  'a shared cnn trunk, two heads': {
    type: 'graph',
    inputs: { img: {} },
    nodes: { trunk: { type: 'cnn', from: 'img', conv: [{ filters: 4, kernelSize: 3, pool: 'max' }], dense: [8] } },
    heads: { a: { from: 'trunk' }, b: { from: 'trunk', hidden: [6] } },
  },
  'two encoders and an input joined, three heads, one a regression on an encoder': {
    type: 'graph',
    inputs: { img: {}, tab: {} },
    nodes: {
      i: { type: 'cnn', from: 'img', conv: [{ filters: 3, kernelSize: 3, pool: 'avg' }], batchNorm: true },
      t: { type: 'mlp', from: 'tab', hidden: [7] },
      both: { type: 'concat', from: ['i', 't', 'tab'] },
    },
    heads: { a: { from: 'both' }, b: { from: 'both', hidden: [5] }, r: { from: 't' } },
  },
  'a head on an inner node, one after it': {
    type: 'graph',
    inputs: { tab: {} },
    nodes: { t1: { type: 'mlp', from: 'tab', hidden: [8] }, t2: { type: 'mlp', from: 't1', hidden: [6], activation: 'tanh' } },
    heads: { a: { from: 't1' }, b: { from: 't2' } },
  },
};

/** One loss per head: cross-entropy for the classes, mean squared error for the regression. */
function perHead(heads: readonly string[]): Objective {
  return {
    name: 'per-head',
    losses: (ctx) =>
      Object.fromEntries(heads.map((h) => [h, h === 'r' ? maskedMean(perSampleSquaredError(ctx.outputs[0][h], ctx.batch.targets[h])) : crossEntropy(ctx.outputs[0][h], ctx.batch.targets[h])])),
  };
}

/**
 * A combiner whose update depends on each loss's own gradient (loss k weighted 0.5 + k), recording
 * what it was given, by loss and by variable name without the model's `tag`.
 */
function recordingCombiner(record: Record<string, Record<string, Float32Array>>, tag: string): GradientCombiner {
  return (perLoss) => {
    const out: Gradients = {};
    Object.keys(perLoss).sort().forEach((loss, k) => {
      record[loss] = {};
      for (const [v, g] of Object.entries(perLoss[loss])) {
        record[loss][v.split(tag).join('')] = Float32Array.from(g.dataSync());
        const scaled = tf.mul(g, 0.5 + k);
        out[v] = out[v] === undefined ? scaled : tf.add(out[v], scaled);
      }
    });
    return out;
  };
}

/** Trains a graph model on both paths, summed or per loss; compares losses, weights, combiner inputs and optimizer state. */
async function compareGraph(name: string, spec: GraphSpecInput, optimizer: OptimizerSpecInput, perLoss: boolean): Promise<void> {
  const heads = Object.keys(spec.heads);
  const { fields } = graphSource(1);
  const slug = name.replace(/[^A-Za-z0-9]/g, '_');
  const tag = (engine: string): string => `${engine}${perLoss ? 'P' : 'S'}-${slug}`;
  const make = (engine: 'tfjs' | 'native'): Member => createMember({ name: 'g', optimizer: createOptimizer(optimizer), ...buildGraphModel(spec, { fields, seed: 21, name: tag(engine) }) });
  const copies = { tfjs: [make('tfjs')], native: [make('native')] };
  const plan = compileModelPlan(copies.native[0].model);
  assert.ok(!('unsupported' in plan), `${name}: ${'unsupported' in plan ? plan.unsupported : ''}`);
  assertAllClose(weightsOf(copies.native), weightsOf(copies.tfjs), 0, 0, `${name}: initial weights`);
  const objective = perHead(heads);
  let afterFirst = 0;
  for (let s = 0; s < 3; s++) {
    const batch = graphBatch(11 + s);
    const record: Record<'tfjs' | 'native', Record<string, Record<string, Float32Array>>> = { tfjs: {}, native: {} };
    const losses: Partial<Record<'tfjs' | 'native', StepLosses>> = {};
    for (const engine of ['tfjs', 'native'] as const) {
      const combine = perLoss ? { combineGradients: recordingCombiner(record[engine], tag(engine)), ownScales: () => ({ [heads[0]]: 0.5 }) } : {};
      losses[engine] = trainStep({ members: copies[engine], objective, batch, epoch: 0, step: s, stepsPerEpoch: 3, engine, ...combine });
    }
    disposeBatch(batch);
    const [ln, lt] = [losses.native as StepLosses, losses.tfjs as StepLosses];
    assert.deepEqual(Object.keys(ln), heads, `${name}: loss names`);
    for (const k of heads) assert.ok(Math.abs(ln[k] - lt[k]) <= 1e-5 + 1e-5 * Math.abs(lt[k]), `${name} step ${s}: loss ${k} native ${ln[k]} vs tfjs ${lt[k]}`);
    if (perLoss) {
      assert.deepEqual(Object.keys(record.native).sort(), Object.keys(record.tfjs).sort(), `${name} step ${s}: losses with shared gradients`);
      assert.ok(Object.keys(record.tfjs).length >= 2, `${name}: two or more losses share variables`);
      for (const loss of Object.keys(record.tfjs)) {
        const vars = Object.keys(record.tfjs[loss]).sort();
        assert.deepEqual(Object.keys(record.native[loss]).sort(), vars, `${name} step ${s}: variables loss ${loss} reaches`);
        assertAllClose(vars.map((v) => record.native[loss][v]), vars.map((v) => record.tfjs[loss][v]), 1e-6, 1e-4, `${name} step ${s}: loss ${loss}'s gradients`);
      }
    }
    assertAllClose(weightsOf(copies.native), weightsOf(copies.tfjs), 2e-5, 2e-4, `${name} step ${s}: weights`);
    if (s === 0) afterFirst = tf.memory().numTensors;
    else assert.equal(tf.memory().numTensors, afterFirst, `${name} step ${s}: tensors leaked`);
  }
  assertAllClose(await optimizerState(copies.native), await optimizerState(copies.tfjs), 2e-5, 2e-4, `${name}: optimizer state`);
  disposeMembers(copies.tfjs);
  disposeMembers(copies.native);
}

describe('graph models on the native step: several inputs, several heads, per-loss gradients', { skip: NATIVE_SKIP }, () => {
  before(async () => {
    await tf.setBackend('native');
  });

  for (const [name, spec] of Object.entries(GRAPHS)) {
    test(`${name}: summed losses, adam`, () => compareGraph(name, spec, { name: 'adam', learningRate: 1e-2 }, false));
    test(`${name}: per-loss gradients and a combiner, sgd momentum`, () => compareGraph(name, spec, { name: 'sgd', learningRate: 0.05, momentum: 0.9 }, true));
  }

  test('the plan of a joined model: two inputs, three outputs, one concatenation of three values', () => {
    const spec = GRAPHS['two encoders and an input joined, three heads, one a regression on an encoder'];
    const named = buildGraphModel(spec, { fields: graphSource(1).fields, seed: 3, name: 'plan-joined' });
    const plan = compileModelPlan(named.model);
    assert.ok(!('unsupported' in plan), 'unsupported' in plan ? plan.unsupported : '');
    assert.equal(plan.inputs.length, 2);
    assert.equal(plan.outputs.length, 3);
    const concats = plan.nodes.filter((node) => node.op.kind === 'concat');
    assert.equal(concats.length, 1);
    assert.equal(concats[0].inputs.length, 3);
    assert.ok(concats[0].inputs.includes(named.inputs.indexOf('tab')), 'the raw tabular input is joined too');
    named.model.dispose();
  });
});

/**
 * A trunk (dense 8, relu; dense 6, tanh) with heads `a` (4 classes) and `b` (3) on its output, and
 * the trunk's output as a third output `rep`; with `inner`, the trunk's first layer as a fourth
 * output `inner` (a loss reading it reaches the trunk around the representation). Weights from `seed`.
 */
function representationMember(tag: string, seed: number, inner = false): Member {
  const init = (k: number): { kernelInitializer: ReturnType<typeof tfl.initializers.glorotUniform> } => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + k }) });
  const x = tfl.input({ shape: [5], name: `${tag}-x` });
  const h1 = tfl.layers.dense({ units: 8, activation: 'relu', name: `${tag}-t1`, ...init(1) }).apply(x) as tfl.SymbolicTensor;
  const r = tfl.layers.dense({ units: 6, activation: 'tanh', name: `${tag}-t2`, ...init(2) }).apply(h1) as tfl.SymbolicTensor;
  const a = tfl.layers.dense({ units: CLASSES, name: `${tag}-a`, ...init(3) }).apply(r) as tfl.SymbolicTensor;
  const b = tfl.layers.dense({ units: 3, name: `${tag}-b`, ...init(4) }).apply(r) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: x, outputs: inner ? [a, b, r, h1] : [a, b, r], name: tag });
  const heads = inner ? ['a', 'b', 'rep', 'inner'] : ['a', 'b', 'rep'];
  return createMember({ name: 'g', model, inputs: ['tab'], heads, outputs: { rep: 'value', ...(inner ? { inner: 'value' as const } : {}) }, optimizer: createOptimizer({ name: 'sgd', learningRate: 0.1, momentum: 0.9 }) });
}

describe('representation gradients on the native step', { skip: NATIVE_SKIP }, () => {
  before(async () => {
    await tf.setBackend('native');
  });
  const objective = perHead(['a', 'b']);
  const representation = { head: 'rep', combine: (g: Record<string, tf.Tensor>): tf.Tensor => tf.add(tf.mul(g.a, 0.3), tf.mul(g.b, 1.7)) };

  test('heads, the combined representation gradient through the trunk, own scales: the same as tfjs over 3 steps', () => {
    const copies = { tfjs: [representationMember('rep-tfjs', 5)], native: [representationMember('rep-native', 5)] };
    assertAllClose(weightsOf(copies.native), weightsOf(copies.tfjs), 0, 0, 'initial weights');
    let afterFirst = 0;
    for (let s = 0; s < 3; s++) {
      const batch = graphBatch(30 + s);
      const losses: Partial<Record<'tfjs' | 'native', StepLosses>> = {};
      for (const engine of ['tfjs', 'native'] as const) {
        losses[engine] = trainStep({ members: copies[engine], objective, batch, epoch: 0, step: s, stepsPerEpoch: 3, engine, representation, ownScales: () => ({ a: 0.5 }) });
      }
      disposeBatch(batch);
      for (const k of ['a', 'b']) assert.ok(Math.abs((losses.native as StepLosses)[k] - (losses.tfjs as StepLosses)[k]) <= 1e-5, `step ${s}: loss ${k}`);
      assertAllClose(weightsOf(copies.native), weightsOf(copies.tfjs), 2e-5, 2e-4, `step ${s}: weights`);
      if (s === 0) afterFirst = tf.memory().numTensors;
      else assert.equal(tf.memory().numTensors, afterFirst, `step ${s}: tensors leaked`);
    }
    disposeMembers(copies.tfjs);
    disposeMembers(copies.native);
  });

  test('a loss that reaches the trunk around the representation is refused on both paths', () => {
    for (const engine of ['tfjs', 'native'] as const) {
      const member = representationMember(`rep-around-${engine}`, 5, true);
      const before = Float32Array.from(trainableVariables(member)[0].dataSync());
      const batch = graphBatch(40);
      const around: Objective = { name: 'around', losses: (ctx) => ({ a: crossEntropy(ctx.outputs[0].a, ctx.batch.targets.a), b: tf.add(crossEntropy(ctx.outputs[0].b, ctx.batch.targets.b), tf.mean(ctx.outputs[0].inner)) as tf.Scalar }) };
      assert.throws(
        () => trainStep({ members: [member], objective: around, batch, epoch: 0, step: 0, stepsPerEpoch: 1, engine, representation }),
        (e: unknown) => e instanceof ObjectiveError && /loss 'b' depends on the trunk's parameters other than through the shared representation/.test(e.message),
        engine,
      );
      disposeBatch(batch);
      assert.deepEqual(Array.from(trainableVariables(member)[0].dataSync()), Array.from(before), `${engine}: nothing was updated`);
      disposeMembers([member]);
    }
  });
});

describe('native step: graphs at the edges of what it runs', { skip: NATIVE_SKIP }, () => {
  before(async () => {
    await tf.setBackend('native');
  });
  const sgd = (): tf.Optimizer => createOptimizer({ name: 'sgd', learningRate: 0.1 });
  const init = (seed: number): { kernelInitializer: ReturnType<typeof tfl.initializers.glorotUniform> } => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed }) });

  /** A linear dense layer `d` read by head a directly and by an activation before head b: the activation must stay its own node. */
  function twoReaders(tag: string): Member {
    const x = tfl.input({ shape: [5], name: `${tag}-x` });
    const d = tfl.layers.dense({ units: 6, name: `${tag}-d`, ...init(1) }).apply(x) as tfl.SymbolicTensor;
    const a = tfl.layers.dense({ units: CLASSES, name: `${tag}-a`, ...init(2) }).apply(d) as tfl.SymbolicTensor;
    const act = tfl.layers.activation({ activation: 'relu', name: `${tag}-relu` }).apply(d) as tfl.SymbolicTensor;
    const b = tfl.layers.dense({ units: 3, name: `${tag}-b`, ...init(3) }).apply(act) as tfl.SymbolicTensor;
    return createMember({ name: 'g', model: tfl.model({ inputs: x, outputs: [a, b], name: tag }), inputs: ['tab'], heads: ['a', 'b'], optimizer: sgd() });
  }

  test('an activation on a value another layer also reads is not fused, and trains as on tfjs', () => {
    const copies = { tfjs: [twoReaders('two-tfjs')], native: [twoReaders('two-native')] };
    const plan = compileModelPlan(copies.native[0].model);
    assert.ok(!('unsupported' in plan), 'unsupported' in plan ? plan.unsupported : '');
    assert.equal(plan.nodes.filter((node) => node.op.kind === 'activation').length, 1, 'the relu stays a node');
    const dense = plan.nodes.find((node) => node.op.kind === 'dense' && node.op.layer === 'two-native-d');
    assert.ok(dense !== undefined && dense.op.kind === 'dense' && dense.op.act === 0, 'the dense layer keeps its linear output');
    const objective = perHead(['a', 'b']);
    for (let s = 0; s < 2; s++) {
      const batch = graphBatch(50 + s);
      for (const engine of ['tfjs', 'native'] as const) trainStep({ members: copies[engine], objective, batch, epoch: 0, step: s, stepsPerEpoch: 2, engine });
      disposeBatch(batch);
      assertAllClose(weightsOf(copies.native), weightsOf(copies.tfjs), 2e-5, 2e-4, `step ${s}: weights`);
    }
    disposeMembers(copies.tfjs);
    disposeMembers(copies.native);
  });

  test('a loss on an output no variable is upstream of has no gradient: refused on both per-loss paths', () => {
    for (const engine of ['tfjs', 'native'] as const) {
      const tag = `free-${engine}`;
      const x = tfl.input({ shape: [5], name: `${tag}-x` });
      const a = tfl.layers.dense({ units: CLASSES, name: `${tag}-a`, ...init(4) }).apply(x) as tfl.SymbolicTensor;
      const raw = tfl.layers.activation({ activation: 'relu', name: `${tag}-relu` }).apply(x) as tfl.SymbolicTensor;
      const member = createMember({ name: 'g', model: tfl.model({ inputs: x, outputs: [a, raw], name: tag }), inputs: ['tab'], heads: ['a', 'raw'], outputs: { raw: 'value' }, optimizer: sgd() });
      const objective: Objective = { name: 'free', losses: (ctx) => ({ a: crossEntropy(ctx.outputs[0].a, ctx.batch.targets.a), raw: tf.mean(ctx.outputs[0].raw) as tf.Scalar }) };
      const batch = graphBatch(60);
      const combineGradients: GradientCombiner = (g) => Object.values(g)[0] ?? {};
      assert.throws(() => trainStep({ members: [member], objective, batch, epoch: 0, step: 0, stepsPerEpoch: 1, engine, combineGradients }), (e: unknown) => e instanceof ObjectiveError && /loss 'raw' of free has no gradient/.test(e.message), engine);
      disposeBatch(batch);
      disposeMembers([member]);
    }
  });

  test('representation gradients of a graph with a branch beside the trunk: engine native says why, auto runs tfjs', () => {
    const tag = 'beside';
    const x = tfl.input({ shape: [5], name: `${tag}-x` });
    const r = tfl.layers.dense({ units: 6, activation: 'tanh', name: `${tag}-trunk`, ...init(5) }).apply(x) as tfl.SymbolicTensor;
    const side = tfl.layers.dense({ units: 3, activation: 'relu', name: `${tag}-side`, ...init(6) }).apply(x) as tfl.SymbolicTensor;
    const joined = tfl.layers.concatenate({ name: `${tag}-join` }).apply([r, side]) as tfl.SymbolicTensor;
    const a = tfl.layers.dense({ units: CLASSES, name: `${tag}-a`, ...init(7) }).apply(joined) as tfl.SymbolicTensor;
    const b = tfl.layers.dense({ units: 3, name: `${tag}-b`, ...init(8) }).apply(r) as tfl.SymbolicTensor;
    const member = createMember({ name: 'g', model: tfl.model({ inputs: x, outputs: [a, b, r], name: tag }), inputs: ['tab'], heads: ['a', 'b', 'rep'], outputs: { rep: 'value' }, optimizer: sgd() });
    const representation = { head: 'rep', combine: (g: Record<string, tf.Tensor>): tf.Tensor => tf.addN(Object.values(g)) };
    const batch = graphBatch(70);
    const opts = { members: [member], objective: perHead(['a', 'b']), batch, epoch: 0, step: 0, stepsPerEpoch: 1, representation };
    assert.throws(() => trainStep({ ...opts, engine: 'native' }), (e: unknown) => e instanceof ObjectiveError && /does not split into a trunk before the representation 'rep'/.test(e.message));
    const losses = trainStep(opts);
    assert.ok(Number.isFinite(losses.a) && Number.isFinite(losses.b));
    disposeBatch(batch);
    disposeMembers([member]);
  });
});
