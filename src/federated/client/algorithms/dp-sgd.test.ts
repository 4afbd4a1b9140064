/**
 * DP-SGD on the client, on the cpu backend with a tiny MLP: the step equals the mean of
 * independently computed, individually clipped per-example gradients (and the plain step when
 * nothing is clipped), the noise has standard deviation zC, the client's ε follows the
 * accountant over rounds, local training learns, tensors do not leak, bad options are refused,
 * and a two-round simulation reports a rising ε from every client.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../engine/backend.js';
import { datasetSource } from '../../../engine/batch.js';
import { readParams, writeParams } from '../../../engine/flat-params.js';
import { crossEntropy } from '../../../engine/losses.js';
import { createMember, forward, trainableVariables, type Member } from '../../../engine/member.js';
import { createRng } from '../../../engine/random.js';
import { errorLike, randomValues, tempDirFactory } from '../../../engine/testing.js';
import type { Objective } from '../../../engine/objective.js';
import { trainStep, type GradientCombiner, type Gradients } from '../../../engine/train-step.js';
import { ConfigError, ShapeMismatchError } from '../../../errors.js';
import { parseClientTrainConfig, type ParsedClientTrainConfig } from '../../client-config.js';
import { dpSgdEpsilon, emptyLedger, ledgerEpsilon, spend } from '../../privacy/accountant.js';
import { secureUniforms, seededUniforms } from '../../privacy/gaussian-noise.js';
import { runSimulation } from '../../simulation/run-simulation.js';
import { createStrategy } from '../../strategies/registry.js';
import { FederatedTaskSchema, type FederatedTask } from '../../task.js';
import { LocalTrainer, perExampleStep, type LocalFitInput } from '../local-trainer.js';
import type { ClientRoundInput, PerExampleGradients } from './algorithm.js';
import { clipSumNoise, dpSgdAlgorithm, type VariableShape } from './dp-sgd.js';
import { ClientAlgorithmSpecSchema, DP_SGD_EPSILON, DP_SGD_RDP, DP_SGD_STEPS } from './options.js';
import { blobs } from '../../testing.js';

const LR = 0.1;
const DELTA = 1e-5;

function makeTask(batchNorm = false): FederatedTask {
  return FederatedTaskSchema.parse({
    model: { type: 'mlp', hidden: [4], batchNorm },
    optimizer: { name: 'sgd', learningRate: LR, momentum: 0 },
    inputShape: [3],
    numClasses: 2,
  });
}


/** A round config with DP-SGD switched on (C = 1, z = 1.1, δ = 1e-5, seeded noise) unless overridden. */
function dpConfig(extra: Record<string, unknown> = {}): ParsedClientTrainConfig {
  return parseClientTrainConfig({ localEpochs: 2, batchSize: 8, seed: 5, dpSgdClip: 1, dpSgdNoiseMultiplier: 1.1, dpSgdDelta: DELTA, dpSgdNoiseSeed: 7, ...extra });
}

/** The values of the tensor `f` computes (inside tf.tidy), as float64. */
function values(f: () => tf.Tensor): Float64Array {
  const t = tf.tidy(f);
  const out = Float64Array.from(t.dataSync());
  t.dispose();
  return out;
}

/** The gradients of `names`, concatenated flat. */
function flat(grads: Gradients, names: readonly string[]): tf.Tensor {
  return tf.concat(names.map((n) => tf.reshape(grads[n], [-1])));
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function stats(v: ArrayLike<number>): { mean: number; std: number } {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i];
  m /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return { mean: m, std: Math.sqrt(s / (v.length - 1)) };
}

