/**
 * The robust strategies against the attacks of `attacks/`, on synthetic rounds. n = 15 clients,
 * of which 3 (20%) are malicious. Every honest client sends global + Δ + N(0, 0.01²) per
 * coordinate around one true update Δ (d = 50, ||Δ|| ≈ 2); the malicious ones send:
 *   sign flip      global − Δᵢ               (attacks/sign-flip, scale 1)
 *   Gaussian noise global + N(0, 10²)        (attacks/gaussian-noise)
 *   scaled update  global + 10·Δᵢ, and −10·Δᵢ (attacks/scale)
 *   label flip     global + W, a fixed wrong update of the same norm as Δ in another direction
 *                  (label flipping acts through training; its net effect on the parameters is an
 *                  update towards another optimum, modelled here directly)
 * The tolerance is the honest clients' own spread: r = max ||honestᵢ − honest mean||. Each robust
 * aggregate must land within r of the honest mean, while FedAvg (same round) must land more than
 * 3r away, so the test fails without the defence. f = 3 for Krum, Multi-Krum and Bulyan (Bulyan
 * needs 4f + 3 = 15 replies); FedTrimmedAvg uses β = 0.2 (cuts 3 per end).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, deriveSeed } from '../../engine/random.js';
import { randomValues } from '../../engine/testing.js';
import { gaussianNoiseUpdate } from '../attacks/gaussian-noise.js';
import { scaleUpdate } from '../attacks/scale.js';
import { signFlipUpdate } from '../attacks/sign-flip.js';
import { distance } from '../aggregate/vectors.js';
import { mean } from '../aggregate/weighted-mean.js';
import type { FitReply, RoundContext, Strategy } from '../strategy.js';
import { createStrategy } from './registry.js';

const DIM = 50;
const N = 15;
const MALICIOUS = new Set([2, 7, 11]); // 20% of 15, spread over the client ids
const HONEST_SIGMA = 0.01;
const SEED = 2024;

const global = randomValues(DIM, deriveSeed(SEED, 'global'));
/** The true update Δ: uniform in [−0.5, 0.5) per coordinate, ||Δ|| ≈ 2. */
const trueUpdate = randomValues(DIM, deriveSeed(SEED, 'delta')).map((x) => x / 2);
/** The label-flip update W: another direction, rescaled to ||Δ||. */
const wrongUpdate = (() => {
  const w = randomValues(DIM, deriveSeed(SEED, 'wrong'));
  const scale = distance(trueUpdate, new Float32Array(DIM)) / distance(w, new Float32Array(DIM));
  return w.map((x) => x * scale);
})();

/** What an honest client k would send: global + Δ + N(0, σ²). */
function honestParams(k: number): Float32Array {
  const center = global.map((g, i) => g + trueUpdate[i]);
  return gaussianNoiseUpdate({ global: center, sigma: HONEST_SIGMA, rng: createRng(deriveSeed(SEED, `honest:${k}`)) });
}

type AttackFn = (honest: Float32Array, k: number) => Float32Array;
const ATTACKS: Record<string, AttackFn> = {
  'sign flip': (honest) => signFlipUpdate(global, honest, 1),
  'gaussian noise (σ = 10)': (_honest, k) => gaussianNoiseUpdate({ global, sigma: 10, rng: createRng(deriveSeed(SEED, `noise:${k}`)) }),
  'scaled update (×10)': (honest) => scaleUpdate(global, honest, 10),
  'scaled update (×−10)': (honest) => scaleUpdate(global, honest, -10),
  'label flip (wrong update)': (honest) => honest.map((x, i) => x - trueUpdate[i] + wrongUpdate[i]),
};

const ROBUST: Record<string, () => Strategy> = {
  FedMedian: () => createStrategy({ name: 'fedmedian' }),
  FedTrimmedAvg: () => createStrategy({ name: 'fedtrimmedavg', beta: 0.2 }),
  Krum: () => createStrategy({ name: 'krum', byzantine: 3 }),
  'Multi-Krum': () => createStrategy({ name: 'multikrum', byzantine: 3 }),
  Bulyan: () => createStrategy({ name: 'bulyan', byzantine: 3 }),
};

function buildRound(attack: AttackFn): { ctx: RoundContext; replies: FitReply[]; honestMean: Float32Array; radius: number } {
  const honest: Float32Array[] = [];
  const replies = Array.from({ length: N }, (_, k): FitReply => {
    const own = honestParams(k);
    const params = MALICIOUS.has(k) ? attack(own, k) : own;
    if (!MALICIOUS.has(k)) honest.push(own);
    return { clientId: `client-${String(k).padStart(2, '0')}`, params, numExamples: 100, metrics: {}, extras: {} };
  });
  const honestMean = mean(honest);
  const radius = Math.max(...honest.map((h) => distance(h, honestMean)));
  return { ctx: { round: 1, global, numClients: N }, replies, honestMean, radius };
}

test('the synthetic honest spread is small next to the true update', () => {
  const { radius } = buildRound(ATTACKS['sign flip']);
  const updateNorm = distance(trueUpdate, new Float32Array(DIM));
  assert.ok(updateNorm > 1.5, `||Δ|| = ${updateNorm}`);
  assert.ok(radius < 0.1 * updateNorm, `honest radius ${radius} vs ||Δ|| ${updateNorm}`);
});

for (const [attackName, attack] of Object.entries(ATTACKS)) {
  describe(`20% malicious clients, ${attackName}`, () => {
    const { ctx, replies, honestMean, radius } = buildRound(attack);

    test('FedAvg is pushed more than 3× the honest spread away from the honest mean', () => {
      const out = createStrategy({ name: 'fedavg' }).aggregateFit(ctx, replies, []);
      const err = distance(out.params, honestMean);
      assert.ok(err > 3 * radius, `FedAvg error ${err} vs honest radius ${radius}`);
    });

    for (const [strategyName, make] of Object.entries(ROBUST)) {
      test(`${strategyName} stays within the honest spread of the honest mean`, () => {
        const out = make().aggregateFit(ctx, replies, []);
        const err = distance(out.params, honestMean);
        assert.ok(err <= radius, `${strategyName} error ${err} > honest radius ${radius}`);
      });
    }
  });
}
