/**
 * Update compression in the simulation: each codec's replies are decoded before aggregation, the
 * bytes received shrink by the codec's ratio, and the model still learns; compression with secure
 * aggregation (or with simulated attacks) is refused with the reason.
 */
import assert from 'node:assert/strict';
import { before, describe, it, test } from 'node:test';
import { ConfigError } from '../../../errors.js';
import { errorLike, tempDirFactory } from '../../../engine/testing.js';
import type { FederatedConfigInput } from '../../config.js';
import { runSimulation } from '../../simulation/run-simulation.js';
import { ComposedStrategy } from '../composed.js';
import type { CompressionSpec } from './options.js';
import { writeThreeClassCsv } from '../testing.js';

const tempDir = tempDirFactory('jointly-compress-');

describe('compression in the simulation', () => {
  let csvPath = '';
  before(() => {
    csvPath = writeThreeClassCsv(tempDir(), 400);
  });

  const config = (compression: Partial<CompressionSpec> | undefined): FederatedConfigInput => ({
    mode: 'federated',
    name: 'compress',
    seed: 4,
    backend: 'cpu',
    data: { dataset: 'csv', train: csvPath, testFraction: 0.2 },
    model: { type: 'mlp', hidden: [32] },
    optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.9 },
    strategy: { aggregator: { name: 'mean' }, ...(compression === undefined ? {} : { compression: compression as CompressionSpec }), localEpochs: 1, batchSize: 8 },
    rounds: 3,
    sampling: { fraction: 1, minFit: 5, minAvailable: 5 },
    simulation: { clients: 5, workers: 2, partition: { method: 'iid' }, baselines: { localOnly: false, pooled: false } },
  });

  it('float16, q8 and top-k with error feedback shrink the bytes received and still learn', async () => {
    const plain = await runSimulation(config(undefined));
    const received = (r: typeof plain): number => r.federated.history.reduce((s, h) => s + h.bytesReceived, 0);
    const accuracy = (r: typeof plain): number => r.federated.history[2].evaluation?.accuracy ?? 0;
    for (const [spec, ratio] of [
      [{ name: 'float16' }, 0.5],
      [{ name: 'q8' }, 0.3],
      [{ name: 'topk', fraction: 0.1 }, 0.2],
    ] as const) {
      const r = await runSimulation(config(spec));
      for (const h of r.federated.history) assert.deepEqual(h.failures, [], `${spec.name}, round ${h.round}`);
      const got = received(r) / received(plain);
      assert.ok(got < ratio + 0.02, `${spec.name}: ${received(r)} bytes against ${received(plain)} plain (${got.toFixed(3)})`);
      assert.ok(accuracy(r) > 0.6, `${spec.name}: accuracy ${accuracy(r)} (plain ${accuracy(plain)}, chance 1/3)`);
      if (spec.name === 'float16') assert.ok(Math.abs(accuracy(r) - accuracy(plain)) <= 0.02, `float16 ≈ plain: ${accuracy(r)} vs ${accuracy(plain)}`);
    }
  });

  it('simulated attacks with compression are refused (attacks poison plain updates)', async () => {
    const c = config({ name: 'float16' });
    await assert.rejects(runSimulation({ ...c, simulation: { ...c.simulation, attack: { type: 'sign-flip', fraction: 0.2 } } } as FederatedConfigInput), errorLike(ConfigError, /simulation\.attack: .*compresses them/));
  });
});

test('compression with secure aggregation is refused with the reason; with DP it composes', () => {
  assert.throws(
    () => new ComposedStrategy({ aggregator: { name: 'mean', weighting: 'uniform' }, secureAggregation: { name: 'secagg+' }, compression: { name: 'topk' } }),
    errorLike(ConfigError, /compression: .*cannot be combined with secure aggregation/),
  );
  const s = new ComposedStrategy({ aggregator: { name: 'mean', weighting: 'uniform' }, privacy: { name: 'fixed-clip', clip: 1, noiseMultiplier: 1, noise: 'clients' }, compression: { name: 'q8', blockSize: 64 } });
  const { config } = s.configureFit({ round: 1, global: new Float32Array(3), numClients: 4, sampled: 2 });
  assert.equal(config.compression, 'q8');
  assert.equal(config.compressionBlock, 64);
  assert.equal(config.dpClip, 1);
  assert.throws(() => new ComposedStrategy({ aggregator: { name: 'mean' }, compression: { name: 'zip' } as unknown as CompressionSpec }), /unknown compression 'zip'/);
});