describe('DP-SGD step', () => {
  let trainer: LocalTrainer;
  let member: Member;
  let vars: tf.Variable[];
  let shapes: VariableShape[];
  let initial: Float32Array;
  const data = datasetSource(blobs(12, 3));
  const indices = Int32Array.from([0, 3, 4, 7, 8, 11]);

  before(async () => {
    await selectBackend('cpu');
    trainer = new LocalTrainer(makeTask());
    initial = randomValues(trainer.size, 4).map((x) => x * 0.8);
    member = createMember({ name: 'm', model: trainer.model, optimizer: tf.train.sgd(LR) });
    vars = trainableVariables(member);
    shapes = vars.map((v) => ({ name: v.name, shape: v.shape }));
  });

  after(() => {
    member.optimizer.dispose();
    trainer.dispose();
  });

  /** Each example's gradient, computed alone: a one-example batch through tf.variableGrads. */
  function independentGradients(): Float64Array[] {
    writeParams(trainer.model, initial);
    return Array.from(indices, (i) =>
      values(() => {
        const batch = data.batch([i]);
        const { grads } = tf.variableGrads(() => crossEntropy(forward(member, batch, true).y, batch.targets.y), vars);
        return tf.concat(vars.map((v) => tf.reshape(grads[v.name], [-1])));
      }),
    );
  }

  /** The parameter change of one step, from `initial`, with the given per-example combination (or the plain mean gradient). */
  function stepDelta(batchIndices: Int32Array, combine?: (per: readonly Gradients[]) => Gradients): Float64Array {
    writeParams(trainer.model, initial);
    const plain: Objective = { name: 'plain', losses: (ctx) => ({ ce: crossEntropy(ctx.outputs[0].y, ctx.batch.targets.y) }) };
    const step: { objective: Objective; combineGradients?: GradientCombiner } = combine === undefined ? { objective: plain } : perExampleStep(vars, { combine });
    tf.tidy(() => {
      trainStep({ members: [member], ...step, batch: data.batch(batchIndices), epoch: 0, step: 0, stepsPerEpoch: 1 });
    });
    const after = readParams(trainer.model);
    return Float64Array.from(after, (v, i) => v - initial[i]);
  }

  it('with noise 0 equals −lr × the mean of the individually clipped per-example gradients', () => {
    const per = independentGradients();
    const norms = per.map(norm).sort((a, b) => a - b);
    const clip = (norms[2] + norms[3]) / 2;
    const expected = new Float64Array(per[0].length);
    for (const g of per) {
      const scale = Math.min(1, clip / norm(g));
      for (let k = 0; k < g.length; k++) expected[k] += (-LR * g[k] * scale) / per.length;
    }

    const delta = stepDelta(indices, (p) => clipSumNoise(p, shapes, { clip, noiseStd: 0, source: seededUniforms(1, 'x') }));

    assert.ok(per.filter((g) => norm(g) > clip).length === 3, 'half the examples are clipped');
    const gap = norm(delta.map((d, k) => d - expected[k]));
    assert.ok(gap < 1e-6 * Math.max(1, norm(expected)), `‖Δ − expected‖ = ${gap} (‖expected‖ = ${norm(expected)})`);
    const unclipped = stepDelta(indices);
    assert.ok(norm(unclipped.map((d, k) => d - expected[k])) > 1e-3, 'clipping changed the step');
  });

  it('clips a batch of one too (every variable goes through the combiner)', () => {
    const g = independentGradients()[0];
    const clip = norm(g) / 4;

    const delta = stepDelta(indices.subarray(0, 1), (p) => clipSumNoise(p, shapes, { clip, noiseStd: 0, source: seededUniforms(1, 'x') }));

    assert.ok(Math.abs(norm(delta) - LR * clip) < 1e-6, `‖Δ‖ = ${norm(delta)}, lr·C = ${LR * clip}`);
    const cos = delta.reduce((s, d, k) => s - d * g[k], 0) / (norm(delta) * norm(g));
    assert.ok(cos > 1 - 1e-6, `along −g (cos ${cos})`);
  });

  it('with a large clip and noise 0 equals the plain mean-gradient step', () => {
    const dp = stepDelta(indices, (p) => clipSumNoise(p, shapes, { clip: 1e6, noiseStd: 0, source: seededUniforms(1, 'x') }));
    const plain = stepDelta(indices);

    assert.ok(norm(plain) > 1e-3);
    assert.ok(norm(dp.map((d, k) => d - plain[k])) < 1e-6 * norm(plain), 'the same step');
  });
});

