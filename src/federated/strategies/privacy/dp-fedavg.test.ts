import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../errors.js';
import { errorLike } from '../../../engine/testing.js';
import { emptyLedger, ledgerEpsilon, spend } from '../../privacy/accountant.js';
import { DP_BELOW_CLIP } from '../../client/transforms/options.js';
import { dpClipNoiseTransform } from '../../client/transforms/dp-clip-noise.js';
import { parseClientTrainConfig } from '../../client-config.js';
import type { FitReply, RoundContext } from '../../strategy.js';
import { ComposedStrategy } from '../composed.js';
import type { ComposedStrategySpecInput } from '../options.js';
import type { PrivacySpecInput } from './options.js';

const D = 20000;
/** A reply whose update y − x is `direction` scaled to norm `norm` (x = 0). */
function reply(id: string, norm: number, direction: Float32Array): FitReply {
  let s = 0;
  for (const v of direction) s += v * v;
  const scale = norm / Math.sqrt(s);
  return { clientId: id, params: direction.map((v) => v * scale), numExamples: 10, metrics: { loss: 1 }, extras: {} };
}
const ones = new Float32Array(D).fill(1);
const alternating = Float32Array.from({ length: D }, (_, i) => (i % 2 === 0 ? 1 : -1));
const ctxOf = (round: number, sampled = 2, numClients = 10): RoundContext => ({ round, global: new Float32Array(D), numClients, sampled });

function dp(privacy: PrivacySpecInput, aggregator: ComposedStrategySpecInput['aggregator'] = { name: 'mean', weighting: 'uniform' }): ComposedStrategy {
  return new ComposedStrategy({ aggregator, privacy });
}

/** Mean and standard deviation of `a − b`. */
function residual(a: Float32Array, b: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < a.length; i++) {
    const r = a[i] - b[i];
    s += r;
    s2 += r * r;
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean) };
}

test('server noise: updates are clipped to C, summed with equal weights, and noised with std zC on the sum', () => {
  const strategy = dp({ name: 'fixed-clip', clip: 1, noiseMultiplier: 0.5, noiseSeed: 7 });
  // One update of norm 3 (clipped to 1) and one of norm 0.5 (kept).
  const replies = [reply('a', 3, ones), reply('b', 0.5, alternating)];

  const out = strategy.aggregateFit(ctxOf(1), replies, []);

  // mean = (Δa/3 + Δb)/2 + N(0, (zC/2)²) per coordinate
  const expected = Float64Array.from({ length: D }, (_, i) => (ones[i] / Math.sqrt(D) + (0.5 * alternating[i]) / Math.sqrt(D)) / 2);
  const { mean, std } = residual(out.params, expected);
  assert.ok(Math.abs(mean) < 0.01, `noise mean ${mean}`);
  assert.ok(Math.abs(std - 0.25) < 0.01, `noise std ${std}, want zC/n = 0.25`);
  assert.equal(out.metrics.clip, 1);
  assert.equal(out.metrics.noiseStd, 0.5);
  assert.equal(out.metrics.clippedFraction, 0.5);
  assert.equal(out.metrics.replies, 2);
});

test('ε after each round is the ledger of the sampled Gaussian mechanism at q = m/N', () => {
  const strategy = dp({ name: 'fixed-clip', clip: 1, noiseMultiplier: 1.1, delta: 1e-5, noiseSeed: 1 });
  let ledger = emptyLedger();
  for (let round = 1; round <= 3; round++) {
    const out = strategy.aggregateFit(ctxOf(round, 2, 10), [reply('a', 1, ones), reply('b', 1, ones)], []);
    ledger = spend(ledger, { q: 0.2, noiseMultiplier: 1.1 });
    assert.equal(out.metrics.epsilon, ledgerEpsilon(ledger, 1e-5).epsilon, `round ${round}`);
    assert.equal(out.metrics.delta, 1e-5);
  }
  assert.ok(ledgerEpsilon(ledger, 1e-5).epsilon > 0);
});

