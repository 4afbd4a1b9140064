/**
 * A coordinator run whose disk fills up: the checkpoint write of round 2 fails with ENOSPC
 * (injected through the durable file layer's seam). The run stops with an OutputError naming the
 * checkpoint, never reports round 2 as checkpointed, and the round-1 checkpoint is still whole,
 * consistent and resumable to exactly the run an uninterrupted coordinator makes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { OutputError } from '../../errors.js';
import { randomValues, tempDirFactory } from '../../engine/testing.js';
import { withFileSystem } from '../../report/durable-file.js';
import { faultyFileSystem } from '../../report/testing.js';
import { createStrategy } from '../strategies/registry.js';
import type { FitReply, Vectors } from '../strategy.js';
import type { TensorLayout } from '../task.js';
import { readCheckpointFile } from './checkpoint-file.js';
import { checkCheckpointMeta } from './checkpoint-meta.js';
import type { ClientPool, EvaluateOutcome, EvaluateRequest, FitOutcome, FitRequest } from './client-pool.js';
import { Coordinator, paramsChecksum, type CoordinatorEvent, type RoundSettings } from './coordinator.js';

const tempDir = tempDirFactory('jointly-ckpt-durable-');

const LAYOUT: TensorLayout[] = [
  { name: 'dense/kernel', shape: [2, 2] },
  { name: 'dense/bias', shape: [2] },
];
const DIM = 6;
const SETTINGS: RoundSettings = { rounds: 3, fraction: 1, minFit: 2, minAvailable: 2, roundTimeoutSeconds: 60, evaluateEvery: 1, evaluateFraction: 1, seed: 5 };

/**
 * An in-memory transport (a test double for the network or the worker threads only): client k
 * moves the parameters halfway to its own target, shifted by the round seed; it keeps a
 * per-client counter as pool state, so that the checkpoint also holds pool vectors.
 */
class InMemoryPool implements ClientPool {
  private readonly ids = ['c0', 'c1', 'c2'];
  private fitted = new Map<string, number>();

  available(): string[] {
    return [...this.ids];
  }

  async waitForClients(): Promise<void> {}

  async fit(req: FitRequest): Promise<FitOutcome> {
    const seed = Number(req.instructions.config.seed);
    const replies: FitReply[] = req.clients.map((id, k) => {
      this.fitted.set(id, (this.fitted.get(id) ?? 0) + 1);
      const params = req.params.map((x, j) => x + 0.5 * (Math.sin(k + j + 1) + (seed % 101) / 1000 - x));
      return { clientId: id, params, numExamples: 10 + k, metrics: { loss: 1 / (1 + k) }, extras: {} };
    });
    return { replies, failures: [], bytesSent: req.clients.length * DIM * 4, bytesReceived: replies.length * DIM * 4 };
  }

  async evaluate(req: EvaluateRequest): Promise<EvaluateOutcome> {
    const results = req.clients.map((id, k) => ({ clientId: id, numExamples: 5 + k, loss: 0.5 + k, accuracy: 0.25 * k }));
    return { results, failures: [], bytesSent: 10, bytesReceived: 10 };
  }

  getState(): Vectors {
    return Object.fromEntries([...this.fitted].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, n]) => [`fitted/${id}`, Float32Array.of(n)]));
  }

  setState(state: Vectors): void {
    this.fitted = new Map(Object.entries(state).map(([k, v]) => [k.slice('fitted/'.length), v[0]]));
  }
}

function coordinator(checkpointPath: string | undefined, resume: boolean, onEvent: (e: CoordinatorEvent) => void): Coordinator {
  return new Coordinator({
    runId: 'durable-run',
    // FedAdam keeps server moments: the checkpoint holds strategy vectors too.
    strategy: createStrategy({ name: 'fedadam' }),
    pool: new InMemoryPool(),
    settings: SETTINGS,
    layout: LAYOUT,
    initialParams: randomValues(DIM, 9),
    ...(checkpointPath === undefined ? {} : { checkpointPath }),
    resume,
    onEvent,
  });
}

function bits(v: Float32Array): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length);
}