describe('DP-SGD noise', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  const shapes: VariableShape[] = [
    { name: 'w', shape: [100, 60] },
    { name: 'b', shape: [4000] },
  ];

  /** B per-example gradients: example i is i+1 times a fixed random direction of norm 1 (so all but the first are clipped at C = 1). */
  function perExample(batch: number): Gradients[] {
    const dir = randomValues(10000, 2);
    const n = norm(dir);
    return Array.from({ length: batch }, (_, i) => ({
      w: tf.tensor(dir.slice(0, 6000).map((x) => (x / n) * (i + 1)), [100, 60]),
      b: tf.tensor(dir.slice(6000).map((x) => (x / n) * (i + 1)), [4000]),
    }));
  }

  for (const source of [seededUniforms(3, 'noise-test'), secureUniforms()]) {
    it(`adds N(0, (zC)²) to the clipped sum before dividing by B (${source.secure ? 'cryptographic' : 'seeded'} source)`, () => {
      const batch = 4;
      const clip = 1;
      const z = 2;
      const names = shapes.map((s) => s.name);
      const residual = values(() => {
        const per = perExample(batch);
        const clean = clipSumNoise(per, shapes, { clip, noiseStd: 0, source });
        const noisy = clipSumNoise(per, shapes, { clip, noiseStd: z * clip, source });
        return tf.mul(tf.sub(flat(noisy, names), flat(clean, names)), batch);
      });

      const { mean, std } = stats(residual);
      // 10 000 draws: the sample std has a standard error of 0.7% of σ = 2, the mean one of 0.02; both bounds are 5 of those.
      assert.ok(Math.abs(std - z * clip) < 0.035 * z * clip, `std ${std}, expected ${z * clip}`);
      assert.ok(Math.abs(mean) < 0.1, `mean ${mean}`);
    });
  }

  it('clips every example to C: with noise 0 the sum of 4 examples of norms 1…4 has norm 4 at C = 1', () => {
    const out = values(() => flat(clipSumNoise(perExample(4), shapes, { clip: 1, noiseStd: 0, source: secureUniforms() }), shapes.map((s) => s.name)));
    assert.ok(Math.abs(norm(out) - 1) < 1e-5, `‖mean‖ = ${norm(out)}`);
  });

  it('draws the noise of a seeded round per client and round, reproducibly', () => {
    const trainable = [{ variable: tf.variable(tf.zeros([50]), true, 'dp-noise-test-v'), offset: 0, size: 50, shape: [50] }];
    const draw = (clientId: string, seed: number): Float32Array => {
      const input: ClientRoundInput = { clientId, config: dpConfig({ seed }), global: new Float32Array(50), extras: {}, state: {}, trainable, paramCount: 50, learningRate: LR, steps: 1, numExamples: 40 };
      const round = dpSgdAlgorithm.client.begin(input);
      const zeros = [{ [trainable[0].variable.name]: tf.zeros([50]) }];
      const out = Float32Array.from(values(() => (round.perExample as PerExampleGradients).combine(zeros)[trainable[0].variable.name]));
      tf.dispose(zeros.map((g) => Object.values(g)));
      return out;
    };
    try {
      const a = draw('c0', 1);
      assert.deepEqual(draw('c0', 1), a);
      assert.notDeepEqual(draw('c1', 1), a);
      assert.notDeepEqual(draw('c0', 2), a);
      assert.ok(norm(a) > 0);
    } finally {
      trainable[0].variable.dispose();
    }
  });
});

