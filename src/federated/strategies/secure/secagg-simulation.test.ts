/**
 * SecAgg+ in the simulation: the same run with and without secure aggregation gives the same
 * global model up to the stated quantization bound; the server side sees only sums; a round with
 * 30% of its clients gone after masking still completes; combinations that cannot work are refused.
 */
import assert from 'node:assert/strict';
import { before, describe, it, test } from 'node:test';
import { ConfigError } from '../../../errors.js';
import { createRng } from '../../../engine/random.js';
import { errorLike, tempDirFactory } from '../../../engine/testing.js';
import type { FederatedConfigInput } from '../../config.js';
import { secureSumOfReplies } from '../../secagg/simulated-round.js';
import { runSimulation } from '../../simulation/run-simulation.js';
import type { FitReply } from '../../strategy.js';
import { ComposedStrategy } from '../composed.js';
import { writeThreeClassCsv } from '../testing.js';

const tempDir = tempDirFactory('jointly-secagg-');

describe('SecAgg+ in the simulation', () => {
  let csvPath = '';
  before(() => {
    csvPath = writeThreeClassCsv(tempDir(), 400);
  });

  const config = (secure: boolean): FederatedConfigInput => ({
    mode: 'federated',
    name: 'secagg',
    seed: 4,
    backend: 'cpu',
    data: { dataset: 'csv', train: csvPath, testFraction: 0.2 },
    model: { type: 'mlp', hidden: [8] },
    optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.9 },
    strategy: { aggregator: { name: 'mean', weighting: 'uniform', over: 'updates' }, ...(secure ? { secureAggregation: { name: 'secagg+' } } : {}), localEpochs: 1, batchSize: 8 },
    rounds: 2,
    sampling: { fraction: 1, minFit: 10, minAvailable: 10 },
    simulation: { clients: 10, workers: 2, partition: { method: 'iid' }, baselines: { localOnly: false, pooled: false } },
  });

  it('gives the plain mean of the updates up to the quantization bound, round after round', async () => {
    const plain = await runSimulation(config(false));
    const secure = await runSimulation(config(true));

    for (let k = 0; k < 2; k++) {
      const h = secure.federated.history[k];
      assert.equal(h.refused, undefined, h.refused);
      assert.equal(h.replied.length, 10);
      assert.equal(h.aggregate.secaggNeighbours, 8);
      assert.equal(h.aggregate.secaggThreshold, 5);
      assert.equal(h.updateNorms, undefined, 'no single update was seen');
      assert.ok(h.bytesReceived > 0);
    }
    // Round 1 starts from the same model, so the difference is quantization alone: at most
    // n/2^16 on the sum, n/2^16/n on the mean, plus float32 rounding. Round 2 starts from models
    // that differ by that much, so it is compared with a looser tolerance.
    const bound = secure.federated.history[0].aggregate.secaggMaxError / 10;
    let worst = 0;
    const a = plain.federated.params;
    const b = secure.federated.params;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    assert.ok(bound > 0 && bound < 2e-5, `bound ${bound}`);
    assert.ok(worst <= 20 * bound, `largest difference after 2 rounds ${worst} (bound per round on the mean ${bound})`);
    const accPlain = plain.federated.history[1].evaluation?.accuracy ?? 0;
    const accSecure = secure.federated.history[1].evaluation?.accuracy ?? 0;
    assert.ok(Math.abs(accPlain - accSecure) <= 0.02, `accuracy ${accPlain} vs ${accSecure}`);
  });
});

/** n replies with random updates around x = 0. */
function replies(n: number, d: number): FitReply[] {
  const rng = createRng(3);
  return Array.from({ length: n }, (_, i) => ({
    clientId: `c${String(i).padStart(2, '0')}`,
    params: Float32Array.from({ length: d }, () => rng.next() - 0.5),
    numExamples: 10,
    metrics: { loss: 1 },
    extras: {},
  }));
}

