/**
 * One training step on the models that expose the engine's multi-input, multi-head and shared
 * cases, each update checked against a hand computation in float64: a model with two named
 * inputs, a model with a softmax head and a regression head, a trunk shared by two members, and
 * a step in which only some variables get gradients (Adam keeps each variable's own moments).
 * Run on every backend available here.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { makeFieldDataset, type FieldDataset } from '../data/fields.js';
import { selectBackend } from './backend.js';
import { fieldSource } from './batch.js';
import { buildGraphModel } from './graph-spec.js';
import { crossEntropy } from './losses.js';
import { createMember, disposeMembers, forward, trainableVariables, type Member } from './member.js';
import { NATIVE_SKIP } from './native/testing.js';
import type { Objective } from './objective.js';
import { createOptimizer } from './optimizer.js';
import { assertClose, randomValues } from './testing.js';
import { planVariables, trainStep, type GradientCombiner, type Gradients } from './train-step.js';
import { ObjectiveError } from '../errors.js';

/** A row-major float64 matrix. */
interface Mat {
  rows: number;
  cols: number;
  v: Float64Array;
}

const mat = (rows: number, cols: number, values: ArrayLike<number>): Mat => ({ rows, cols, v: Float64Array.from(values) });
const at = (m: Mat, i: number, j: number): number => m.v[i * m.cols + j];
function matmul(a: Mat, b: Mat): Mat {
  const out = mat(a.rows, b.cols, new Float64Array(a.rows * b.cols));
  for (let i = 0; i < a.rows; i++) for (let k = 0; k < a.cols; k++) for (let j = 0; j < b.cols; j++) out.v[i * b.cols + j] += at(a, i, k) * at(b, k, j);
  return out;
}
function transpose(a: Mat): Mat {
  const out = mat(a.cols, a.rows, new Float64Array(a.v.length));
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out.v[j * a.rows + i] = at(a, i, j);
  return out;
}
const addBias = (a: Mat, b: ArrayLike<number>): Mat => mat(a.rows, a.cols, a.v.map((x, k) => x + b[k % a.cols]));
const add = (a: Mat, b: Mat): Mat => mat(a.rows, a.cols, a.v.map((x, k) => x + b.v[k]));
const colSums = (a: Mat): Float64Array => Float64Array.from({ length: a.cols }, (_, j) => Array.from({ length: a.rows }, (_, i) => at(a, i, j)).reduce((s, x) => s + x, 0));
const step = (w: ArrayLike<number>, g: ArrayLike<number>, lr: number): Float64Array => Float64Array.from(w, (x, k) => x - lr * g[k]);

/** dL/dz of mean softmax cross-entropy over the rows of logits z with class labels y. */
function softmaxCeGrad(z: Mat, y: readonly number[]): Mat {
  const out = mat(z.rows, z.cols, new Float64Array(z.v.length));
  for (let i = 0; i < z.rows; i++) {
    const row = Array.from({ length: z.cols }, (_, j) => at(z, i, j));
    const max = Math.max(...row);
    const e = row.map((x) => Math.exp(x - max));
    const s = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < z.cols; j++) out.v[i * z.cols + j] = (e[j] / s - (j === y[i] ? 1 : 0)) / z.rows;
  }
  return out;
}

/** dL/dr of mean squared error over the rows of r (one value each) with targets t. */
function mseGrad(r: Mat, t: readonly number[]): Mat {
  return mat(r.rows, 1, r.v.map((x, i) => (2 * (x - t[i])) / r.rows));
}

/** A dense layer's kernel and bias, read back as float64. */
function denseWeights(layer: tfl.layers.Layer): { kernel: Mat; bias: Float64Array } {
  const [k, b] = layer.getWeights();
  return { kernel: mat(k.shape[0] as number, k.shape[1] as number, k.dataSync()), bias: Float64Array.from(b.dataSync()) };
}