describe('DP-SGD local training', () => {
  let trainer: LocalTrainer;
  let global: Float32Array;
  const data = blobs(40, 1);

  before(async () => {
    await selectBackend('cpu');
    trainer = new LocalTrainer(makeTask());
    global = randomValues(trainer.size, 3).map((x) => x * 0.5);
  });

  after(() => trainer.dispose());

  function input(extra: Partial<LocalFitInput> = {}): LocalFitInput {
    return { data, clientId: 'client-0', global, config: dpConfig(), extras: {}, ...extra };
  }

  it('reports the ε of its ledger after T steps, and keeps the ledger across rounds', async () => {
    const first = await trainer.fit(input());
    const second = await trainer.fit(input({ global: first.params, clientState: first.clientState }));
    const uneven = await trainer.fit(input({ data: blobs(42, 2) }));

    const perRound = 2 * (40 / 8);
    assert.deepEqual([...first.clientState[DP_SGD_STEPS]], [perRound]);
    assert.deepEqual([...second.clientState[DP_SGD_STEPS]], [2 * perRound]);
    const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-6 * b, `${what}: ${a} vs ${b}`);
    close(first.metrics[DP_SGD_EPSILON], dpSgdEpsilon({ examples: 40, batchSize: 8, noiseMultiplier: 1.1, epochs: 2, delta: DELTA }).epsilon, 'round 1 vs dpSgdEpsilon');
    close(second.metrics[DP_SGD_EPSILON], dpSgdEpsilon({ examples: 40, batchSize: 8, noiseMultiplier: 1.1, epochs: 4, delta: DELTA }).epsilon, 'round 2 vs dpSgdEpsilon');
    close(second.metrics[DP_SGD_EPSILON], ledgerEpsilon(spend(emptyLedger(), { q: 8 / 40, noiseMultiplier: 1.1, steps: 20 }), DELTA).epsilon, 'round 2 vs the ledger');
    // 42 examples in batches of 8: 6 steps per epoch, 12 in all, each at q = 8/42.
    close(uneven.metrics[DP_SGD_EPSILON], ledgerEpsilon(spend(emptyLedger(), { q: 8 / 42, noiseMultiplier: 1.1, steps: 12 }), DELTA).epsilon, 'uneven batches vs the ledger');
    assert.ok(second.metrics[DP_SGD_EPSILON] > first.metrics[DP_SGD_EPSILON] && first.metrics[DP_SGD_EPSILON] > 0);
    assert.equal(second.clientState[DP_SGD_RDP].length, emptyLedger().orders.length);
    assert.ok(Number.isFinite(first.metrics.loss) && first.metrics.loss > 0, `loss ${first.metrics.loss}`);
    assert.ok(Object.keys(first.metrics).every((k) => !/^ex\d+$|^anchor$/.test(k)), `no per-example losses in the metrics: ${Object.keys(first.metrics).join(', ')}`);
  });

  it('learns an easy task with noise on, and reports dpSgdEpsilon', async () => {
    const big = blobs(200, 5);
    const test = blobs(60, 6);
    const cfg = dpConfig({ batchSize: 20, localEpochs: 3, dpSgdNoiseMultiplier: 1, dpSgdNoiseSeed: -1 });
    const before = trainer.evaluate(global, test);
    let params = global;
    let state = {};
    let epsilon = 0;
    for (let r = 0; r < 3; r++) {
      const result = await trainer.fit({ data: big, clientId: 'c', global: params, config: cfg, extras: {}, clientState: state });
      params = result.params;
      state = result.clientState;
      assert.ok(result.metrics[DP_SGD_EPSILON] > epsilon, `ε rises: ${result.metrics[DP_SGD_EPSILON]}`);
      epsilon = result.metrics[DP_SGD_EPSILON];
    }
    const trained = trainer.evaluate(params, test);

    assert.ok(trained.accuracy >= 0.9, `accuracy ${before.accuracy} → ${trained.accuracy}`);
    assert.ok(trained.loss < before.loss, `loss ${before.loss} → ${trained.loss}`);
    assert.ok(epsilon > 0 && Number.isFinite(epsilon));
  });

  it('does not grow tf.memory().numTensors over steps or fits', async () => {
    await trainer.fit(input());
    const start = tf.memory().numTensors;
    const perStep: number[] = [];

    for (let i = 0; i < 3; i++) await trainer.fit(input(), () => perStep.push(tf.memory().numTensors));
    await trainer.fit(input({ config: dpConfig({ dpSgdDelta: 0 }) })).catch(() => undefined);

    assert.equal(perStep.length, 3 * 10);
    assert.ok(perStep.every((n) => n === perStep[0]), `tensors per step: ${[...new Set(perStep)].join(', ')}`);
    assert.equal(tf.memory().numTensors, start);
  });

  it('refuses a batch larger than the client\'s data, bad round configs, a bad state, batch norm and FedProx alongside', async () => {
    await assert.rejects(trainer.fit(input({ config: dpConfig({ batchSize: 41 }) })), (err: unknown) => {
      assert.ok(err instanceof ConfigError && err.path === 'batchSize', String(err));
      assert.match(err.message, /batch of 41 is larger than client 'client-0''s 40 examples/);
      assert.match(err.hint ?? '', /lower the strategy's batchSize to at most 40/);
      return true;
    });
    await assert.rejects(trainer.fit(input({ config: dpConfig({ dpSgdNoiseMultiplier: 0 }) })), errorLike(ConfigError, /noise multiplier in \(0, 1000\], got 0/));
    await assert.rejects(trainer.fit(input({ config: dpConfig({ dpSgdNoiseMultiplier: 1001 }) })), errorLike(ConfigError, /dpSgdNoiseMultiplier/));
    await assert.rejects(trainer.fit(input({ config: dpConfig({ dpSgdDelta: 0 }) })), errorLike(ConfigError, /δ in \(0, 1\), got 0/));
    await assert.rejects(trainer.fit(input({ config: dpConfig({ dpSgdDelta: 1 }) })), errorLike(ConfigError, /dpSgdDelta/));
    await assert.rejects(trainer.fit(input({ clientState: { [DP_SGD_STEPS]: Float32Array.of(3) } })), errorLike(ShapeMismatchError, /dpSgdRdp/));
    await assert.rejects(trainer.fit(input({ config: dpConfig({ proximalMu: 0.1 }) })), errorLike(ConfigError, /dp-sgd computes per-example gradients, which fedprox/));
    const bn = new LocalTrainer(makeTask(true));
    try {
      await assert.rejects(bn.fit(input({ global: new Float32Array(bn.size).fill(1) })), errorLike(ConfigError, /batch normalization/));
    } finally {
      bn.dispose();
    }
    assert.throws(() => parseClientTrainConfig({ localEpochs: 1, batchSize: 8, dpSgdClip: -1 }), /dpSgdClip/);
  });
});

describe('DP-SGD spec', () => {
  const spec = (client: Record<string, unknown>): unknown => ({ aggregator: { name: 'mean' }, client: { name: 'dp-sgd', clip: 1, noiseMultiplier: 1.1, ...client } });

  it('fills δ, sends its round-config entries, and refuses bad options with a ConfigError', () => {
    assert.deepEqual(ClientAlgorithmSpecSchema.parse({ name: 'dp-sgd', clip: 2, noiseMultiplier: 0.5 }), { name: 'dp-sgd', clip: 2, noiseMultiplier: 0.5, delta: 1e-5 });
    const { config } = createStrategy(spec({ noiseSeed: 9 })).configureFit({ round: 1, global: new Float32Array(3), numClients: 4 });
    assert.deepEqual([config.dpSgdClip, config.dpSgdNoiseMultiplier, config.dpSgdDelta, config.dpSgdNoiseSeed], [1, 1.1, 1e-5, 9]);
    const off = createStrategy({ aggregator: { name: 'mean' } }).configureFit({ round: 1, global: new Float32Array(3), numClients: 4 }).config;
    assert.deepEqual([off.dpSgdClip, off.dpSgdNoiseMultiplier, off.dpSgdDelta, off.dpSgdNoiseSeed], [0, 0, 0, -1]);

    for (const [bad, field] of [
      [{ noiseMultiplier: 0 }, /noiseMultiplier/],
      [{ noiseMultiplier: -1 }, /noiseMultiplier/],
      [{ noiseMultiplier: 1001 }, /noiseMultiplier/],
      [{ delta: 0 }, /delta/],
      [{ delta: 1 }, /delta/],
      [{ clip: 0 }, /clip/],
      [{ clip: -0.5 }, /clip/],
      [{ clip: undefined }, /clip/],
      [{ noiseSeed: 1.5 }, /noiseSeed/],
    ] as const) {
      assert.throws(() => createStrategy(spec(bad)), errorLike(ConfigError, field), JSON.stringify(bad));
    }
  });
});

describe('DP-SGD in the simulation', () => {
  const tempDir = tempDirFactory('jointly-dp-sgd-');

  it('every reply of two rounds reports dpSgdEpsilon, rising between rounds', async () => {
    const csvPath = join(tempDir(), 'train.csv');
    const rng = createRng(1);
    const lines = ['f0,f1,f2,f3,label'];
    for (let i = 0; i < 120; i++) {
      const y = i % 2;
      lines.push(`${Array.from({ length: 4 }, (_, j) => ((j % 2 === y ? 1 : -0.5) + (rng.next() - 0.5)).toFixed(4)).join(',')},${['a', 'b'][y]}`);
    }
    writeFileSync(csvPath, `${lines.join('\n')}\n`);

    const r = await runSimulation({
      mode: 'federated',
      name: 'dp-sgd',
      seed: 4,
      backend: 'cpu',
      data: { dataset: 'csv', train: csvPath, testFraction: 0.2 },
      model: { type: 'mlp', hidden: [8] },
      optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0 },
      strategy: { aggregator: { name: 'mean' }, client: { name: 'dp-sgd', clip: 1, noiseMultiplier: 1.1, noiseSeed: 3 }, localEpochs: 1, batchSize: 8 },
      rounds: 2,
      sampling: { fraction: 1, minFit: 3, minAvailable: 3 },
      simulation: { clients: 3, workers: 2, partition: { method: 'iid' }, baselines: { localOnly: false, pooled: false } },
    });

    const history = r.federated.history;
    assert.equal(history.length, 2);
    const [first, second] = history.map((h) => h.clientMetrics);
    for (const h of history) assert.equal(Object.keys(h.clientMetrics).length, 3, `round ${h.round}: every client replied`);
    for (const [id, m] of Object.entries(first)) {
      const e1 = m[DP_SGD_EPSILON];
      const e2 = second[id]?.[DP_SGD_EPSILON];
      assert.ok(Number.isFinite(e1) && e1 > 0, `${id}: ε ${e1} in round 1`);
      assert.ok(e2 !== undefined && Number.isFinite(e2) && e2 > e1, `${id}: ε ${e1} → ${e2}`);
      // Each client's second round doubles its steps: its ε is that of two epochs of its own data.
      const n = m.numExamples;
      const expected = ledgerEpsilon(spend(emptyLedger(), { q: 8 / n, noiseMultiplier: 1.1, steps: 2 * Math.ceil(n / 8) }), DELTA).epsilon;
      assert.ok(Math.abs(e2 - expected) <= 1e-6 * expected, `${id}: ε ${e2} vs the ledger's ${expected}`);
    }
    assert.ok(r.federated.params.every(Number.isFinite));
  });
});
