/**
 * Two new combinations, Krum + FedAdam and trimmed mean + FedProx, run end to end in both
 * runtimes: the simulation (`runSimulation`, real worker threads) and the networked server (a
 * FederatedServer on loopback with real WebSocket clients training the tiny task). Each run must
 * aggregate every round (all replies counted, none refused), move the global model, stay finite,
 * learn, and show that the client half ran (FedProx's `proximal` metric from every client).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../engine/backend.js';
import { tempDirFactory } from '../../engine/testing.js';
import { runLoopbackFederation } from '../network/testing.js';
import { paramsChecksum, type CoordinatorResult } from '../server/coordinator.js';
import { runSimulation } from '../simulation/run-simulation.js';
import type { ComposedStrategySpecInput } from './options.js';
import { createStrategy } from './registry.js';
import { writeThreeClassCsv } from './testing.js';

const tempDir = tempDirFactory('jointly-composed-');

const COMBINATIONS: Record<string, ComposedStrategySpecInput> = {
  'Krum + FedAdam': { aggregator: { name: 'krum', byzantine: 1 }, serverOptimizer: { name: 'adam', serverLearningRate: 0.1 }, localEpochs: 2, batchSize: 8 },
  'trimmed mean + FedProx': { aggregator: { name: 'trimmed-mean', beta: 0.2 }, client: { name: 'fedprox', proximalMu: 0.01 }, localEpochs: 2, batchSize: 8 },
};
const CLIENTS = 5;
const ROUNDS = 3;

/** What every run of a combination must show. */
function assertAggregated(name: string, result: CoordinatorResult, initial: string): void {
  assert.equal(result.round, ROUNDS);
  const checksums = [initial, ...result.history.map((h) => h.paramsChecksum)];
  for (const h of result.history) {
    assert.equal(h.refused, undefined, `${name}, round ${h.round}: ${h.refused}`);
    assert.deepEqual(h.failures, [], `${name}, round ${h.round}`);
    assert.equal(h.replied.length, CLIENTS, `${name}, round ${h.round}: replies counted`);
    assert.equal(h.aggregate.replies, CLIENTS);
    assert.ok(Number.isFinite(h.aggregate.updateNorm) && h.aggregate.updateNorm > 0, `${name}, round ${h.round}: the model moved`);
    const proximal = Object.values(h.clientMetrics).map((m) => m.proximal);
    if (name.includes('FedProx')) {
      assert.ok(proximal.every((p) => Number.isFinite(p) && p >= 0), `${name}: every client reports its proximal term (${proximal.join(', ')})`);
      assert.equal(h.aggregate.trimmedPerEnd, 1);
    } else {
      assert.ok(proximal.every((p) => p === undefined), `${name}: no proximal term`);
      assert.deepEqual([h.aggregate.kept, h.aggregate.serverStep], [1, h.round]);
    }
  }
  assert.equal(new Set(checksums).size, checksums.length, `${name}: new parameters every round`);
  assert.ok(result.params.every(Number.isFinite), `${name}: finite parameters`);
}

describe('new combinations in the simulation', () => {
  let csvPath = '';
  before(() => {
    csvPath = writeThreeClassCsv(tempDir(), 300);
  });

  for (const [name, strategy] of Object.entries(COMBINATIONS)) {
    it(`${name} aggregates every round and learns`, async () => {
      const checksums: string[] = [];
      const r = await runSimulation(
        {
          mode: 'federated',
          name: 'composed',
          seed: 4,
          backend: 'cpu',
          data: { dataset: 'csv', train: csvPath, testFraction: 0.2 },
          model: { type: 'mlp', hidden: [8] },
          optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.9 },
          strategy,
          rounds: ROUNDS,
          sampling: { fraction: 1, minFit: CLIENTS, minAvailable: CLIENTS },
          simulation: { clients: CLIENTS, workers: 2, partition: { method: 'iid' }, baselines: { localOnly: false, pooled: false } },
        },
        { onEvent: (e) => void (e.type === 'round-start' && checksums.push(e.paramsChecksum)) },
      );

      assertAggregated(name, r.federated, checksums[0]);
      const accuracy = r.federated.history[ROUNDS - 1].evaluation?.accuracy ?? 0;
      assert.ok(accuracy > 0.6, `${name}: test accuracy ${accuracy} (chance 1/3)`);
    });
  }
});

describe('new combinations on a networked server with WebSocket clients', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  for (const [name, strategy] of Object.entries(COMBINATIONS)) {
    it(`${name} aggregates every round and learns`, async () => {
      const { result, initial, initialAccuracy } = await runLoopbackFederation({ strategy: createStrategy(strategy), clients: CLIENTS, rounds: ROUNDS });

      assertAggregated(name, result, paramsChecksum(initial));
      const accuracy = result.history[ROUNDS - 1].evaluation?.accuracy ?? 0;
      assert.ok(accuracy > 0.7 && accuracy > initialAccuracy, `${name}: accuracy ${initialAccuracy} → ${accuracy}`);
    });
  }
});