test('a budget stops the run before the round that would pass it', () => {
  const strategy = dp({ name: 'fixed-clip', clip: 1, noiseMultiplier: 2, budget: 2, noiseSeed: 1 });
  let round = 1;
  // q = 2/20
  while (strategy.stopBeforeRound(ctxOf(round, 2, 20)) === undefined) {
    const out = strategy.aggregateFit(ctxOf(round, 2, 20), [reply('a', 1, ones), reply('b', 1, ones)], []);
    assert.ok(out.metrics.epsilon <= 2, `round ${round}: ε ${out.metrics.epsilon}`);
    round++;
    assert.ok(round < 1000, 'the budget must end the run');
  }
  const reason = strategy.stopBeforeRound(ctxOf(round, 2, 20)) ?? '';
  assert.match(reason, new RegExp(`round ${round} would take ε from [0-9.]+ to [0-9.]+ \\(δ = 0.00001\\), past the privacy budget 2`));
  assert.ok(round > 1, 'at least one round fits the budget');
});

test('the aggregator must be an equal-weight sum: example weights and the median are refused naming the field', () => {
  assert.throws(() => dp({ name: 'fixed-clip', clip: 1, noiseMultiplier: 1 }, { name: 'mean' }), errorLike(ConfigError, /aggregator\.weighting: .*equal weights/));
  assert.throws(() => dp({ name: 'fixed-clip', clip: 1, noiseMultiplier: 1 }, { name: 'median' }), errorLike(ConfigError, /privacy: .*'median' is not one/));
});

test('bad privacy options are refused with the field: noise multiplier, δ, clip, unknown part', () => {
  assert.throws(() => dp({ name: 'fixed-clip', clip: 1, noiseMultiplier: 0 }), errorLike(ConfigError, /privacy\.noiseMultiplier/));
  assert.throws(() => dp({ name: 'fixed-clip', clip: 1, noiseMultiplier: 1, delta: 1 }), errorLike(ConfigError, /privacy\.delta/));
  assert.throws(() => dp({ name: 'fixed-clip', clip: -1, noiseMultiplier: 1 }), errorLike(ConfigError, /privacy\.clip/));
  assert.throws(() => dp({ name: 'fixed-clip', noiseMultiplier: 1 } as PrivacySpecInput), errorLike(ConfigError, /privacy\.clip/));
  assert.throws(() => dp({ name: 'laplace', noiseMultiplier: 1 } as unknown as PrivacySpecInput), /unknown privacy part 'laplace'/);
});

test('adaptive clip: the clip moves geometrically towards the target quantile, and z is split between the two queries', () => {
  const strategy = dp({ name: 'adaptive-clip', initialClip: 0.1, targetQuantile: 0.5, clipLearningRate: 0.2, noiseMultiplier: 0.1, countNoiseFraction: 0.05, noiseSeed: 3 });
  // 20 updates of norm 10, all above the clip: b̄ ≈ 0, so C ← C·exp(0.2·0.5) each round.
  const replies = Array.from({ length: 20 }, (_, i) => reply(`c${String(i).padStart(2, '0')}`, 10, ones));
  const clips: number[] = [];
  for (let round = 1; round <= 5; round++) {
    const out = strategy.aggregateFit(ctxOf(round, 20, 100), replies, []);
    clips.push(out.metrics.clip);
    // σ_b = 0.05·20 = 1, so z_Δ = (0.1⁻² − 2⁻²)^(−1/2) = 0.1001252…
    assert.ok(Math.abs(out.metrics.noiseStd / out.metrics.clip - 0.10012523) < 1e-7, `z_Δ = ${out.metrics.noiseStd / out.metrics.clip}`);
  }
  for (let k = 1; k < clips.length; k++) {
    const ratio = clips[k] / clips[k - 1];
    // b̄ = (Σ(bᵢ − ½) + N(0, 1))/20 + ½ = N(0, 1)/20: within ±0.25 of 0 (5σ), so the ratio is in e^(0.2·[0.25, 0.75]).
    assert.ok(ratio > Math.exp(0.05) && ratio < Math.exp(0.15), `round ${k + 1}: clip ratio ${ratio}`);
  }
  assert.throws(() => dp({ name: 'adaptive-clip', noiseMultiplier: 5, countNoiseFraction: 0.05 }).aggregateFit(ctxOf(1, 20, 100), replies, []), errorLike(ConfigError, /privacy\.countNoiseFraction: .*needs a count noise above 2\.5 \(σ_b > z\/2\), and the round.s clients give σ_b = 1/));
});

