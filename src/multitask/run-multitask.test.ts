import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backend-registry.js';
import { createRng } from '../engine/random.js';
import { makeFieldDataset, type FieldDataset } from '../data/fields.js';
import { ConfigError, DataMissingError } from '../errors.js';
import { MultitaskConfigSchema, type MultitaskConfigInput } from './config.js';
import { runMultitask, type MultitaskData, type MultitaskEvent, type SingleTaskCache } from './run-multitask.js';

before(async () => {
  await selectBackend('cpu');
});

/**
 * Two related tasks on 6 features: `kind` is the class of the sign pattern of (x0, x1), `score`
 * a regression on x0 + x2; `unlabelled` of the `kind` labels are missing.
 */
function tabular(n: number, seed: number, unlabelled = 0): FieldDataset {
  const rng = createRng(seed);
  const x = new Float32Array(n * 6);
  const kind = new Int32Array(n);
  const score = new Float32Array(n);
  const mask = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 6; j++) x[i * 6 + j] = rng.next() * 2 - 1;
    kind[i] = (x[i * 6] > 0 ? 1 : 0) + (x[i * 6 + 1] > 0 ? 2 : 0);
    score[i] = x[i * 6] + 0.5 * x[i * 6 + 2];
    if (rng.next() < unlabelled) mask[i] = 0;
  }
  return makeFieldDataset(
    {
      x: { kind: 'float', values: x, shape: [6] },
      kind: { kind: 'classes', labels: kind, numClasses: 4, ...(unlabelled > 0 ? { mask } : {}) },
      score: { kind: 'regression', values: score, width: 1 },
    },
    'tabular',
  );
}

function data(unlabelled = 0): (config: unknown, seed: number) => MultitaskData {
  return (_config, seed) => ({ train: tabular(256, 100 + seed, unlabelled), validation: tabular(64, 200 + seed), test: tabular(128, 300 + seed), description: 'tabular: 256 train / 64 validation / 128 test' });
}

const CONFIG: MultitaskConfigInput = {
  mode: 'multitask',
  seeds: [0, 1],
  trunk: { type: 'mlp', hidden: [16] },
  head: { hidden: [8] },
  weighting: { name: 'ew' },
  training: { epochs: 3, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.01 } },
};

test('every seed trains the multi-task model and one single-task model per task, and scores each task with its metrics', async () => {
  const events: MultitaskEvent[] = [];
  const result = await runMultitask(CONFIG, { loadData: data(), onEvent: (e) => void (e.type !== 'step' && events.push(e)) });
  assert.deepEqual(result.tasks.map((t) => [t.name, t.kind, t.metric, t.higherIsBetter]), [
    ['kind', 'classes', 'accuracy', true],
    ['score', 'regression', 'rmse', false],
  ]);
  assert.equal(result.seeds.length, 2);
  const phases = events.filter((e) => e.type === 'phase-start').map((e) => (e.type === 'phase-start' && e.phase.kind === 'single' ? `${e.seed}:${e.phase.task}` : `${e.type === 'phase-start' ? e.seed : ''}:multi`));
  assert.deepEqual(phases, ['0:multi', '0:kind', '0:score', '1:multi', '1:kind', '1:score']);
  for (const seed of result.seeds) {
    assert.deepEqual(Object.keys(seed.multi.kind), ['accuracy', 'macroF1', 'crossEntropy']);
    assert.deepEqual(Object.keys(seed.multi.score), ['rmse', 'mae', 'r2']);
    assert.ok(seed.multi.kind.accuracy > 0.4 && seed.single.kind.accuracy > 0.4, `learned something: ${seed.multi.kind.accuracy} / ${seed.single.kind.accuracy}`);
    assert.equal(seed.curves.multi.kind.length, 3, 'a validation point per epoch');
    assert.equal(seed.curves.single.score.length, 3);
    // the multi-task model has one trunk for two heads: fewer parameters than two single-task models
    assert.ok(seed.params.multi < seed.params.single.kind + seed.params.single.score);
    assert.equal(seed.weights.length, 3);
    assert.deepEqual(seed.weights[0], [1, 1], 'equal weights');
  }
});

test('a config and a seed reproduce the run exactly; another seed differs', async () => {
  const one = { ...CONFIG, seeds: [3] };
  const a = await runMultitask(one, { loadData: data() });
  const b = await runMultitask(one, { loadData: data() });
  assert.deepEqual(a.seeds[0].multi, b.seeds[0].multi);
  assert.deepEqual(a.seeds[0].single, b.seeds[0].single);
  const c = await runMultitask({ ...CONFIG, seeds: [4] }, { loadData: data() });
  assert.notDeepEqual(a.seeds[0].multi, c.seeds[0].multi);
});

