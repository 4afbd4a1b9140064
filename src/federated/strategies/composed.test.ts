/**
 * Strategies composed from parts: the spec (defaults, field-level errors, unknown names), names
 * and titles, the round config and expected extras, new combinations (Krum + FedAdam, trimmed
 * mean + FedProx, median + momentum + SCAFFOLD) against their parts' pure functions, checkpoints,
 * and a round whose last part fails leaving every part's state as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointError, ConfigError, RoundRefusedError, UnknownNameError } from '../../errors.js';
import { errorLike, randomValues } from '../../engine/testing.js';
import { adaptiveStep } from '../aggregate/adaptive.js';
import { krumSelect } from '../aggregate/krum.js';
import { EXTRA_CONTROL_DELTA } from '../client-config.js';
import { FederatedConfigSchema, runFingerprint } from '../config.js';
import type { FitReply, RoundContext } from '../strategy.js';
import { ComposedStrategy } from './composed.js';
import { StrategySpecSchema, strategyName } from './options.js';
import { AGGREGATORS, CLIENT_ALGORITHMS, createStrategy, SERVER_OPTIMIZERS } from './registry.js';
import { DP_SGD_CONFIG_OFF } from '../client/algorithms/options.js';
import { TRANSFORMS_CONFIG_OFF } from '../client/transforms/options.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);
const DIM = 5;

function replies(global: Float32Array, seed: number, n = 7, outlier = true): FitReply[] {
  return Array.from({ length: n }, (_, k) => {
    const noise = randomValues(DIM, seed * 10 + k);
    const params = global.map((g, i) => g + 0.2 + 0.05 * noise[i] + (outlier && k === 3 ? 50 : 0));
    return { clientId: `c${k}`, params, numExamples: 5 + k, metrics: { loss: 1 }, extras: { [EXTRA_CONTROL_DELTA]: randomValues(DIM, 100 + k) } };
  });
}

test('a composed spec fills the parts\' defaults; its name joins the part names and its title their titles', () => {
  const s = createStrategy({ aggregator: { name: 'krum' } });

  assert.ok(s instanceof ComposedStrategy);
  assert.deepEqual(s.spec, { aggregator: { name: 'krum', byzantine: 1 }, serverOptimizer: { name: 'plain', serverLearningRate: 1 }, client: { name: 'plain' }, localEpochs: 1, batchSize: 32 });
  assert.equal(s.name, 'krum+plain+plain');
  assert.equal(s.title, 'Krum with f=1');
  const full = new ComposedStrategy({ aggregator: { name: 'trimmed-mean' }, serverOptimizer: { name: 'adam' }, client: { name: 'fedprox' } });
  assert.equal(full.name, 'trimmed-mean+adam+fedprox');
  assert.equal(full.title, 'trimmed mean with beta=0.2 + server Adam (η=0.1) + FedProx clients (μ=0.01)');
  assert.equal(strategyName(StrategySpecSchema.parse({ aggregator: { name: 'median' }, client: { name: 'scaffold' } })), 'median+plain+scaffold');
  assert.equal(strategyName(StrategySpecSchema.parse({ name: 'fedavg' })), 'fedavg');
});

test('the config schema accepts presets and composed specs, and the run fingerprint tells the parts apart', () => {
  const base = { mode: 'federated' as const, model: { type: 'mlp' as const, hidden: [4] } };
  const krumAdam = FederatedConfigSchema.parse({ ...base, strategy: { aggregator: { name: 'krum', byzantine: 1 }, serverOptimizer: { name: 'adam', serverLearningRate: 0.1 }, client: { name: 'fedprox', proximalMu: 0.01 }, localEpochs: 2, batchSize: 16 } });
  const krumYogi = FederatedConfigSchema.parse({ ...base, strategy: { aggregator: { name: 'krum', byzantine: 1 }, serverOptimizer: { name: 'yogi' }, client: { name: 'fedprox' }, localEpochs: 2, batchSize: 16 } });
  const preset = FederatedConfigSchema.parse({ ...base, strategy: { name: 'krum' } });

  assert.equal(krumAdam.strategy.localEpochs, 2);
  assert.equal(preset.strategy.name, 'krum');
  assert.notEqual(runFingerprint(krumAdam, 'simulation'), runFingerprint(krumYogi, 'simulation'));
  const bad = FederatedConfigSchema.safeParse({ ...base, strategy: { aggregator: { name: 'krum', byzantine: -1 } } });
  assert.ok(!bad.success);
  assert.deepEqual(bad.error.issues[0].path, ['strategy', 'aggregator', 'byzantine']);
  const unknown = FederatedConfigSchema.safeParse({ ...base, strategy: { aggregator: { name: 'geomed' } } });
  assert.ok(!unknown.success);
  assert.deepEqual(unknown.error.issues[0].path, ['strategy', 'aggregator', 'name']);
  assert.match(unknown.error.issues[0].message, /use one of: mean, median/);
});

test('an unknown part name is an UnknownNameError listing the valid names of that part', () => {
  const cases: [unknown, RegExp, string][] = [
    [{ aggregator: { name: 'geomed' } }, /unknown aggregator 'geomed'/, 'use one of: mean, median, trimmed-mean, krum, multikrum, bulyan'],
    [{ aggregator: { name: 'mean' }, serverOptimizer: { name: 'lamb' } }, /unknown server optimizer 'lamb'/, 'use one of: plain, momentum, adam, yogi, adagrad'],
    [{ aggregator: { name: 'mean' }, client: { name: 'ditto' } }, /unknown client algorithm 'ditto'/, 'use one of: plain, fedprox, scaffold, dp-sgd'],
  ];
  for (const [spec, message, hint] of cases) {
    assert.throws(() => createStrategy(spec), (err: unknown) => {
      assert.ok(err instanceof UnknownNameError);
      assert.match(err.message, message);
      assert.equal(err.hint, hint);
      return true;
    });
  }
});

test('a bad option is a ConfigError naming the field; an unknown one lists the valid ones', () => {
  assert.throws(() => createStrategy({ aggregator: { name: 'krum', byzantine: -1 } }), (err: unknown) => err instanceof ConfigError && err.path === 'aggregator.byzantine');
  assert.throws(() => createStrategy({ aggregator: { name: 'mean' }, serverOptimizer: { name: 'adam', beta1: 1 } }), errorLike(ConfigError, /^serverOptimizer\.beta1: /));
  assert.throws(() => createStrategy({ aggregator: { name: 'mean' }, client: { name: 'fedprox', proximalMu: 0 } }), errorLike(ConfigError, /^client\.proximalMu: /));
  assert.throws(() => createStrategy({ aggregator: { name: 'mean' }, localEpochs: 0 }), errorLike(ConfigError, /^localEpochs: /));
  assert.throws(() => createStrategy({ aggregator: { name: 'krum', f: 2 } }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.path, 'aggregator.f');
    assert.match(err.message, /unknown option\(s\) "f" for aggregator 'krum'/);
    assert.equal(err.hint, 'its options are byzantine');
    return true;
  });
  assert.throws(() => createStrategy({ aggregator: { name: 'mean' }, rounds: 3 }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /unknown option\(s\) "rounds" for a composed strategy/);
    assert.equal(err.hint, 'its options are aggregator, serverOptimizer, client, privacy, secureAggregation, compression, localEpochs, batchSize');
    return true;
  });
  assert.throws(() => createStrategy({ client: { name: 'fedprox' } }), errorLike(ConfigError, /^aggregator: /));
  assert.throws(() => createStrategy({ aggregator: 'krum' }), errorLike(ConfigError, /^aggregator: must be an object/));
  assert.throws(() => createStrategy({ aggregator: {} }), errorLike(ConfigError, /^aggregator\.name: missing/));
});

test('Krum + FedAdam: Krum\'s pick, then Adam\'s step, over two rounds', () => {
  const s = createStrategy({ aggregator: { name: 'krum', byzantine: 1 }, serverOptimizer: { name: 'adam' } });
  let global = randomValues(DIM, 1);
  let m = new Float32Array(DIM) as Float32Array;
  let v = new Float32Array(DIM) as Float32Array;
  for (let round = 1; round <= 2; round++) {
    const ctx: RoundContext = { round, global, numClients: 7 };
    const rs = replies(global, round);
    const { config, extras, replyExtras } = s.configureFit(ctx);

    const out = s.aggregateFit(ctx, rs, []);

    assert.deepEqual(config, { localEpochs: 1, batchSize: 32, proximalMu: 0, scaffold: false, ...DP_SGD_CONFIG_OFF, ...TRANSFORMS_CONFIG_OFF });
    assert.deepEqual(extras, {});
    assert.equal(replyExtras, undefined);
    const winner = krumSelect(rs.map((r) => r.params), { byzantine: 1 }).selected[0];
    assert.notEqual(winner, 3, 'the outlier is not picked');
    const want = adaptiveStep({ rule: 'adam', global, average: rs[winner].params, m, v, serverLearningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3 });
    assert.deepEqual(out.params, want.params);
    assert.deepEqual([out.metrics.kept, out.metrics.rejected, out.metrics.serverStep], [1, 6, round]);
    ({ m, v } = want);
    global = out.params;
  }
  assert.deepEqual(s.getState(), { scalars: { steps: 2 }, vectors: { m, v } });
});

test('trimmed mean + FedProx: clients are told μ, the server trims', () => {
  const s = createStrategy({ aggregator: { name: 'trimmed-mean', beta: 0.2 }, client: { name: 'fedprox', proximalMu: 0.05 }, localEpochs: 3 });
  const global = randomValues(DIM, 2);
  const ctx: RoundContext = { round: 1, global, numClients: 7 };

  assert.deepEqual(s.configureFit(ctx).config, { localEpochs: 3, batchSize: 32, proximalMu: 0.05, scaffold: false, ...DP_SGD_CONFIG_OFF, ...TRANSFORMS_CONFIG_OFF });
  const out = s.aggregateFit(ctx, replies(global, 1), []);
  assert.equal(out.metrics.trimmedPerEnd, 1);
  assert.ok(Math.max(...out.params.map((p, i) => Math.abs(p - global[i]))) < 1, 'the outlier (+50) is trimmed away');
});

test('median + momentum + SCAFFOLD: the server expects Δc, keeps both states, and resumes from a checkpoint exactly', () => {
  const spec = { aggregator: { name: 'median' }, serverOptimizer: { name: 'momentum' }, client: { name: 'scaffold' } };
  const a = createStrategy(spec) as ComposedStrategy;
  const global = randomValues(DIM, 3);
  const ctx: RoundContext = { round: 1, global, numClients: 10 };
  const instructions = a.configureFit(ctx);

  assert.equal(instructions.config.scaffold, true);
  assert.deepEqual(instructions.replyExtras, { [EXTRA_CONTROL_DELTA]: DIM });
  assert.equal(instructions.extras.serverControl.length, DIM);
  const missing = { ...replies(global, 1)[0], extras: {} };
  assert.match(a.checkReply(ctx, missing) ?? '', /client 'c0' sent no 'controlDelta'; SCAFFOLD clients must return/);
  assert.throws(() => a.aggregateFit(ctx, [missing], []), errorLike(RoundRefusedError, /^coordinate-wise median \+ server momentum \(η=1, β=0\.9\) \+ SCAFFOLD clients cannot aggregate: client 'c0' sent no 'controlDelta'/));

  const r1 = a.aggregateFit(ctx, replies(global, 1), []);
  const saved = a.getState();
  assert.deepEqual(Object.keys(saved.vectors).sort(), ['momentum', 'serverControl']);
  assert.ok(r1.metrics.controlNorm > 0);
  const b = createStrategy(spec);
  b.setState(saved);
  const ctx2: RoundContext = { round: 2, global: r1.params, numClients: 10 };
  const rs2 = replies(r1.params, 2);
  assert.deepEqual(b.aggregateFit(ctx2, rs2, []).params, a.aggregateFit(ctx2, rs2, []).params);
  assert.throws(() => b.setState({ scalars: {}, vectors: { velocity: f32(1) } }), errorLike(CheckpointError, /unknown vector 'velocity' \(known: momentum, serverControl\)/));
});

test('a round whose last part fails changes no part\'s state', () => {
  const s = createStrategy({ aggregator: { name: 'mean' }, serverOptimizer: { name: 'adam' }, client: { name: 'scaffold' } });
  // A server control of another model's length: the optimizer's step succeeds, SCAFFOLD's update throws.
  s.setState({ scalars: {}, vectors: { serverControl: f32(1, 2, 3) } });
  const global = randomValues(DIM, 4);

  assert.throws(() => s.aggregateFit({ round: 1, global, numClients: 7 }, replies(global, 1), []), CheckpointError);
  assert.deepEqual(s.getState().scalars, { steps: 0 });
  assert.equal(s.getState().vectors.m, undefined);
});

test('every combination of parts builds, aggregates a round finitely and resumes from its checkpoint exactly', () => {
  const global = randomValues(DIM, 5);
  for (const aggregator of AGGREGATORS.names) {
    for (const serverOptimizer of SERVER_OPTIMIZERS.names) {
      for (const client of CLIENT_ALGORITHMS.names) {
        // DP-SGD has required options (its clip and noise multiplier).
        const clientSpec = client === 'dp-sgd' ? { name: client, clip: 1, noiseMultiplier: 1 } : { name: client };
        const spec = { aggregator: { name: aggregator }, serverOptimizer: { name: serverOptimizer }, client: clientSpec };
        const what = `${aggregator}+${serverOptimizer}+${client}`;
        const a = createStrategy(spec);
        const ctx: RoundContext = { round: 1, global, numClients: 9 };
        const { config } = a.configureFit(ctx);
        assert.deepEqual(Object.keys(config).sort(), ['batchSize', 'localEpochs', 'proximalMu', 'scaffold', ...Object.keys(DP_SGD_CONFIG_OFF), ...Object.keys(TRANSFORMS_CONFIG_OFF)].sort(), what);

        const r1 = a.aggregateFit(ctx, replies(global, 1, 9, false), []);
        const b = createStrategy(spec);
        b.setState(a.getState());
        const ctx2: RoundContext = { round: 2, global: r1.params, numClients: 9 };
        const rs2 = replies(r1.params, 2, 9, false);

        assert.equal(a.name, what);
        assert.ok(r1.params.every(Number.isFinite), what);
        assert.deepEqual(b.aggregateFit(ctx2, rs2, []).params, a.aggregateFit(ctx2, rs2, []).params, what);
      }
    }
  }
});