function values(layer: tfl.layers.Layer): Float32Array[] {
  return layer.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

function layerNamed(model: tfl.LayersModel, suffix: string): tfl.layers.Layer {
  const layer = model.layers.find((l) => l.name.endsWith(suffix));
  assert.ok(layer !== undefined, `no layer ending in ${suffix} in ${model.layers.map((l) => l.name).join(', ')}`);
  return layer;
}

function dense(name: string, units: number, seed: number, extra: Record<string, unknown> = {}): tfl.layers.Layer {
  return tfl.layers.dense({ units, name, kernelInitializer: tfl.initializers.randomUniform({ minval: -0.8, maxval: 0.8, seed }), biasInitializer: tfl.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed: seed + 100 }), ...extra });
}

/** Losses by head: cross-entropy for classes targets, mean squared error for regression ones (the names are the heads). */
function headLosses(members: readonly Member[], pick: (head: string, step: number) => boolean = () => true): Objective {
  return {
    name: 'heads',
    losses(ctx) {
      const out: Record<string, tf.Scalar> = {};
      ctx.members.forEach((m, i) => {
        for (const head of m.heads) {
          if (!pick(head, ctx.step)) continue;
          const name = ctx.members.length > 1 ? `${head}/${m.name}` : head;
          const target = ctx.batch.targets[head];
          out[name] = m.outputs[head] === 'value' ? (tf.mean(tf.square(tf.sub(ctx.outputs[i][head], target))) as tf.Scalar) : crossEntropy(ctx.outputs[i][head], target);
        }
      });
      return out;
    },
  };
}

function runStep(members: readonly Member[], objective: Objective, data: FieldDataset, opts: { step?: number; combineGradients?: GradientCombiner } = {}): Record<string, number> {
  return tf.tidy(() =>
    trainStep({ members, objective, batch: fieldSource(data).batch(Int32Array.from({ length: data.length }, (_, i) => i)), epoch: 0, step: opts.step ?? 0, stepsPerEpoch: 1, combineGradients: opts.combineGradients }),
  );
}

const N = 5;
const X3 = randomValues(N * 3, 1);
const LABELS = [0, 2, 1, 2, 0];
const TARGETS = [0.3, -0.5, 1.2, 0.1, -0.9];

const sumCombiner: (seen: string[][]) => GradientCombiner = (seen) => (perLoss) => {
  seen.push(Object.values(perLoss).flatMap((g) => Object.keys(g)));
  const out: Gradients = {};
  for (const grads of Object.values(perLoss)) for (const [name, g] of Object.entries(grads)) out[name] = out[name] === undefined ? g : tf.add(out[name], g);
  return out;
};

const BACKENDS = ['cpu', 'wasm', 'native'] as const;

