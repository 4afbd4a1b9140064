/**
 * The simulation's worker threads: more tasks than workers are queued and all answered, a
 * worker trains exactly as the main thread does, and an error inside a task comes back with its
 * code without taking the pool down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { subset } from '../../data/dataset.js';
import { selectBackend } from '../../engine/backend.js';
import { randomValues } from '../../engine/testing.js';
import type { JointlyError } from '../../errors.js';
import { LocalTrainer } from '../client/local-trainer.js';
import { parseClientTrainConfig } from '../client-config.js';
import { FederatedTaskSchema } from '../task.js';
import { WorkerPool } from './worker-pool.js';
import { shareDataset } from './worker-protocol.js';
import { blobs } from '../testing.js';

const TASK = FederatedTaskSchema.parse({
  model: { type: 'mlp', hidden: [4] },
  optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.9 },
  inputShape: [3],
  numClasses: 2,
});


const TRAIN = blobs(60, 1);
const TEST = blobs(20, 2);
const CLIENTS = [0, 1, 2].map((k) => Int32Array.from({ length: 20 }, (_, i) => k * 20 + i));
const CONFIG = parseClientTrainConfig({ localEpochs: 2, batchSize: 8, seed: 9 });

function bits(v: Float32Array): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length);
}

describe('WorkerPool', () => {
  let pool: WorkerPool;
  let global: Float32Array;

  before(async () => {
    await selectBackend('cpu');
    pool = await WorkerPool.start(2, {
      task: TASK,
      backend: 'cpu',
      threads: 1,
      train: shareDataset(TRAIN),
      test: shareDataset(TEST),
      clients: CLIENTS,
      clientTests: CLIENTS.map(() => new Int32Array(0)),
    });
    const trainer = new LocalTrainer(TASK);
    global = randomValues(trainer.size, 4).map((x) => x * 0.5);
    trainer.dispose();
  });

  after(() => pool.close());

  it('answers more tasks than workers, each exactly as the main thread would train it', async () => {
    assert.equal(pool.size, 2);
    assert.equal(pool.backend, 'cpu');
    const jobs = [0, 1, 2, 0, 1].map((client, i) => ({ client, clientId: `client-${client}-${i}` }));

    const replies = await Promise.all(jobs.map((j) => pool.fit({ kind: 'fit', client: j.client, clientId: j.clientId, global: global.slice(), config: CONFIG, extras: {} })));

    const trainer = new LocalTrainer(TASK);
    try {
      for (const [i, j] of jobs.entries()) {
        const local = await trainer.fit({ data: subset(TRAIN, CLIENTS[j.client]), clientId: j.clientId, global, config: CONFIG, extras: {} });
        assert.equal(replies[i].kind, 'fit');
        assert.equal(replies[i].numExamples, 20);
        assert.deepEqual(bits(replies[i].params), bits(local.params), `task ${i}: worker = main thread`);
        assert.equal(replies[i].metrics.loss, local.metrics.loss);
      }
    } finally {
      trainer.dispose();
    }
  });

  it('trains a group of clients back to back, each as alone; a failing one is its own error, the others unharmed', async () => {
    const shared = global.slice();
    const tasks = [
      { kind: 'fit' as const, client: 2, clientId: 'g-2', global: shared, config: CONFIG, extras: {} },
      { kind: 'fit' as const, client: 0, clientId: 'g-bad', global: new Float32Array(3), config: CONFIG, extras: {} },
      { kind: 'fit' as const, client: 1, clientId: 'g-1', global: shared, config: CONFIG, extras: {} },
    ];

    const reply = await pool.fitGroup(tasks, [shared.buffer]);

    assert.equal(reply.kind, 'fitGroup');
    assert.deepEqual(reply.results.map((r) => r.kind), ['fit', 'error', 'fit']);
    const bad = reply.results[1];
    assert.ok(bad.kind === 'error' && bad.code === 'SHAPE_MISMATCH' && /global parameters have 3 values/.test(bad.message));
    const trainer = new LocalTrainer(TASK);
    try {
      for (const j of [0, 2]) {
        const r = reply.results[j];
        assert.ok(r.kind === 'fit');
        const local = await trainer.fit({ data: subset(TRAIN, CLIENTS[tasks[j].client]), clientId: tasks[j].clientId, global, config: CONFIG, extras: {} });
        assert.deepEqual(bits(r.params), bits(local.params), `${tasks[j].clientId}: grouped = alone on the main thread`);
      }
    } finally {
      trainer.dispose();
    }
    const [first, , last] = reply.results;
    assert.ok(first.kind === 'fit' && last.kind === 'fit');
    assert.ok(first.timing.receivedAt <= first.timing.repliedAt && first.timing.repliedAt <= last.timing.receivedAt, 'the clients ran in order');
    assert.ok(reply.postedAt <= first.timing.receivedAt && last.timing.repliedAt <= reply.arrivedAt, 'the task was posted before it ran, the reply arrived after its last client');
  });

  it('evaluates on the global test set (client -1)', async () => {
    const r = await pool.evaluate({ kind: 'evaluate', params: global.slice(), client: -1 });

    assert.equal(r.numExamples, 20);
    assert.ok(r.accuracy >= 0 && r.accuracy <= 1 && Number.isFinite(r.loss));
  });

  it('returns a task\'s error with its code, and keeps serving', async () => {
    const bad = pool.fit({ kind: 'fit', client: 0, clientId: 'bad', global: new Float32Array(3), config: CONFIG, extras: {} });

    await assert.rejects(bad, (err: unknown) => {
      assert.equal((err as JointlyError).code, 'SHAPE_MISMATCH');
      assert.match((err as Error).message, /global parameters have 3 values/);
      return true;
    });
    const good = await pool.fit({ kind: 'fit', client: 1, clientId: 'good', global: global.slice(), config: CONFIG, extras: {} });
    assert.equal(good.params.length, global.length);
  });
});
