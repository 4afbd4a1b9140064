/**
 * The native backend from several worker threads at once: the addon is loaded once per process,
 * so its convolution primitives and oneDNN streams must be per thread (a shared stream crashed
 * the process when two workers trained a CNN at the same time). Skipped without the addon.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeDataset, type Dataset } from '../../data/dataset.js';
import { selectBackend } from '../../engine/backend.js';
import { loadNativeAddon } from '../../engine/native/addon.js';
import { createRng } from '../../engine/random.js';
import { readParams } from '../../engine/flat-params.js';
import { parseClientTrainConfig } from '../client-config.js';
import { buildTaskModel, FederatedTaskSchema } from '../task.js';
import { WorkerPool } from './worker-pool.js';
import { shareDataset } from './worker-protocol.js';

const native = loadNativeAddon();
const skip = 'reason' in native ? `native backend unavailable: ${native.reason}` : false;

const TASK = FederatedTaskSchema.parse({
  model: { type: 'cnn', conv: [{ filters: 4, kernelSize: 3 }, { filters: 8, kernelSize: 3 }], padding: 'valid', dense: [16] },
  optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
  inputShape: [12, 12, 1],
  numClasses: 3,
});

function images(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const features = Float32Array.from({ length: n * 144 }, () => rng.next());
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  return makeDataset({ features, sampleShape: [12, 12, 1], labels, numClasses: 3 }, 'images');
}

describe('native backend in concurrent worker threads', { skip }, () => {
  let pool: WorkerPool;
  const train = images(96, 1);
  const clients = [0, 1, 2, 3].map((k) => Int32Array.from({ length: 24 }, (_, i) => k * 24 + i));

  before(async () => {
    await selectBackend('native');
    pool = await WorkerPool.start(2, {
      task: TASK,
      backend: 'native',
      threads: 1,
      train: shareDataset(train),
      test: shareDataset(images(30, 2)),
      clients,
      clientTests: clients.map(() => new Int32Array(0)),
    });
  });

  after(() => pool?.close());

  it('trains CNN clients on two workers at the same time, each as a lone worker would', async () => {
    const model = buildTaskModel(TASK, 3);
    const global = readParams(model);
    model.dispose();
    const config = parseClientTrainConfig({ localEpochs: 3, batchSize: 8, seed: 5 });
    const run = (client: number): Promise<Float32Array> =>
      pool.fit({ kind: 'fit', client, clientId: `c${client}`, global: global.slice(), config, extras: {} }).then((r) => r.params);

    const together = await Promise.all([0, 1, 2, 3].map(run));
    const alone: Float32Array[] = [];
    for (const c of [0, 1, 2, 3]) alone.push(await run(c));

    assert.equal(pool.backend, 'native');
    for (const [i, p] of together.entries()) {
      assert.ok(p.every(Number.isFinite), `client ${i}: finite parameters`);
      assert.deepEqual(p, alone[i], `client ${i}: concurrent training equals training alone`);
    }
  });
});