for (const backend of BACKENDS) {
  describe(`joint-model steps on ${backend}`, { skip: backend === 'native' ? NATIVE_SKIP : false }, () => {
    before(async () => {
      await selectBackend(backend);
    });

    test('a graph model with two named inputs joined by concatenation: the SGD update is the hand-computed one', () => {
      // inputs a [3] and b [2], concatenated, one dense head y of 3 classes
      const data = makeFieldDataset(
        {
          b: { kind: 'float', values: randomValues(N * 2, 2), shape: [2] },
          a: { kind: 'float', values: X3, shape: [3] },
          y: { kind: 'classes', labels: Int32Array.from(LABELS), numClasses: 3 },
        },
        'two-inputs',
      );
      const named = buildGraphModel({ type: 'graph', inputs: { a: {}, b: {} }, nodes: { ab: { type: 'concat', from: ['a', 'b'] } }, heads: { y: { from: 'ab' } } }, { fields: { a: { kind: 'float', shape: [3], masked: false }, b: { kind: 'float', shape: [2], masked: false }, y: { kind: 'classes', numClasses: 3, masked: false } }, seed: 3, name: 'two-in' });
      assert.deepEqual(named.inputs, ['a', 'b']);
      const member = createMember({ name: 'two-in', optimizer: createOptimizer({ name: 'sgd', learningRate: 0.5 }), ...named });
      const head = layerNamed(member.model, '/out_1');
      const { kernel, bias } = denseWeights(head);

      runStep([member], headLosses([member]), data);

      // The model reads [a, b] in that order (the data lists b first).
      const xa = mat(N, 3, X3);
      const xb = mat(N, 2, (data.fields.b as { values: Float32Array }).values);
      const x = mat(N, 5, Array.from({ length: N }, (_, i) => [...Array.from({ length: 3 }, (_, j) => at(xa, i, j)), ...Array.from({ length: 2 }, (_, j) => at(xb, i, j))]).flat());
      const dz = softmaxCeGrad(addBias(matmul(x, kernel), bias), LABELS);
      const [k2, b2] = values(head);
      assertClose(k2, step(kernel.v, matmul(transpose(x), dz).v, 0.5), 1e-5, 'kernel');
      assertClose(b2, step(bias, colSums(dz), 0.5), 1e-5, 'bias');
      member.model.dispose();
    });

    test('a model with a softmax head and a regression head: the linear head is not log-transformed, and the update is the hand-computed one', () => {
      const input = tfl.input({ shape: [3] });
      const h = dense('trunk', 4, 11).apply(input) as tfl.SymbolicTensor;
      const cls = dense('cls', 3, 12, { activation: 'softmax' }).apply(h) as tfl.SymbolicTensor;
      const reg = dense('reg', 1, 13).apply(h) as tfl.SymbolicTensor;
      const model = tfl.model({ inputs: input, outputs: [cls, reg] });
      const member = createMember({ name: 'two-heads', model, optimizer: createOptimizer({ name: 'sgd', learningRate: 0.1 }), heads: ['cls', 'reg'], outputs: { reg: 'value' } });
      assert.deepEqual(member.outputs, { cls: 'softmax', reg: 'value' });
      const data = makeFieldDataset(
        { x: { kind: 'float', values: X3, shape: [3] }, cls: { kind: 'classes', labels: Int32Array.from(LABELS), numClasses: 3 }, reg: { kind: 'regression', values: Float32Array.from(TARGETS), width: 1 } },
        'two-heads',
      );
      // forward: the regression head is the model's own output; the softmax head comes back as log-probabilities
      const [raw, out] = tf.tidy(() => {
        const batch = fieldSource(data).batch([0, 1, 2, 3, 4]);
        const predicted = model.predict(batch.inputs.x) as tf.Tensor[];
        const f = forward(member, batch, false);
        return [predicted.map((t) => Float32Array.from(t.dataSync())), [Float32Array.from(f.cls.dataSync()), Float32Array.from(f.reg.dataSync())]];
      });
      assertClose(out[1], raw[1], 1e-6, 'regression output');
      assertClose(out[0], Array.from(raw[0], Math.log), 1e-5, 'log-probabilities');

      const A = denseWeights(layerNamed(model, 'trunk'));
      const B = denseWeights(layerNamed(model, 'cls'));
      const C = denseWeights(layerNamed(model, 'reg'));
      const losses = runStep([member], headLosses([member]), data);
      assert.deepEqual(Object.keys(losses), ['cls', 'reg']);

      const x = mat(N, 3, X3);
      const hid = addBias(matmul(x, A.kernel), A.bias);
      const dz = softmaxCeGrad(addBias(matmul(hid, B.kernel), B.bias), LABELS);
      const dr = mseGrad(addBias(matmul(hid, C.kernel), C.bias), TARGETS);
      const dh = add(matmul(dz, transpose(B.kernel)), matmul(dr, transpose(C.kernel)));
      const lr = 0.1;
      assertClose(values(layerNamed(model, 'cls'))[0], step(B.kernel.v, matmul(transpose(hid), dz).v, lr), 1e-5, 'softmax head kernel');
      assertClose(values(layerNamed(model, 'reg'))[0], step(C.kernel.v, matmul(transpose(hid), dr).v, lr), 1e-5, 'regression head kernel');
      assertClose(values(layerNamed(model, 'reg'))[1], step(C.bias, colSums(dr), lr), 1e-5, 'regression head bias');
      assertClose(values(layerNamed(model, 'trunk'))[0], step(A.kernel.v, matmul(transpose(x), dh).v, lr), 1e-5, 'trunk kernel');
      assertClose(values(layerNamed(model, 'trunk'))[1], step(A.bias, colSums(dh), lr), 1e-5, 'trunk bias');
      model.dispose();
    });

    for (const combine of [false, true]) {
      test(`a trunk shared by two members is stepped once, with the sum of both losses' gradients${combine ? ' (per-loss path: only the trunk reaches the combiner)' : ''}`, () => {
        const trunkModel = tfl.sequential({ layers: [dense('shared-trunk', 3, 21, { inputShape: [3] })] });
        const memberOn = (name: string, seed: number, lr: number): Member => {
          const input = tfl.input({ shape: [3] });
          const out = dense(`${name}-head`, 3, seed).apply(trunkModel.apply(input) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
          return createMember({ name, model: tfl.model({ inputs: input, outputs: out }), optimizer: createOptimizer({ name: 'sgd', learningRate: lr }) });
        };
        const a = memberOn('a', 22, 0.1);
        const b = memberOn('b', 23, 0.3);
        const plan = planVariables([a, b], headLosses([a, b]));
        assert.equal(plan.variables.length, 6, 'trunk kernel and bias once, two heads');
        const trunkVars = trainableVariables(a).filter((v) => trainableVariables(b).includes(v)).map((v) => v.name);
        assert.equal(trunkVars.length, 2);
        for (const v of trunkVars) assert.equal(plan.optimizerOf.get(v), a.optimizer, 'the first member steps the shared trunk');

        const T = denseWeights(trunkModel.layers[0]);
        const HA = denseWeights(layerNamed(a.model, 'a-head'));
        const HB = denseWeights(layerNamed(b.model, 'b-head'));
        const data = makeFieldDataset({ x: { kind: 'float', values: X3, shape: [3] }, y: { kind: 'classes', labels: Int32Array.from(LABELS), numClasses: 3 } }, 'shared');
        const seen: string[][] = [];
        runStep([a, b], headLosses([a, b]), data, combine ? { combineGradients: sumCombiner(seen) } : {});
        if (combine) assert.deepEqual([...new Set(seen.flat())].sort(), [...trunkVars].sort(), 'the combiner saw the shared trunk only');

        const x = mat(N, 3, X3);
        const hid = addBias(matmul(x, T.kernel), T.bias);
        const dza = softmaxCeGrad(addBias(matmul(hid, HA.kernel), HA.bias), LABELS);
        const dzb = softmaxCeGrad(addBias(matmul(hid, HB.kernel), HB.bias), LABELS);
        const dh = add(matmul(dza, transpose(HA.kernel)), matmul(dzb, transpose(HB.kernel)));
        const gT = matmul(transpose(x), dh).v;
        const [tk] = values(trunkModel.layers[0]);
        assertClose(tk, step(T.kernel.v, gT, 0.1), 1e-5, 'trunk kernel: one step of lr 0.1 with the summed gradient');
        // the measured update is exactly one step (a double step would give a ratio of 2)
        const ratio = Array.from(tk, (w, k) => (T.kernel.v[k] - w) / (0.1 * gT[k])).filter((_, k) => Math.abs(gT[k]) > 1e-3);
        ratio.forEach((r) => assert.ok(Math.abs(r - 1) < 1e-3, `update ratio ${r}`));
        assertClose(values(layerNamed(a.model, 'a-head'))[0], step(HA.kernel.v, matmul(transpose(hid), dza).v, 0.1), 1e-5, 'head a (its own lr)');
        assertClose(values(layerNamed(b.model, 'b-head'))[0], step(HB.kernel.v, matmul(transpose(hid), dzb).v, 0.3), 1e-5, 'head b (its own lr)');
        disposeMembers([a, b]);
      });
    }

    for (const combine of [false, true]) {
      test(`a step in which only some variables get gradients: Adam keeps each variable's own moments (hand computation${combine ? ', per-loss path' : ''})`, () => {
        // x [3] -> trunk (2 units) -> heads t1 and t2 (1 value each). Step 0 has t1's loss and an L2
        // penalty on the trunk's kernel (so two losses share the trunk), step 1 t2's loss only.
        const input = tfl.input({ shape: [3] });
        const h = dense('trunk', 2, 31).apply(input) as tfl.SymbolicTensor;
        const model = tfl.model({ inputs: input, outputs: [dense('t1', 1, 32).apply(h) as tfl.SymbolicTensor, dense('t2', 1, 33).apply(h) as tfl.SymbolicTensor] });
        const lr = 0.05;
        const member = createMember({ name: 'partial', model, optimizer: createOptimizer({ name: 'adam', learningRate: lr }), heads: ['t1', 't2'], outputs: { t1: 'value', t2: 'value' } });
        const t2 = TARGETS.map((t) => -t);
        const data = makeFieldDataset(
          { x: { kind: 'float', values: X3, shape: [3] }, t1: { kind: 'regression', values: Float32Array.from(TARGETS), width: 1 }, t2: { kind: 'regression', values: Float32Array.from(t2), width: 1 } },
          'partial',
        );
        const byHead = headLosses([member], (head, s) => (s === 0 ? head === 't1' : head === 't2'));
        const trunkKernel = layerNamed(model, 'trunk').trainableWeights[0].read() as tf.Variable;
        const L2 = 0.3;
        const objective: Objective = {
          name: 'partial',
          losses: (ctx) => ({ ...byHead.losses(ctx), ...(ctx.step === 0 ? { l2: tf.mul(L2 / 2, tf.sum(tf.square(trunkKernel))) as tf.Scalar } : {}) }),
        };
        const A = denseWeights(layerNamed(model, 'trunk'));
        const B1 = denseWeights(layerNamed(model, 't1'));
        const B2 = denseWeights(layerNamed(model, 't2'));
        const seen: string[][] = [];
        const opts = combine ? { combineGradients: sumCombiner(seen) } : {};
        runStep([member], objective, data, { step: 0, ...opts });
        runStep([member], objective, data, { step: 1, ...opts });

        // Adam by hand, per variable, with that variable's own step count.
        const [b1, b2, eps] = [0.9, 0.999, 1e-8];
        const adam = (w: ArrayLike<number>, grads: ArrayLike<number>[]): Float64Array => {
          const out = Float64Array.from(w);
          const m = new Float64Array(out.length);
          const v = new Float64Array(out.length);
          grads.forEach((g, s) => {
            const t = s + 1;
            for (let k = 0; k < out.length; k++) {
              m[k] = b1 * m[k] + (1 - b1) * g[k];
              v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
              out[k] -= (lr * (m[k] / (1 - b1 ** t))) / (Math.sqrt(v[k] / (1 - b2 ** t)) + eps);
            }
          });
          return out;
        };
        const x = mat(N, 3, X3);
        // step 0: gradients of t1's loss at the initial weights
        const hid0 = addBias(matmul(x, A.kernel), A.bias);
        const dr1 = mseGrad(addBias(matmul(hid0, B1.kernel), B1.bias), TARGETS);
        const dh0 = matmul(dr1, transpose(B1.kernel));
        const gA0 = add(matmul(transpose(x), dh0), mat(3, 2, A.kernel.v.map((w) => L2 * w)));
        const gAb0 = colSums(dh0);
        const A1 = mat(3, 2, adam(A.kernel.v, [gA0.v]));
        const Ab1 = adam(A.bias, [gAb0]);
        // step 1: gradients of t2's loss at the trunk after step 0 (t2 itself is still initial)
        const hid1 = addBias(matmul(x, A1), Ab1);
        const dr2 = mseGrad(addBias(matmul(hid1, B2.kernel), B2.bias), t2);
        const dh1 = matmul(dr2, transpose(B2.kernel));
        const tol = 2e-5;
        assertClose(values(layerNamed(model, 't1'))[0], adam(B1.kernel.v, [matmul(transpose(hid0), dr1).v]), tol, 't1 kernel: one step, untouched since');
        assertClose(values(layerNamed(model, 't2'))[0], adam(B2.kernel.v, [matmul(transpose(hid1), dr2).v]), tol, 't2 kernel: its first Adam step');
        assertClose(values(layerNamed(model, 't2'))[1], adam(B2.bias, [colSums(dr2)]), tol, 't2 bias: its first Adam step');
        assertClose(values(layerNamed(model, 'trunk'))[0], adam(A.kernel.v, [gA0.v, matmul(transpose(x), dh1).v]), tol, 'trunk kernel: two Adam steps');
        assertClose(values(layerNamed(model, 'trunk'))[1], adam(A.bias, [gAb0, colSums(dh1)]), tol, 'trunk bias: two Adam steps');
        // step 0 shared the trunk kernel between t1's loss and the penalty; step 1 shared nothing
        if (combine) assert.deepEqual(seen, [[trunkKernel.name, trunkKernel.name]]);
        member.optimizer.dispose();
        model.dispose();
      });
    }
  });
}

describe('objectives that own variables', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  for (const combine of [false, true]) {
  test(`an objective's own variable is differentiated and updated in the same step (uncertainty-style weight, hand computation${combine ? ', per-loss path' : ''})`, () => {
    // loss = exp(-s)·ce + s: the gradient for s is 1 − exp(-s)·ce, stepped with the first member's SGD.
    // On the per-loss path the two terms are two losses that share s (the combiner sums them).
    const input = tfl.input({ shape: [3] });
    const model = tfl.model({ inputs: input, outputs: dense('y', 3, 41).apply(input) as tfl.SymbolicTensor });
    const member = createMember({ name: 'm', model, optimizer: createOptimizer({ name: 'sgd', learningRate: 0.2 }) });
    const s = tf.variable(tf.scalar(0.4), true, 'log-variance');
    const objective: Objective = {
      name: 'weighted',
      variables: [s],
      losses: (ctx): Record<string, tf.Scalar> => {
        const ce = crossEntropy(ctx.outputs[0].y, ctx.batch.targets.y);
        const weighted = tf.mul(tf.exp(tf.neg(s)), ce) as tf.Scalar;
        return combine ? { weighted, regularizer: tf.mul(s, 1) as tf.Scalar } : { weighted: tf.add(weighted, s) as tf.Scalar };
      },
      dispose: () => s.dispose(),
    };
    const plan = planVariables([member], objective);
    assert.equal(plan.optimizerOf.get(s.name), member.optimizer);
    const W = denseWeights(model.layers[1]);
    const data = makeFieldDataset({ x: { kind: 'float', values: X3, shape: [3] }, y: { kind: 'classes', labels: Int32Array.from(LABELS), numClasses: 3 } }, 'weighted');
    const seen: string[][] = [];
    runStep([member], objective, data, combine ? { combineGradients: sumCombiner(seen) } : {});
    if (combine) assert.deepEqual(seen, [[s.name, s.name]], 'the combiner gets s, which both losses reach; the model is one loss\'s own');

    const x = mat(N, 3, X3);
    const z = addBias(matmul(x, W.kernel), W.bias);
    let ce = 0;
    for (let i = 0; i < N; i++) {
      const row = [0, 1, 2].map((j) => at(z, i, j));
      const max = Math.max(...row);
      ce += -(row[LABELS[i]] - max - Math.log(row.reduce((acc, v) => acc + Math.exp(v - max), 0))) / N;
    }
    assertClose(s.dataSync(), [0.4 - 0.2 * (1 - Math.exp(-0.4) * ce)], 1e-5, 's');
    const dz = mat(N, 3, softmaxCeGrad(z, LABELS).v.map((g) => g * Math.exp(-0.4)));
    assertClose(values(model.layers[1])[0], step(W.kernel.v, matmul(transpose(x), dz).v, 0.2), 1e-5, 'kernel scaled by exp(-s)');
    objective.dispose?.();
    disposeMembers([member]);
  });
  }

  test("an objective may bring its own optimizer for its variables", () => {
    const input = tfl.input({ shape: [3] });
    const model = tfl.model({ inputs: input, outputs: dense('y', 3, 42).apply(input) as tfl.SymbolicTensor });
    const member = createMember({ name: 'm', model, optimizer: createOptimizer({ name: 'sgd', learningRate: 0.2 }) });
    const w = tf.variable(tf.scalar(1), true, 'own-weight');
    const own = createOptimizer({ name: 'sgd', learningRate: 0.5 });
    const objective: Objective = { name: 'own', variables: [w], optimizer: own, losses: (ctx) => ({ l: tf.mul(w, crossEntropy(ctx.outputs[0].y, ctx.batch.targets.y)) as tf.Scalar }) };
    assert.equal(planVariables([member], objective).optimizerOf.get(w.name), own);
    const data = makeFieldDataset({ x: { kind: 'float', values: X3, shape: [3] }, y: { kind: 'classes', labels: Int32Array.from(LABELS), numClasses: 3 } }, 'own');
    const before = tf.tidy(() => {
      const batch = fieldSource(data).batch([0, 1, 2, 3, 4]);
      return crossEntropy(forward(member, batch, false).y, batch.targets.y).dataSync()[0];
    });
    runStep([member], objective, data);
    // d(w·ce)/dw = ce, stepped with the objective's lr 0.5
    assertClose(w.dataSync(), [1 - 0.5 * before], 1e-5, 'w');
    w.dispose();
    own.dispose();
    disposeMembers([member]);
  });
});

