/**
 * DP-FedAvg end to end in both runtimes: the simulation (real worker threads) with server noise
 * and a privacy budget that ends the run early, and the networked server (WebSocket clients on
 * loopback) with client noise and adaptive clipping, so that the clients' half (clip, noise share,
 * indicator) runs in real client processes' code paths. Each run must aggregate, report ε after
 * every round, stay finite and, with modest noise, still learn.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../../engine/backend.js';
import { tempDirFactory } from '../../../engine/testing.js';
import { runLoopbackFederation } from '../../network/testing.js';
import { runSimulation } from '../../simulation/run-simulation.js';
import { createStrategy } from '../registry.js';
import { writeThreeClassCsv } from '../testing.js';

const tempDir = tempDirFactory('jointly-dp-');

describe('DP-FedAvg in the simulation', () => {
  let csvPath = '';
  before(() => {
    csvPath = writeThreeClassCsv(tempDir(), 600);
  });

  it('server noise with a budget: ε after every round, the run stops before the budget would be passed, and it learns', async () => {
    const events: string[] = [];
    const r = await runSimulation(
      {
        mode: 'federated',
        name: 'dp',
        seed: 4,
        backend: 'cpu',
        data: { dataset: 'csv', train: csvPath, testFraction: 0.2 },
        model: { type: 'mlp', hidden: [8] },
        optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.9 },
        strategy: { aggregator: { name: 'mean', weighting: 'uniform' }, privacy: { name: 'fixed-clip', clip: 2, noiseMultiplier: 0.3, budget: 40, noiseSeed: 1 }, localEpochs: 2, batchSize: 8 },
        rounds: 20,
        sampling: { fraction: 0.5, minFit: 4, minAvailable: 8 },
        simulation: { clients: 8, workers: 2, partition: { method: 'iid' }, baselines: { localOnly: false, pooled: false } },
      },
      { onEvent: (e) => void (e.type === 'stopped' && events.push(e.reason)) },
    );

    const { history } = r.federated;
    assert.ok(r.federated.stopped !== undefined && /past the privacy budget 40/.test(r.federated.stopped), String(r.federated.stopped));
    assert.deepEqual(events, [r.federated.stopped]);
    assert.equal(r.federated.interrupted, false);
    assert.ok(history.length >= 2 && history.length < 20, `${history.length} rounds`);
    const eps = history.map((h) => h.aggregate.epsilon);
    assert.ok(eps.every((e, i) => e > 0 && e <= 40 && (i === 0 || e > eps[i - 1])), `ε grows and stays within the budget: ${eps.join(', ')}`);
    for (const h of history) {
      assert.equal(h.refused, undefined);
      assert.equal(h.aggregate.clip, 2);
      assert.equal(h.aggregate.noiseStd, 0.6);
      assert.equal(h.aggregate.delta, 1e-5);
    }
    assert.ok(r.federated.params.every(Number.isFinite));
    const accuracy = history[history.length - 1].evaluation?.accuracy ?? 0;
    assert.ok(accuracy > 0.6, `test accuracy ${accuracy} (chance 1/3)`);
    // The same federation without privacy ran as a baseline, for the rounds the private one ran.
    const twin = r.baselines.nonPrivate;
    assert.ok(twin !== undefined, 'the non-private baseline ran');
    assert.equal(twin.accuracy.length, history.length);
    assert.ok(twin.accuracy.every((a) => a > 0 && a <= 1), twin.accuracy.join(', '));
    assert.notDeepEqual(twin.accuracy, history.map((h) => h.evaluation?.accuracy), 'the twin is another run (no noise, no clip)');
  });
});

describe('DP-FedAvg on a networked server with WebSocket clients', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('client noise with an adaptive clip: every client sends its noised indicator, the clip moves, ε is reported', async () => {
    const ROUNDS = 3;
    const { result } = await runLoopbackFederation({
      strategy: createStrategy({
        aggregator: { name: 'mean', weighting: 'uniform' },
        // The clients' noise is cryptographic (no seed), so the count noise is kept small: σ_b = 0.05 × 5
        // clients gives b̄ a std of 0.05, and the clip shrinks only when b̄ exceeds γ = 0.5, ten stds
        // out. (At 0.2 it was 2.5 stds, and about 1 run in 150 saw the clip shrink.)
        privacy: { name: 'adaptive-clip', initialClip: 0.05, noiseMultiplier: 0.2, countNoiseFraction: 0.05, noise: 'clients' },
        localEpochs: 2,
        batchSize: 8,
      }),
      clients: 5,
      rounds: ROUNDS,
    });

    assert.equal(result.round, ROUNDS);
    const clips = result.history.map((h) => h.aggregate.clip);
    for (const h of result.history) {
      assert.equal(h.refused, undefined, `round ${h.round}: ${h.refused}`);
      assert.deepEqual(h.failures, []);
      assert.ok(h.aggregate.epsilon > 0 && Number.isFinite(h.aggregate.epsilon), `round ${h.round}: ε ${h.aggregate.epsilon}`);
      assert.equal(h.aggregate.noiseMultiplier, 0.2, 'every share arrived: the full noise');
    }
    // Trained updates are far larger than 0.05: the clip grows round after round.
    assert.ok(clips[1] > clips[0] && clips[2] > clips[1], `clips ${clips.join(', ')}`);
    assert.ok(result.params.every(Number.isFinite));
  });
});