test('a checkpointed state resumes the ledger and the adaptive clip exactly', () => {
  const spec: PrivacySpecInput = { name: 'adaptive-clip', noiseMultiplier: 0.5, countNoiseFraction: 0.5, noiseSeed: 9 };
  const replies = Array.from({ length: 4 }, (_, i) => reply(`c${i}`, 2, ones));
  const a = dp(spec);
  a.aggregateFit(ctxOf(1, 4, 10), replies, []);
  const b = dp(spec);

  b.setState(a.getState());

  const ra = a.aggregateFit(ctxOf(2, 4, 10), replies, []);
  const rb = b.aggregateFit(ctxOf(2, 4, 10), replies, []);
  assert.deepEqual(rb.metrics, ra.metrics);
  assert.deepEqual(Array.from(rb.params.subarray(0, 5)), Array.from(ra.params.subarray(0, 5)));
  assert.equal(a.getState().scalars['privacy.rounds'], 2);
});

test('client noise: the round config carries C and each client\'s share zC/√m; dropouts are accounted at z·√(n/m)', () => {
  const strategy = dp({ name: 'fixed-clip', clip: 2, noiseMultiplier: 1, noise: 'clients', noiseSeed: 5 });
  const ctx = ctxOf(1, 4, 8);
  const { config } = strategy.configureFit(ctx);
  assert.equal(config.dpClip, 2);
  assert.equal(config.dpNoiseStd, 1);
  assert.equal(config.dpAdaptive, false);
  // Clients as the local trainer runs them: clip, add their share. Two of the four drop out.
  const parsed = parseClientTrainConfig({ ...config, localEpochs: 1, batchSize: 8 });
  const sent = ['a', 'b'].map((id) => {
    const r = reply(id, 10, ones);
    return { ...r, params: dpClipNoiseTransform.apply({ clientId: id, config: parsed, global: ctx.global, params: r.params, state: {} }).params };
  });

  const out = strategy.aggregateFit(ctx, sent, [{ clientId: 'c', reason: 'timeout' }, { clientId: 'd', reason: 'timeout' }]);

  // Each sent update has norm ≈ √(C² + D·1²) — clipped to 2 before its noise.
  assert.equal(out.metrics.noiseMultiplier, Math.sqrt(2 / 4));
  const expected = Float64Array.from({ length: D }, () => 2 / Math.sqrt(D)); // mean of two clipped updates
  const { std } = residual(out.params, expected);
  // sum noise variance 2·1² over n = 2: std of the mean = √2/2
  assert.ok(Math.abs(std - Math.SQRT1_2) < 0.02, `noise std of the mean ${std}`);
  assert.equal(out.metrics.epsilon, ledgerEpsilon(spend(emptyLedger(), { q: 0.5, noiseMultiplier: Math.SQRT1_2 }), 1e-5).epsilon);
});

test('adaptive clip with client noise: every reply must carry its noised indicator', () => {
  const strategy = dp({ name: 'adaptive-clip', noiseMultiplier: 0.5, countNoiseFraction: 0.5, noise: 'clients', noiseSeed: 5 });
  const ctx = ctxOf(1, 2, 4);
  assert.deepEqual(strategy.configureFit(ctx).replyExtras, { [DP_BELOW_CLIP]: 1 });
  const bare = reply('a', 1, ones);
  assert.match(strategy.checkReply(ctx, bare) ?? '', /sent no 'dpBelowClip'; adaptive clipping with client noise/);
  assert.equal(strategy.checkReply(ctx, { ...bare, extras: { [DP_BELOW_CLIP]: new Float32Array([0.4]) } }), undefined);
});

test('without privacy the round config switches the client transform off', () => {
  const { config } = new ComposedStrategy({ aggregator: { name: 'mean' } }).configureFit(ctxOf(1));
  assert.equal(config.dpClip, 0);
  assert.equal(dpClipNoiseTransform.active(parseClientTrainConfig({ ...config })), false);
});