describe('the gradient combiner', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  /** A trunk with two heads and a loss per head: the trunk is shared, so the combiner is called. */
  function twoHeads(): { member: Member; data: FieldDataset; objective: Objective } {
    const input = tfl.input({ shape: [3] });
    const h = dense('trunk', 2, 51).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [dense('t1', 1, 52).apply(h) as tfl.SymbolicTensor, dense('t2', 1, 53).apply(h) as tfl.SymbolicTensor] });
    const member = createMember({ name: 'c', model, optimizer: createOptimizer({ name: 'sgd', learningRate: 0.1 }), heads: ['t1', 't2'], outputs: { t1: 'value', t2: 'value' } });
    const data = makeFieldDataset(
      { x: { kind: 'float', values: X3, shape: [3] }, t1: { kind: 'regression', values: Float32Array.from(TARGETS), width: 1 }, t2: { kind: 'regression', values: Float32Array.from(TARGETS), width: 1 } },
      'combiner',
    );
    return { member, data, objective: headLosses([member]) };
  }

  test('a combiner that throws leaves no tensor, no tape and no update behind', () => {
    const { member, data, objective } = twoHeads();
    runStep([member], objective, data); // the optimizer's first step makes no slots (plain SGD), but warm up anyway
    const tensors = tf.memory().numTensors;
    const before = values(layerNamed(member.model, 't1'));
    assert.throws(
      () =>
        runStep([member], objective, data, {
          combineGradients: () => {
            throw new RangeError('combiner bug');
          },
        }),
      /combiner bug/,
    );
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal((tf.engine() as unknown as { state: { activeTape: unknown } }).state.activeTape, null);
    assert.deepEqual(values(layerNamed(member.model, 't1')), before, 'the heads were not updated either');
    disposeMembers([member]);
  });

  test('a combiner that returns a gradient for a variable it was not given, or of the wrong shape, is an ObjectiveError naming it; nothing is updated', () => {
    const { member, data, objective } = twoHeads();
    const head = layerNamed(member.model, 't1').trainableWeights[0].read() as tf.Variable;
    const trunk = layerNamed(member.model, 'trunk').trainableWeights[0].read() as tf.Variable;
    const before = values(layerNamed(member.model, 'trunk'));
    assert.throws(() => runStep([member], objective, data, { combineGradients: () => ({ [head.name]: tf.zerosLike(head) }) }), (err: unknown) => err instanceof ObjectiveError && err.message.includes(`'${head.name}'`) && /one loss alone reaches/.test(err.message));
    assert.throws(() => runStep([member], objective, data, { combineGradients: () => ({ [trunk.name]: tf.zeros([5]) }) }), (err: unknown) => err instanceof ObjectiveError && /shape \[5\]/.test(err.message) && err.message.includes(`[${trunk.shape.join(', ')}]`));
    assert.deepEqual(values(layerNamed(member.model, 'trunk')), before);
    disposeMembers([member]);
  });
});