test('30% of the clients gone after masking: the round completes and the sum still holds their updates', async () => {
  const rs = replies(20, 50);
  const global = new Float32Array(50);

  const out = await secureSumOfReplies({ round: 1, global, replies: rs, spec: { name: 'secagg+', clipRange: 8, fractionBits: 16, maxDropout: 0.3 }, summedExtras: {}, seed: 1, dropAfterMasking: 0.3 });

  assert.equal(out.metrics.secaggDroppedAfterMasking, 6);
  assert.equal(out.included.length, 20);
  assert.equal(out.sum.total, 20);
  for (let i = 0; i < 50; i++) {
    const want = rs.reduce((s, r) => s + r.params[i], 0);
    assert.ok(Math.abs(out.sum.sum[i] - want) <= out.metrics.secaggMaxError, `coordinate ${i}: ${out.sum.sum[i]} vs ${want}`);
  }
  // The server side turns the sum into the new model like a plain mean of the updates.
  const strategy = new ComposedStrategy({ aggregator: { name: 'mean', weighting: 'uniform', over: 'updates' }, secureAggregation: { name: 'secagg+' } });
  const ctx = { round: 1, global, numClients: 20, sampled: 20 };
  const viaSum = strategy.aggregateSecure(ctx, { ...out.sum, included: out.included, clientMetrics: Object.fromEntries(out.included.map((id) => [id, { loss: 1, numExamples: 10 }])) }, []);
  const plain = new ComposedStrategy({ aggregator: { name: 'mean', weighting: 'uniform', over: 'updates' } }).aggregateFit(ctx, rs, []);
  for (let i = 0; i < 50; i++) assert.ok(Math.abs(viaSum.params[i] - plain.params[i]) <= out.metrics.secaggMaxError / 20 + 1e-6, `coordinate ${i}`);
  assert.ok(Math.abs(viaSum.metrics['fit.loss'] - 1) < 1e-12);
});

test('fewer than 3 replies, or combinations that would need single updates, are refused with the reason', async () => {
  await assert.rejects(secureSumOfReplies({ round: 1, global: new Float32Array(3), replies: replies(2, 3), spec: { name: 'secagg+', clipRange: 8, fractionBits: 16, maxDropout: 0.3 }, summedExtras: {}, seed: 1 }), /at least 3 replies, got 2/);
  assert.throws(() => new ComposedStrategy({ aggregator: { name: 'krum' }, secureAggregation: { name: 'secagg+' } }), errorLike(ConfigError, /secureAggregation: .*'krum' is not one/));
  assert.throws(() => new ComposedStrategy({ aggregator: { name: 'mean' }, secureAggregation: { name: 'secagg+' } }), errorLike(ConfigError, /aggregator\.weighting/));
  assert.throws(() => new ComposedStrategy({ aggregator: { name: 'mean', weighting: 'uniform' }, client: { name: 'scaffold' }, secureAggregation: { name: 'secagg+' } }), errorLike(ConfigError, /client: .*secure aggregation hides/));
  assert.throws(
    () => new ComposedStrategy({ aggregator: { name: 'mean', weighting: 'uniform' }, privacy: { name: 'fixed-clip', clip: 1, noiseMultiplier: 1 }, secureAggregation: { name: 'secagg+' } }),
    errorLike(ConfigError, /privacy\.noise: .*cannot clip or noise/),
  );
  assert.throws(() => new ComposedStrategy({ aggregator: { name: 'mean', weighting: 'uniform' }, secureAggregation: { name: 'secagg+', fractionBits: 30 } }), errorLike(ConfigError, /secureAggregation\.fractionBits/));
});

test('DP with client noise composes with SecAgg+: noise before masking, the indicator summed securely', async () => {
  const strategy = new ComposedStrategy({
    aggregator: { name: 'mean', weighting: 'uniform' },
    privacy: { name: 'adaptive-clip', noiseMultiplier: 0.5, countNoiseFraction: 0.5, noise: 'clients', noiseSeed: 2 },
    secureAggregation: { name: 'secagg+' },
  });
  const ctx = { round: 1, global: new Float32Array(50), numClients: 10, sampled: 10 };
  const secure = strategy.secureAggregation(ctx);
  assert.deepEqual(secure?.summedExtras, { dpBelowClip: 1 });
  const rs = replies(10, 50).map((r) => ({ ...r, extras: { dpBelowClip: new Float32Array([0.5]) } }));
  const out = await secureSumOfReplies({ round: 1, global: ctx.global, replies: rs, spec: { name: 'secagg+', clipRange: 8, fractionBits: 16, maxDropout: 0.3 }, summedExtras: { dpBelowClip: 1 }, seed: 1 });
  assert.ok(Math.abs((out.sum.extras.dpBelowClip?.[0] ?? 0) - 5) < 1e-3);

  const result = strategy.aggregateSecure(ctx, { ...out.sum, included: out.included, clientMetrics: {} }, []);

  assert.ok(result.metrics.epsilon > 0);
  // every indicator said "within the clip": b̄ = 1, so the clip shrinks by e^(−0.2·0.5)
  assert.ok(Math.abs(result.metrics.nextClip / result.metrics.clip - Math.exp(-0.1)) < 1e-9);
});