test('a single-task cache trains each baseline once for runs that share it, with the same result', async () => {
  const cache: SingleTaskCache = new Map();
  const one = { ...CONFIG, seeds: [0] };
  const first = await runMultitask(one, { loadData: data(), singleTaskCache: cache });
  let singles = 0;
  const second = await runMultitask({ ...one, weighting: { name: 'pcgrad' } }, { loadData: data(), singleTaskCache: cache, onEvent: (e) => void (e.type === 'phase-start' && e.phase.kind === 'single' && singles++) });
  assert.equal(singles, 0, 'no single-task model retrained');
  assert.deepEqual(second.seeds[0].single, first.seeds[0].single);
  assert.notDeepEqual(second.seeds[0].multi, first.seeds[0].multi, 'PCGrad trained its own multi-task model');
});

test('a task 90% unlabelled trains with finite losses, and its metrics count only labelled samples', async () => {
  const losses: number[] = [];
  const result = await runMultitask({ ...CONFIG, seeds: [0], weighting: { name: 'mgda' } }, {
    loadData: data(0.9),
    onEvent: (e) => void (e.type === 'epoch' && losses.push(...Object.values(e.taskLosses))),
  });
  assert.ok(losses.every(Number.isFinite), `finite: ${losses.join(', ')}`);
  const kind = result.tasks[0];
  assert.ok(kind.labelledTrain > 0 && kind.labelledTrain < 256 * 0.2, `about 10% labelled: ${kind.labelledTrain}`);
  assert.equal(result.tasks[1].labelledTrain, 256);
  assert.ok(Number.isFinite(result.seeds[0].multi.kind.accuracy));
});

test('every tensor is freed after a run, also one that fails', async () => {
  const start = tf.memory().numTensors;
  await runMultitask({ ...CONFIG, seeds: [0], weighting: { name: 'uw' }, training: { epochs: 1, batchSize: 64 } }, { loadData: data() });
  assert.equal(tf.memory().numTensors, start);
  await assert.rejects(runMultitask({ ...CONFIG, seeds: [0], tasks: [{ name: 'kind' }, { name: 'colour' }] }, { loadData: data() }), DataMissingError);
  assert.equal(tf.memory().numTensors, start);
});

test('bad multi-task configs are refused with the field and the fix', async () => {
  const issue = (cfg: unknown): string => {
    const r = MultitaskConfigSchema.safeParse(cfg);
    assert.equal(r.success, false);
    return r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n') ?? '';
  };
  assert.match(issue({ ...CONFIG, weighting: { name: 'nope' } }), /weighting.name: unknown weighting; use one of: ew, uw, gls, dwa, rlw, famo, gradnorm, mgda, pcgrad/);
  assert.match(issue({ ...CONFIG, architecture: { name: 'tower' } }), /architecture.name: unknown architecture; use one of: hard-sharing, mmoe, cgc, ple, cross-stitch, mtan/);
  assert.match(issue({ ...CONFIG, weighting: { name: 'pcgrad', temperature: 2 } }), /unknown option\(s\) "temperature" for weighting 'pcgrad'/);
  assert.match(issue({ ...CONFIG, weighting: { name: 'ew', representation: true } }), /weighting.representation: weighting 'ew' is a loss weighting/);
  assert.match(issue({ ...CONFIG, architecture: { name: 'mmoe' }, weighting: { name: 'mgda', representation: true } }), /architecture 'mmoe' has no single representation/);
  assert.match(issue({ ...CONFIG, architecture: { name: 'mtan' } }), /trunk.type: architecture 'mtan' takes cnn trunks, not mlp/);
  assert.match(issue({ ...CONFIG, tasks: [{ name: 'kind' }], weighting: { name: 'pcgrad' } }), /tasks: gradient method 'pcgrad' needs two or more tasks/);
  // a gradient method on data with one task, found at run time
  const oneTask = (): MultitaskData => {
    const full = tabular(64, 1);
    const only = makeFieldDataset({ x: full.fields.x, kind: full.fields.kind }, 'one');
    return { train: only, test: only, description: 'one task' };
  };
  await assert.rejects(runMultitask({ ...CONFIG, weighting: { name: 'cagrad' } }, { loadData: oneTask }), (e: unknown) => e instanceof ConfigError && /needs two or more tasks/.test(e.message));
});

test('a user\'s tfjs model as the trunk: every model trains its own copy, starting from the model\'s weights, which stay as they were', async () => {
  const tfl = await import('@tensorflow/tfjs-layers');
  const trunk = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 12, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) })] });
  const before = Array.from(trunk.getWeights()[0].dataSync());
  const tensors = tf.memory().numTensors;
  const result = await runMultitask({ ...CONFIG, seeds: [0] }, { loadData: data(), trunkModel: trunk });
  assert.ok(result.seeds[0].multi.kind.accuracy > 0.4, `trained: ${result.seeds[0].multi.kind.accuracy}`);
  assert.deepEqual(Array.from(trunk.getWeights()[0].dataSync()), before, 'the user\'s model is not trained');
  assert.equal(tf.memory().numTensors, tensors, 'the copies are freed');
  await assert.rejects(runMultitask({ ...CONFIG, seeds: [0], architecture: { name: 'mmoe' } }, { loadData: data(), trunkModel: trunk }), /architecture 'mmoe' cannot use a tfjs model as its trunk/);
  assert.equal(tf.memory().numTensors, tensors);
  trunk.dispose();
});