/** The rounds of the events of one type. */
function roundsOf(events: readonly CoordinatorEvent[], type: CoordinatorEvent['type']): number[] {
  return events.filter((e) => e.type === type).map((e) => (e.type === 'round-end' ? e.record.round : 'round' in e ? e.round : Number.NaN));
}

describe('checkpoint durability in a coordinator run', () => {
  it('ENOSPC at round 2\'s checkpoint: the run stops with an OutputError, round 2 is never reported saved, and round 1 resumes exactly', async () => {
    const path = join(tempDir(), 'checkpoint.jly');
    const events: CoordinatorEvent[] = [];
    let roundOne: Buffer | undefined;
    let writesSinceFull = 0;
    // The disk fills up once round 1 is saved: the next write call stores 100 bytes, the ones after find no space.
    const disk = faultyFileSystem({
      maxBytesPerWrite: 100,
      fail: (call) => (roundOne !== undefined && call === 'writeSync' && ++writesSinceFull > 1 ? 'ENOSPC' : undefined),
    });
    const run = coordinator(path, false, (e) => {
      events.push(e);
      if (e.type === 'checkpoint' && e.round === 1) roundOne = readFileSync(path);
    });

    await assert.rejects(
      withFileSystem(disk, () => run.run(new AbortController().signal)),
      (err: unknown) => {
        assert.ok(err instanceof OutputError, String(err));
        assert.match(err.message, /^cannot write .*checkpoint\.jly: no space left on device \(ENOSPC\); the previous file is kept$/);
        assert.match(err.hint ?? '', /free disk space .*, then run again with --resume/);
        assert.equal(err.exitCode, 7);
        return true;
      },
    );

    assert.deepEqual(roundsOf(events, 'checkpoint'), [1], 'round 2 was never reported checkpointed');
    assert.deepEqual(roundsOf(events, 'round-end'), [1]);
    assert.deepEqual(roundsOf(events, 'round-start'), [1, 2], 'round 2 ran up to its checkpoint');
    assert.ok(disk.calls.some((c) => c.call === 'writeSync' && c.path.includes('checkpoint.jly.')), 'the failing write went to a temporary file beside the checkpoint');

    // The round-1 checkpoint is byte-identical, whole, consistent with its payload and history, and resumable.
    assert.deepEqual(readFileSync(path), roundOne);
    const { meta, vectors } = readCheckpointFile(path);
    const checked = checkCheckpointMeta(meta, vectors, { path, checksum: paramsChecksum });
    assert.equal(checked.round, 1);
    assert.ok(checked.strategy.vectors.length > 0 && checked.pool.length > 0, 'the checkpoint holds strategy and pool vectors');

    const resumedEvents: CoordinatorEvent[] = [];
    const resumed = await coordinator(path, true, (e) => resumedEvents.push(e)).run(new AbortController().signal);
    const clean = await coordinator(undefined, false, () => undefined).run(new AbortController().signal);

    assert.deepEqual(roundsOf(resumedEvents, 'resumed'), [1]);
    assert.deepEqual(roundsOf(resumedEvents, 'round-start'), [2, 3]);
    assert.equal(resumed.round, 3);
    assert.deepEqual(bits(resumed.params), bits(clean.params), 'the resumed run ends with the parameters of an uninterrupted one');
    assert.deepEqual(
      resumed.history.map((r) => r.paramsChecksum),
      clean.history.map((r) => r.paramsChecksum),
    );
    assert.deepEqual(resumed.clients, clean.clients);
  });

  it('every checkpoint a run writes through short writes of 7 bytes is whole and passes checkCheckpointMeta', async () => {
    const path = join(tempDir(), 'checkpoint.jly');
    const saved: number[] = [];
    const run = coordinator(path, false, (e) => {
      if (e.type !== 'checkpoint') return;
      // Read with the real file system: what is on disk once the coordinator says it saved.
      const { meta, vectors } = readCheckpointFile(path);
      saved.push(checkCheckpointMeta(meta, vectors, { path, checksum: paramsChecksum }).round);
    });

    const result = await withFileSystem(faultyFileSystem({ maxBytesPerWrite: 7 }), () => run.run(new AbortController().signal));

    assert.equal(result.round, 3);
    assert.deepEqual(saved, [1, 2, 3]);
  });
});
