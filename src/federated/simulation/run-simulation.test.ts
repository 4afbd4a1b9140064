/**
 * `runSimulation` end to end on real worker threads, kept small: a hand-made CSV of 300 rows
 * (6 features, 3 classes; 240 for training), an MLP with 8 hidden units, 4 clients, 2–3 rounds,
 * the cpu backend. Covers the report (history, baselines, histograms), determinism across runs
 * and worker counts, exact resume (FedAvg and SCAFFOLD, whose client control variates travel in
 * the checkpoint), and attacks.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createRng } from '../../engine/random.js';
import { tempDirFactory } from '../../engine/testing.js';
import { selectMaliciousIds } from '../attacks/select-malicious.js';
import type { FederatedConfigInput } from '../config.js';
import { readCheckpointFile } from '../server/checkpoint-file.js';
import type { RoundRecord } from '../server/coordinator.js';
import { runSimulation, type SimulationEvent, type SimulationResult } from './run-simulation.js';

const tempDir = tempDirFactory('jointly-simulation-');

const ROWS = 300;
const TRAIN_SIZE = 240; // testFraction 0.2, stratified: 20 of each class's 100 rows are held out
const CLASSES = 3;

/** Three classes, each high on "its" features: separable, but not in one step. */
function writeCsv(path: string): void {
  const rng = createRng(1);
  const lines = ['f0,f1,f2,f3,f4,f5,label'];
  for (let i = 0; i < ROWS; i++) {
    const y = i % CLASSES;
    const cells = Array.from({ length: 6 }, (_, j) => ((j % CLASSES === y ? 1 : -0.5) + (rng.next() - 0.5) * 2).toFixed(4));
    lines.push(`${cells.join(',')},${['a', 'b', 'c'][y]}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

let csvPath = '';

function config(overrides: Partial<FederatedConfigInput> & { simulation?: FederatedConfigInput['simulation'] } = {}): FederatedConfigInput {
  const { simulation, ...rest } = overrides;
  return {
    mode: 'federated',
    name: 'sim-test',
    seed: 3,
    backend: 'cpu',
    data: { dataset: 'csv', train: csvPath, testFraction: 0.2 },
    model: { type: 'mlp', hidden: [8] },
    optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0.9 },
    strategy: { name: 'fedavg', localEpochs: 1, batchSize: 16 },
    rounds: 3,
    sampling: { fraction: 1, minFit: 2, minAvailable: 2 },
    ...rest,
    simulation: {
      clients: 4,
      workers: 2,
      partition: { method: 'dirichlet', alpha: 0.5 },
      baselines: { localOnly: false, pooled: false },
      ...simulation,
    },
  };
}

function bits(v: Float32Array): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length);
}

function evaluations(r: SimulationResult): unknown[] {
  return r.federated.history.map((h) => h.evaluation);
}

/** What must be identical between two runs of the same rounds (wall-clock times aside). */
function comparable(history: readonly RoundRecord[]): unknown[] {
  return history.map((h) => ({
    round: h.round,
    sampled: h.sampled,
    replied: h.replied,
    failures: h.failures,
    trainLoss: h.trainLoss,
    evaluation: h.evaluation,
    federatedEvaluation: h.federatedEvaluation,
    clientMetrics: Object.fromEntries(Object.entries(h.clientMetrics).map(([id, m]) => [id, { loss: m.loss, numExamples: m.numExamples }])),
  }));
}

function assertSameRun(actual: SimulationResult, expected: SimulationResult, what: string): void {
  assert.deepEqual(bits(actual.federated.params), bits(expected.federated.params), `${what}: bitwise equal parameters`);
  assert.deepEqual(comparable(actual.federated.history), comparable(expected.federated.history), `${what}: history`);
}

describe('runSimulation', () => {
  before(() => {
    csvPath = join(tempDir(), 'train.csv');
    writeCsv(csvPath);
  });

  // Shared by the tests below: a 3-round FedAvg run with both baselines, on 2 workers.
  let reference: SimulationResult | undefined;
  const events: SimulationEvent[] = [];
  async function referenceRun(): Promise<SimulationResult> {
    reference ??= await runSimulation(config({ simulation: { baselines: { localOnly: true, pooled: true } } }), { onEvent: (e) => events.push(e) });
    return reference;
  }

  it('reports the test accuracy of every round, local-only scores of every client, and the pooled baseline', async () => {
    const r = await referenceRun();

    assert.equal(r.workers, 2);
    assert.equal(r.backend, 'cpu');
    assert.deepEqual(r.clientIds, ['client-0', 'client-1', 'client-2', 'client-3']);
    assert.equal(r.federated.round, 3);
    assert.equal(r.federated.interrupted, false);
    assert.deepEqual(r.federated.history.map((h) => h.round), [1, 2, 3]);
    for (const h of r.federated.history) {
      assert.ok(h.evaluation !== undefined, `round ${h.round} evaluated`);
      assert.ok(h.evaluation.accuracy >= 0 && h.evaluation.accuracy <= 1 && Number.isFinite(h.evaluation.loss));
      assert.deepEqual(h.replied, r.clientIds.filter((_, i) => r.clientSizes[i] > 0));
      assert.equal(h.refused, undefined);
    }
    const accuracies = r.federated.history.map((h) => h.evaluation?.accuracy ?? 0);
    assert.ok(accuracies[2] > 0.6, `final accuracy ${accuracies[2]} well above chance (1/3)`);
    assert.ok((r.federated.history[2].evaluation?.loss ?? Infinity) < (r.federated.history[0].evaluation?.loss ?? 0), 'the loss falls');
    assert.equal(r.baselines.epochs, 3);
    assert.deepEqual(Object.keys(r.baselines.localOnly ?? {}), r.clientIds);
    for (const s of Object.values(r.baselines.localOnly ?? {})) assert.ok(s.accuracy >= 0 && s.accuracy <= 1 && Number.isFinite(s.loss));
    assert.ok(r.baselines.pooled !== undefined && r.baselines.pooled.accuracy > 0.6, `pooled accuracy ${r.baselines.pooled?.accuracy}`);
    assert.ok(events.some((e) => e.type === 'started' && e.workers === 2 && e.clients === 4));
    assert.deepEqual(events.filter((e) => e.type === 'baseline-done').map((e) => (e.type === 'baseline-done' ? e.which : '')), ['localOnly', 'pooled']);
    assert.ok(r.federated.history.every((h) => h.bytesSent > 0 && h.bytesReceived > 0));
  });

  it('measures every update\'s time in and outside training, per round and per run', async () => {
    const r = await referenceRun();

    for (const h of r.federated.history) {
      const o = h.overhead;
      assert.ok(o !== undefined, `round ${h.round} has its overhead`);
      assert.equal(o.updates, h.replied.length + h.failures.length, 'one measurement per reply');
      assert.ok(o.share >= 0 && o.share <= 1, `share ${o.share}`);
      assert.ok(o.trainingSeconds > 0 && o.outsideSeconds > 0, `training ${o.trainingSeconds} s, outside ${o.outsideSeconds} s`);
      assert.ok(Object.values(o.parts).every((s) => s >= 0));
      assert.ok(Math.abs(Object.values(o.parts).reduce((a, b) => a + b, 0) - o.outsideSeconds) < 1e-9, 'the parts make up the time outside');
      // The parts and the training steps are measured apart from the whole path: together they cover it, with no gap or double count.
      const covered = o.trainingSeconds + o.outsideSeconds;
      assert.ok(Math.abs(covered - o.totalSeconds) <= 0.05 * o.totalSeconds + 0.002 * o.updates, `training + outside ${covered} s vs update time ${o.totalSeconds} s`);
    }
    const rounds = r.federated.history.map((h) => h.overhead);
    assert.equal(r.overhead.updates, rounds.reduce((s, o) => s + (o?.updates ?? 0), 0));
    assert.ok(Math.abs(r.overhead.trainingSeconds - rounds.reduce((s, o) => s + (o?.trainingSeconds ?? 0), 0)) < 1e-9);
    assert.ok(r.overhead.share >= 0 && r.overhead.share <= 1);
  });

  it('partitions with Dirichlet: one histogram row per client, summing to each client\'s size and to the training set', async () => {
    const r = await referenceRun();

    assert.equal(r.histograms.length, 4);
    assert.ok(r.histograms.every((row) => row.length === CLASSES));
    assert.deepEqual(r.histograms.map((row) => row.reduce((a, b) => a + b, 0)), r.clientSizes);
    assert.equal(r.clientSizes.reduce((a, b) => a + b, 0), TRAIN_SIZE);
    const perClass = Array.from({ length: CLASSES }, (_, c) => r.histograms.reduce((s, row) => s + row[c], 0));
    assert.deepEqual(perClass, [80, 80, 80]);
    assert.ok(r.histograms.some((row) => Math.max(...row) > 2 * Math.min(...row)), 'label skew (alpha 0.5)');
    for (const h of r.federated.history) {
      for (const [id, m] of Object.entries(h.clientMetrics)) assert.equal(m.numExamples, r.clientSizes[r.clientIds.indexOf(id)]);
    }
    assert.deepEqual(r.malicious, []);
  });

  it('is deterministic across runs and worker counts, and resumes exactly: 2 rounds (1 worker) + 1 resumed = 3 clean rounds', async () => {
    const clean = await referenceRun();
    const path = join(tempDir(), 'checkpoint.bin');

    const part = await runSimulation(config({ rounds: 2, simulation: { workers: 1 } }), { checkpointPath: path });
    const resumedEvents: SimulationEvent[] = [];
    const resumed = await runSimulation(config({ rounds: 3 }), { checkpointPath: path, resume: true, onEvent: (e) => resumedEvents.push(e) });

    assert.equal(part.workers, 1);
    assert.deepEqual(comparable(part.federated.history), comparable(clean.federated.history).slice(0, 2), 'rounds 1–2 are the same with 1 and 2 workers');
    assert.deepEqual(evaluations(resumed), evaluations(clean), 'the evaluation numbers of every round');
    assertSameRun(resumed, clean, 'resumed run');
    assert.deepEqual(resumedEvents.flatMap((e) => (e.type === 'round-start' ? [e.round] : [])), [3]);
    assert.equal(readCheckpointFile<{ round: number }>(path).meta.round, 3);
    assert.deepEqual(resumed.baselines, { epochs: 3 }, 'baselines off');
  });

  it('gives identical results for the same config run twice on 2 workers', async () => {
    const clean = await referenceRun();

    const again = await runSimulation(config({ simulation: { baselines: { localOnly: true, pooled: true } } }));

    assertSameRun(again, clean, 'second run');
    assert.deepEqual(again.baselines, clean.baselines);
    assert.deepEqual(again.histograms, clean.histograms);
  });

  it('runs SCAFFOLD with federated evaluation, and resumes it exactly (client control variates are checkpointed)', async () => {
    const scaffold = {
      strategy: { name: 'scaffold' as const, localEpochs: 1, batchSize: 16 },
      sampling: { fraction: 0.5, minFit: 2, minAvailable: 2, evaluateEvery: 1 },
    };
    const simulation = { clientTestFraction: 0.2, partition: { method: 'iid' as const } };
    const path = join(tempDir(), 'checkpoint.bin');

    const clean = await runSimulation(config({ ...scaffold, rounds: 3, simulation }));
    await runSimulation(config({ ...scaffold, rounds: 2, simulation: { ...simulation, workers: 1 } }), { checkpointPath: path });
    const { meta, vectors } = readCheckpointFile<{ pool: string[]; strategy: { vectors: string[] } }>(path);
    const resumed = await runSimulation(config({ ...scaffold, rounds: 3, simulation }), { checkpointPath: path, resume: true });

    assert.deepEqual(meta.strategy.vectors, ['serverControl']);
    assert.ok(meta.pool.length >= 2 && meta.pool.every((k) => k.startsWith('control/client-')), `pool state ${meta.pool.join(', ')}`);
    assert.ok(meta.pool.every((k) => vectors[`pool/${k}`].some((x) => x !== 0)), 'nonzero client controls');
    for (const h of clean.federated.history) {
      assert.equal(h.sampled.length, 2);
      assert.equal(h.refused, undefined);
      assert.ok((h.aggregate.controlNorm ?? 0) > 0);
      assert.ok(h.federatedEvaluation !== undefined && h.federatedEvaluation.numExamples > 0);
      assert.ok(h.federatedEvaluation.accuracy >= 0 && h.federatedEvaluation.accuracy <= 1);
    }
    assert.equal(clean.clientSizes.reduce((a, b) => a + b, 0), TRAIN_SIZE - 4 * 12, '20% of each client\'s 60 samples held out');
    assertSameRun(resumed, clean, 'resumed SCAFFOLD run');
  });

  it('runs with sign-flip attackers and reports them; the median resists where the mean does not', async () => {
    const attack = { type: 'sign-flip' as const, fraction: 0.25, scale: 4 };
    const common = { rounds: 2, simulation: { partition: { method: 'iid' as const }, attack, workers: 1 } };
    const expected = [...selectMaliciousIds({ clientIds: ['client-0', 'client-1', 'client-2', 'client-3'], fraction: 0.25, seed: 3 })];

    const mean = await runSimulation(config({ ...common, strategy: { name: 'fedavg', localEpochs: 1, batchSize: 16 } }));
    const median = await runSimulation(config({ ...common, strategy: { name: 'fedmedian', localEpochs: 1, batchSize: 16 } }));

    for (const r of [mean, median]) {
      assert.equal(expected.length, 1);
      assert.deepEqual(r.malicious, expected);
      assert.equal(r.federated.round, 2);
      assert.ok(r.federated.history.every((h) => h.refused === undefined && h.replied.length === 4));
    }
    const accMean = mean.federated.history[1].evaluation?.accuracy ?? Number.NaN;
    const accMedian = median.federated.history[1].evaluation?.accuracy ?? Number.NaN;
    assert.ok(accMedian > 0.6, `FedMedian accuracy under attack ${accMedian}`);
    assert.ok(accMedian > accMean + 0.1, `FedMedian ${accMedian} vs FedAvg ${accMean} under a sign-flip attack`);
  });
});
