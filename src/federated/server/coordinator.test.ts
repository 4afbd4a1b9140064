/**
 * The coordinator's round loop with real strategies from the registry, over an in-test client
 * pool: a deterministic fake transport whose clients "train" by a few gradient steps towards a
 * client-specific target (with SCAFFOLD's correction when the round asks for it). Covers round
 * order, sampling, failures, refusals, checkpoints, exact resume, abort, and evaluation.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CheckpointError } from '../../errors.js';
import { deriveSeed } from '../../engine/random.js';
import { assertClose, errorLike, randomValues, tempDirFactory } from '../../engine/testing.js';
import { EXTRA_CONTROL_DELTA, EXTRA_SERVER_CONTROL } from '../client-config.js';
import { createStrategy } from '../strategies/registry.js';
import type { FitFailure, FitReply, Strategy, Vectors } from '../strategy.js';
import type { TensorLayout } from '../task.js';
import { readCheckpointFile } from './checkpoint-file.js';
import type { ClientEvaluation, ClientPool, EvaluateOutcome, EvaluateRequest, FitOutcome, FitRequest } from './client-pool.js';
import { Coordinator, paramsChecksum, type CoordinatorEvent, type CoordinatorResult, type RoundRecord, type RoundSettings } from './coordinator.js';
import { sampleClients } from './sample-clients.js';
import { DEFAULT_UPDATE_BOUNDS, distance2, type UpdateBounds } from './update-bounds.js';

const tempDir = tempDirFactory('jointly-coordinator-');

const LAYOUT: TensorLayout[] = [
  { name: 'dense/kernel', shape: [2, 2] },
  { name: 'dense/bias', shape: [2] },
];
const DIM = 6;
const INITIAL = randomValues(DIM, 42);
/** The fake clients' local learning rate and number of local steps. */
const LR = 0.1;
const STEPS = 3;

const SETTINGS: RoundSettings = {
  rounds: 5,
  fraction: 1,
  minFit: 2,
  minAvailable: 2,
  roundTimeoutSeconds: 60,
  evaluateEvery: 0,
  evaluateFraction: 1,
  seed: 11,
};

function clientIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `c${i}`);
}

/** Client k's local optimum; shifted slightly by the round seed so that the seed matters. */
function targetOf(k: number, roundSeed: number): Float32Array {
  const t = new Float32Array(DIM);
  for (let j = 0; j < DIM; j++) t[j] = Math.sin(k + 1 + 0.7 * j) + ((roundSeed % 997) / 997) * 0.01;
  return t;
}

interface FakePoolOptions {
  /** Why client `id` fails in `round`, or undefined when it replies. */
  fail?: (round: number, id: string) => string | undefined;
  /** Runs at the start of every fit request (may wait for the signal, or abort it). */
  beforeFit?: (req: FitRequest, signal: AbortSignal) => Promise<void> | void;
  beforeEvaluate?: (req: EvaluateRequest, signal: AbortSignal) => Promise<void> | void;
  /** Clients that join when someone waits for clients. */
  joinOnWait?: string[];
}

/** A deterministic fake transport: a test double for the network or the worker threads only. */
class FakePool implements ClientPool {
  readonly fits: FitRequest[] = [];
  readonly evaluations: EvaluateRequest[] = [];
  readonly waits: number[] = [];
  private readonly ids: string[];
  private readonly opts: FakePoolOptions;
  /** SCAFFOLD control variates c_i of the clients. */
  private readonly controls = new Map<string, Float32Array>();

  constructor(ids: string[], opts: FakePoolOptions = {}) {
    this.ids = [...ids];
    this.opts = opts;
  }

  available(): string[] {
    // Deliberately unsorted: the coordinator must not depend on the order.
    return [...this.ids].reverse();
  }

  async waitForClients(n: number, signal: AbortSignal): Promise<void> {
    this.waits.push(n);
    if (this.opts.joinOnWait !== undefined) {
      this.ids.push(...this.opts.joinOnWait.filter((id) => !this.ids.includes(id)));
      if (this.ids.length >= n) return;
    }
    await new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted while waiting')), { once: true }));
  }

  private indexOf(id: string): number {
    const k = Number(id.slice(1));
    assert.ok(this.ids.includes(id), `unknown client ${id}`);
    return k;
  }

  async fit(req: FitRequest, signal: AbortSignal): Promise<FitOutcome> {
    this.fits.push({ ...req, clients: [...req.clients], params: req.params.slice() });
    await this.opts.beforeFit?.(req, signal);
    const { config, extras } = req.instructions;
    const seed = Number(config.seed);
    const scaffold = config.scaffold === true;
    const c = extras[EXTRA_SERVER_CONTROL];
    if (scaffold) assert.ok(c !== undefined && c.length === DIM, 'a SCAFFOLD round sends the server control');
    const replies: FitReply[] = [];
    const failures: FitFailure[] = [];
    for (const id of req.clients) {
      const reason = this.opts.fail?.(req.round, id);
      if (reason !== undefined) {
        failures.push({ clientId: id, reason });
        continue;
      }
      const k = this.indexOf(id);
      const target = targetOf(k, seed);
      const ci = this.controls.get(id) ?? new Float32Array(DIM);
      const x = req.params;
      const y = x.slice();
      for (let s = 0; s < STEPS; s++) {
        for (let j = 0; j < DIM; j++) y[j] -= LR * (y[j] - target[j] + (scaffold ? c[j] - ci[j] : 0));
      }
      const replyExtras: Vectors = {};
      if (scaffold) {
        const next = new Float32Array(DIM);
        const delta = new Float32Array(DIM);
        for (let j = 0; j < DIM; j++) {
          next[j] = ci[j] - c[j] + (x[j] - y[j]) / (STEPS * LR);
          delta[j] = next[j] - ci[j];
        }
        this.controls.set(id, next);
        replyExtras[EXTRA_CONTROL_DELTA] = delta;
      }
      let loss = 0;
      for (let j = 0; j < DIM; j++) loss += (y[j] - target[j]) ** 2;
      replies.push({ clientId: id, params: y, numExamples: 10 + k, metrics: { loss }, extras: replyExtras });
    }
    // Replies arrive in no particular order.
    replies.reverse();
    return { replies, failures, bytesSent: req.params.byteLength * req.clients.length, bytesReceived: replies.length * DIM * 4 };
  }

  async evaluate(req: EvaluateRequest, signal: AbortSignal): Promise<EvaluateOutcome> {
    this.evaluations.push({ ...req, clients: [...req.clients], params: req.params.slice() });
    await this.opts.beforeEvaluate?.(req, signal);
    const results: ClientEvaluation[] = req.clients.map((id) => {
      const k = this.indexOf(id);
      return { clientId: id, numExamples: 5 + k, loss: 0.5 + k, accuracy: 0.1 * k };
    });
    return { results: results.reverse(), failures: [], bytesSent: 100, bytesReceived: 10 };
  }

  getState(): Vectors {
    return Object.fromEntries([...this.controls.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, v]) => [`control/${id}`, v.slice()]));
  }

  setState(state: Vectors): void {
    this.controls.clear();
    for (const [k, v] of Object.entries(state)) this.controls.set(k.slice('control/'.length), v.slice());
  }
}

interface RunOptions {
  strategy?: Record<string, unknown>;
  bounds?: UpdateBounds;
  pool?: FakePool;
  ids?: string[];
  settings?: Partial<RoundSettings>;
  checkpointPath?: string;
  resume?: boolean;
  signal?: AbortSignal;
  evaluateGlobal?: (params: Float32Array) => { loss: number; accuracy: number };
  layout?: TensorLayout[];
  initialParams?: Float32Array;
}

interface Run {
  result: CoordinatorResult;
  events: CoordinatorEvent[];
  pool: FakePool;
  strategy: Strategy;
}

function makeCoordinator(o: RunOptions, events: CoordinatorEvent[]): { coordinator: Coordinator; pool: FakePool; strategy: Strategy } {
  const pool = o.pool ?? new FakePool(o.ids ?? clientIds(4));
  const strategy = createStrategy(o.strategy ?? { name: 'fedavg' });
  const coordinator = new Coordinator({
    runId: 'test-run',
    strategy,
    pool,
    settings: { ...SETTINGS, ...o.settings },
    layout: o.layout ?? LAYOUT,
    initialParams: o.initialParams ?? INITIAL,
    evaluateGlobal: o.evaluateGlobal,
    ...(o.bounds === undefined ? {} : { bounds: o.bounds }),
    checkpointPath: o.checkpointPath,
    resume: o.resume,
    onEvent: (e) => events.push(e),
  });
  return { coordinator, pool, strategy };
}

async function runCoordinator(o: RunOptions = {}): Promise<Run> {
  const events: CoordinatorEvent[] = [];
  const { coordinator, pool, strategy } = makeCoordinator(o, events);
  const result = await coordinator.run(o.signal ?? new AbortController().signal);
  return { result, events, pool, strategy };
}

/** The history without wall-clock times. */
function timeless(history: readonly RoundRecord[]): RoundRecord[] {
  return history.map((r) => ({ ...r, seconds: 0 }));
}

function bits(v: Float32Array): Uint32Array {
  return new Uint32Array(v.buffer, v.byteOffset, v.length);
}

function assertSameParams(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.deepEqual(bits(actual), bits(expected), `${what}: bitwise equal parameters`);
}

interface MetaView {
  round: number;
  history: RoundRecord[];
  strategy: { name: string; vectors: string[] };
  pool: string[];
}

function startedRounds(events: readonly CoordinatorEvent[]): number[] {
  return events.flatMap((e) => (e.type === 'round-start' ? [e.round] : []));
}

/** A FakePool whose fit replies pass through `poison` (a client sending something else than it trained). */
function poisonedPool(ids: string[], poison: (r: FitReply) => FitReply): FakePool {
  const pool = new FakePool(ids);
  const fit = pool.fit.bind(pool);
  pool.fit = async (req, signal) => {
    const out = await fit(req, signal);
    return { ...out, replies: out.replies.map(poison) };
  };
  return pool;
}

/** Runs `total` rounds at once, and `first` rounds then a resumed coordinator up to `total`; returns both. */
async function cleanAndResumed(strategy: Record<string, unknown>, first: number, total: number): Promise<{ clean: Run; part: Run; resumed: Run; path: string }> {
  const clean = await runCoordinator({ strategy, settings: { rounds: total } });
  const path = join(tempDir(), 'checkpoint.bin');
  const part = await runCoordinator({ strategy, settings: { rounds: first }, checkpointPath: path });
  const resumed = await runCoordinator({ strategy, settings: { rounds: total }, checkpointPath: path, resume: true });
  return { clean, part, resumed, path };
}

describe('Coordinator', () => {
  it('runs the rounds in order, one fit request per round, from the previous round\'s parameters', async () => {
    const { result, events, pool } = await runCoordinator();

    assert.equal(result.round, 5);
    assert.equal(result.interrupted, false);
    assert.deepEqual(startedRounds(events), [1, 2, 3, 4, 5]);
    assert.deepEqual(pool.fits.map((f) => f.round), [1, 2, 3, 4, 5]);
    assert.deepEqual(result.history.map((r) => r.round), [1, 2, 3, 4, 5]);
    assertSameParams(pool.fits[0].params, INITIAL, 'round 1 starts from the initial parameters');
    const ends = events.flatMap((e) => (e.type === 'round-end' ? [e.record.round] : []));
    assert.deepEqual(ends, [1, 2, 3, 4, 5]);
    for (const e of events) {
      if (e.type === 'round-start' && e.round > 1) assert.equal(e.paramsChecksum, paramsChecksum(pool.fits[e.round - 1].params));
    }
    assert.equal(paramsChecksum(result.params), paramsChecksum(result.params.slice()));
    assert.notDeepEqual(bits(result.params), bits(INITIAL));
  });

  it('aggregates with FedAvg: the example-weighted mean of the replies', async () => {
    const { result, pool } = await runCoordinator({ settings: { rounds: 1 } });

    const seed = Number(pool.fits[0].instructions.config.seed);
    assert.equal(seed, deriveSeed(SETTINGS.seed, 'round-1'));
    const expected = new Float64Array(DIM);
    let total = 0;
    for (let k = 0; k < 4; k++) {
      const target = targetOf(k, seed);
      const n = 10 + k;
      total += n;
      for (let j = 0; j < DIM; j++) {
        let y = INITIAL[j];
        for (let s = 0; s < STEPS; s++) y = Math.fround(y - LR * (y - target[j]));
        expected[j] += n * y;
      }
    }
    for (let j = 0; j < DIM; j++) expected[j] /= total;
    assertClose(result.params, expected, 1e-6, 'FedAvg of the fake clients');
    const record = result.history[0];
    assert.deepEqual(record.replied, ['c0', 'c1', 'c2', 'c3']);
    assert.equal(record.aggregate.replies, 4);
    assert.equal(record.aggregate.examples, 46);
    assert.deepEqual(Object.keys(record.clientMetrics), ['c0', 'c1', 'c2', 'c3']);
    assert.equal(record.clientMetrics.c2.numExamples, 12);
    assert.equal(record.bytesSent, 4 * DIM * 4);
    assert.ok(Number.isFinite(record.trainLoss) && record.trainLoss >= 0);
  });

  it('samples ceil(fraction·n) clients per round, seeded by the run seed and the round', async () => {
    const ids = clientIds(10);
    const { result, pool } = await runCoordinator({ ids, settings: { rounds: 4, fraction: 0.3, minFit: 2, minAvailable: 2 } });

    for (let round = 1; round <= 4; round++) {
      const expected = sampleClients(ids, { fraction: 0.3, min: 2, seed: SETTINGS.seed, round });
      assert.equal(expected.length, 3);
      assert.deepEqual(result.history[round - 1].sampled, expected, `round ${round} sample`);
      assert.deepEqual(pool.fits[round - 1].clients, expected, `round ${round} fit request`);
    }
    const samples = new Set(result.history.map((r) => r.sampled.join(',')));
    assert.ok(samples.size > 1, 'the sample changes between rounds');
    const sampledCount = Object.values(result.clients).reduce((s, c) => s + c.sampled, 0);
    assert.equal(sampledCount, 12);
  });

  it('samples minFit clients in round 1 too (minAvailable is a wait condition, not a sample size)', async () => {
    const ids = clientIds(10);
    const { result } = await runCoordinator({ ids, settings: { rounds: 2, fraction: 0.1, minFit: 2, minAvailable: 8 } });

    assert.equal(result.history[1].sampled.length, 2);
    assert.equal(result.history[0].sampled.length, 2, 'round 1 samples as many as the others');
  });

  it('passes failures to the strategy, records them per round and per client, and still aggregates the rest', async () => {
    const pool = new FakePool(clientIds(4), { fail: (round, id) => (id === 'c1' && round % 2 === 0 ? `timeout in round ${round}` : undefined) });
    const { result } = await runCoordinator({ pool, settings: { rounds: 4 } });

    assert.deepEqual(result.history[1].failures, [{ clientId: 'c1', reason: 'timeout in round 2' }]);
    assert.deepEqual(result.history[1].replied, ['c0', 'c2', 'c3']);
    assert.equal(result.history[1].aggregate.failures, 1, 'the strategy saw the failure');
    assert.equal(result.history[0].aggregate.failures, 0);
    assert.equal(result.history[1].refused, undefined);
    assert.deepEqual(result.clients.c1, { sampled: 4, replied: 2, failures: 2, lastFailure: 'timeout in round 4' });
    assert.deepEqual(result.clients.c0, { sampled: 4, replied: 4, failures: 0 });
  });

  it('records a round refused by the strategy (Krum, f=1, 3 replies), keeps the parameters, and carries on', async () => {
    const strategy = { name: 'krum', byzantine: 1 };
    assert.equal(createStrategy(strategy).minReplies(), 5);
    const pool = new FakePool(clientIds(6), { fail: (round, id) => (round === 2 && ['c0', 'c2', 'c4'].includes(id) ? 'disconnected' : undefined) });
    const { result, events } = await runCoordinator({ strategy, pool, settings: { rounds: 4 } });

    assert.equal(result.round, 4);
    assert.equal(result.interrupted, false);
    const refused = result.history[1];
    assert.ok(refused.refused !== undefined, 'round 2 is refused');
    assert.match(refused.refused, /Krum with f=1 needs more than 2f\+2 = 4 replies, got 3/);
    assert.match(refused.refused, /3 sampled client\(s\) failed \(c0: disconnected/);
    assert.deepEqual(refused.aggregate, {});
    assert.deepEqual(refused.replied, ['c1', 'c3', 'c5']);
    assert.deepEqual(
      events.filter((e) => e.type === 'round-refused').map((e) => (e.type === 'round-refused' ? e.round : 0)),
      [2],
    );
    assert.equal(pool.fits[2].round, 3);
    assertSameParams(pool.fits[2].params, pool.fits[1].params, 'the refused round kept the global parameters');
    assert.notDeepEqual(bits(pool.fits[3].params), bits(pool.fits[2].params), 'round 3 aggregated again');
    for (const i of [0, 2, 3]) assert.equal(result.history[i].refused, undefined);
  });

  it('writes a checkpoint after every round, holding that round, its history and the parameters', async () => {
    const path = join(tempDir(), 'checkpoint.bin');
    const seen: { round: number; metaRound: number; historyLength: number; checksum: string }[] = [];
    const events: CoordinatorEvent[] = [];
    const { coordinator } = makeCoordinator({ checkpointPath: path, settings: { rounds: 3 } }, events);
    const original = events.push.bind(events);
    events.push = (...items: CoordinatorEvent[]): number => {
      for (const e of items) {
        if (e.type === 'checkpoint') {
          const { meta, vectors } = readCheckpointFile<MetaView>(path);
          seen.push({ round: e.round, metaRound: meta.round, historyLength: meta.history.length, checksum: paramsChecksum(vectors.params) });
        }
      }
      return original(...items);
    };

    const result = await coordinator.run(new AbortController().signal);

    assert.deepEqual(seen.map((s) => [s.round, s.metaRound, s.historyLength]), [
      [1, 1, 1],
      [2, 2, 2],
      [3, 3, 3],
    ]);
    assert.equal(seen[2].checksum, paramsChecksum(result.params));
    const { meta, vectors } = readCheckpointFile<MetaView>(path);
    assert.equal(meta.strategy.name, 'fedavg');
    assertSameParams(vectors.params, result.params, 'checkpointed parameters');
  });

  it('resumes exactly: 3 rounds then a resumed run to 5 equals 5 clean rounds, bitwise, no round lost or repeated', async () => {
    const { clean, part, resumed } = await cleanAndResumed({ name: 'fedavg' }, 3, 5);

    assert.equal(part.result.round, 3);
    assert.equal(part.result.interrupted, false);
    assert.deepEqual(startedRounds(resumed.events), [4, 5], 'the resumed run starts at round 4');
    const resumedEvent = resumed.events.find((e) => e.type === 'resumed');
    assert.ok(resumedEvent?.type === 'resumed' && resumedEvent.round === 3);
    assert.equal(resumed.result.round, 5);
    assertSameParams(resumed.result.params, clean.result.params, 'final parameters');
    assert.equal(resumed.result.history.length, clean.result.history.length);
    assert.deepEqual(resumed.result.history.map((r) => r.round), [1, 2, 3, 4, 5]);
    assert.deepEqual(timeless(resumed.result.history), timeless(clean.result.history));
    assert.deepEqual(resumed.result.clients, clean.result.clients);
  });

  it('resumes exactly when minAvailable exceeds the round\'s sample size', async () => {
    const ids = clientIds(10);
    const settings = { fraction: 0.2, minFit: 2, minAvailable: 4 };
    const path = join(tempDir(), 'checkpoint.bin');
    const clean = await runCoordinator({ ids, settings: { ...settings, rounds: 4 } });
    await runCoordinator({ ids, settings: { ...settings, rounds: 2 }, checkpointPath: path });

    const resumed = await runCoordinator({ ids, settings: { ...settings, rounds: 4 }, checkpointPath: path, resume: true });

    assert.deepEqual(resumed.result.history.map((r) => r.sampled), clean.result.history.map((r) => r.sampled));
    assertSameParams(resumed.result.params, clean.result.params, 'final parameters');
  });

  it('resumes with the same history when a round had no replies (NaN survives the checkpoint)', async () => {
    const path = join(tempDir(), 'checkpoint.bin');
    const pool = (): FakePool => new FakePool(clientIds(4), { fail: (round) => (round === 1 ? 'down' : undefined) });
    const clean = await runCoordinator({ pool: pool(), settings: { rounds: 2 } });
    assert.ok(clean.result.history[0].refused !== undefined && Number.isNaN(clean.result.history[0].trainLoss));
    await runCoordinator({ pool: pool(), settings: { rounds: 1 }, checkpointPath: path });

    const resumed = await runCoordinator({ pool: pool(), settings: { rounds: 2 }, checkpointPath: path, resume: true });

    assertSameParams(resumed.result.params, clean.result.params, 'parameters');
    assert.deepEqual(timeless(resumed.result.history), timeless(clean.result.history));
  });

  it('resumes a run that had already finished without running another round', async () => {
    const path = join(tempDir(), 'checkpoint.bin');
    const first = await runCoordinator({ settings: { rounds: 2 }, checkpointPath: path });

    const again = await runCoordinator({ settings: { rounds: 2 }, checkpointPath: path, resume: true });

    assert.equal(again.pool.fits.length, 0);
    assert.equal(again.result.round, 2);
    assert.equal(again.result.interrupted, false);
    assertSameParams(again.result.params, first.result.params, 'parameters');
  });

  it('restores FedAdam\'s server moments on resume: 2 + 2 rounds equal 4 clean rounds', async () => {
    const { clean, part, resumed, path } = await cleanAndResumed({ name: 'fedadam' }, 2, 4);

    const stateNames = Object.keys(part.strategy.getState().vectors);
    assert.ok(stateNames.length > 0, 'FedAdam has state to checkpoint');
    assert.deepEqual(readCheckpointFile<MetaView>(path).meta.strategy.vectors, stateNames);
    assertSameParams(resumed.result.params, clean.result.params, 'FedAdam final parameters');
    assert.deepEqual(timeless(resumed.result.history), timeless(clean.result.history));
  });

  it('restores SCAFFOLD\'s server control and the pool\'s client controls: 2 + 2 rounds equal 4 clean rounds', async () => {
    const path = join(tempDir(), 'checkpoint.bin');
    const strategy = { name: 'scaffold' };
    const ids = clientIds(5);
    const settings = { fraction: 0.6, minFit: 2 };
    const clean = await runCoordinator({ strategy, ids, settings: { ...settings, rounds: 4 } });
    await runCoordinator({ strategy, ids, settings: { ...settings, rounds: 2 }, checkpointPath: path });
    const { meta, vectors } = readCheckpointFile<MetaView>(path);
    assert.deepEqual(meta.strategy.vectors, [EXTRA_SERVER_CONTROL]);
    assert.ok(meta.pool.length > 0 && meta.pool.every((k) => k.startsWith('control/')), 'client controls checkpointed');
    assert.ok(vectors[`strategy/${EXTRA_SERVER_CONTROL}`].some((x) => x !== 0), 'the server control moved');

    const resumed = await runCoordinator({ strategy, ids, settings: { ...settings, rounds: 4 }, checkpointPath: path, resume: true });

    assertSameParams(resumed.result.params, clean.result.params, 'SCAFFOLD final parameters');
    assertSameParams(resumed.strategy.getState().vectors[EXTRA_SERVER_CONTROL], clean.strategy.getState().vectors[EXTRA_SERVER_CONTROL], 'server control');
    assert.deepEqual(resumed.pool.getState(), clean.pool.getState());
    assert.deepEqual(timeless(resumed.result.history), timeless(clean.result.history));
  });

  it('refuses to resume a checkpoint of another strategy, another layout, or no checkpoint at all', async () => {
    const path = join(tempDir(), 'checkpoint.bin');
    await runCoordinator({ settings: { rounds: 1 }, checkpointPath: path });
    const events: CoordinatorEvent[] = [];

    assert.throws(() => makeCoordinator({ strategy: { name: 'fedmedian' }, checkpointPath: path, resume: true }, events), errorLike(CheckpointError, /strategy 'fedavg', not 'fedmedian'/));
    const renamed: TensorLayout[] = [LAYOUT[0], { name: 'other/bias', shape: [2] }];
    assert.throws(() => makeCoordinator({ layout: renamed, checkpointPath: path, resume: true }, events), errorLike(CheckpointError, /another architecture/));
    const reshaped: TensorLayout[] = [{ name: 'dense/kernel', shape: [4, 1] }, LAYOUT[1]];
    assert.throws(() => makeCoordinator({ layout: reshaped, checkpointPath: path, resume: true }, events), errorLike(CheckpointError, /another architecture/));
    const bigger: TensorLayout[] = [...LAYOUT, { name: 'extra', shape: [3] }];
    assert.throws(
      () => makeCoordinator({ layout: bigger, initialParams: new Float32Array(DIM + 3), checkpointPath: path, resume: true }, events),
      errorLike(CheckpointError, /another architecture/),
    );
    assert.throws(() => makeCoordinator({ checkpointPath: join(tempDir(), 'missing.bin'), resume: true }, events), errorLike(CheckpointError, /cannot read/));
    assert.throws(() => makeCoordinator({ resume: true }, events), errorLike(CheckpointError, /needs a checkpoint path/));
    assert.equal(events.length, 0);
  });

  it('stops on abort mid-round: the partial round is not counted, the checkpoint holds the last completed round, and resuming finishes exactly', async () => {
    const path = join(tempDir(), 'checkpoint.bin');
    const controller = new AbortController();
    const pool = new FakePool(clientIds(4), {
      beforeFit: async (req, signal) => {
        if (req.round !== 3) return;
        setTimeout(() => controller.abort(), 5);
        await new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new Error('round aborted')), { once: true }));
      },
    });
    const stopped = await runCoordinator({ pool, checkpointPath: path, signal: controller.signal });

    assert.equal(stopped.result.interrupted, true);
    assert.equal(stopped.result.round, 2);
    assert.deepEqual(stopped.result.history.map((r) => r.round), [1, 2]);
    assert.deepEqual(startedRounds(stopped.events), [1, 2, 3]);
    assert.equal(stopped.events.filter((e) => e.type === 'round-end').length, 2);
    const { meta, vectors } = readCheckpointFile<MetaView>(path);
    assert.equal(meta.round, 2);
    assert.equal(meta.history.length, 2);
    assertSameParams(vectors.params, stopped.result.params, 'checkpoint = result');
    const twoRounds = await runCoordinator({ settings: { rounds: 2 } });
    assertSameParams(stopped.result.params, twoRounds.result.params, 'the parameters of round 2');
    assert.equal(stopped.result.clients.c0.sampled, 2, 'the partial round is not tracked');

    const resumed = await runCoordinator({ checkpointPath: path, resume: true });
    const clean = await runCoordinator();
    assert.deepEqual(startedRounds(resumed.events), [3, 4, 5]);
    assertSameParams(resumed.result.params, clean.result.params, 'resumed after abort = clean');
    assert.deepEqual(timeless(resumed.result.history), timeless(clean.result.history));
  });

  it('does not count a round whose fit request resolved after the abort', async () => {
    const controller = new AbortController();
    const pool = new FakePool(clientIds(4), { beforeFit: (req) => (req.round === 2 ? controller.abort() : undefined) });

    const { result } = await runCoordinator({ pool, signal: controller.signal });

    assert.equal(result.interrupted, true);
    assert.equal(result.round, 1);
    assert.equal(result.history.length, 1);
    const oneRound = await runCoordinator({ settings: { rounds: 1 } });
    assertSameParams(result.params, oneRound.result.params, 'parameters of round 1');
  });

  it('stops cleanly when aborted while waiting for clients', async () => {
    const controller = new AbortController();
    const pool = new FakePool(clientIds(1));
    setTimeout(() => controller.abort(), 5);

    const { result, events } = await runCoordinator({ pool, signal: controller.signal });

    assert.deepEqual(events, [{ type: 'waiting', round: 1, needed: 2, available: 1 }]);
    assert.equal(result.round, 0);
    assert.equal(result.interrupted, true);
    assertSameParams(result.params, INITIAL, 'untouched parameters');
  });

  it('waits for minAvailable clients before round 1, then runs', async () => {
    const pool = new FakePool(clientIds(1), { joinOnWait: ['c1', 'c2'] });

    const { result, events } = await runCoordinator({ pool, settings: { rounds: 2, minAvailable: 3 } });

    assert.deepEqual(events[0], { type: 'waiting', round: 1, needed: 3, available: 1 });
    assert.deepEqual(pool.waits, [3]);
    assert.deepEqual(result.history[0].sampled, ['c0', 'c1', 'c2']);
    assert.equal(result.round, 2);
  });

  it('completes an aggregated round when aborted during its federated evaluation, consistent with the checkpoint', async () => {
    const path = join(tempDir(), 'checkpoint.bin');
    const controller = new AbortController();
    const pool = new FakePool(clientIds(4), { beforeEvaluate: (req) => (req.round === 2 ? controller.abort() : undefined) });

    const { result } = await runCoordinator({ pool, checkpointPath: path, signal: controller.signal, settings: { evaluateEvery: 1 } });

    // Round 2 was already aggregated when the stop came: it completes (and is checkpointed), and no third round starts.
    assert.equal(result.round, 2);
    assert.equal(result.history.length, 2);
    const { vectors } = readCheckpointFile<MetaView>(path);
    assertSameParams(result.params, vectors.params, 'result parameters = last completed round\'s');
  });

  it('ignores clients with no held-out examples in the federated evaluation means', async () => {
    const pool = new FakePool(clientIds(3));
    const evaluate = pool.evaluate.bind(pool);
    pool.evaluate = async (req, signal) => {
      const out = await evaluate(req, signal);
      out.results = out.results.map((r) => (r.clientId === 'c0' ? { ...r, numExamples: 0, loss: Number.NaN, accuracy: Number.NaN } : r));
      return out;
    };

    const { result } = await runCoordinator({ pool, settings: { rounds: 1, evaluateEvery: 1 } });

    const fe = result.history[0].federatedEvaluation;
    assert.ok(fe !== undefined);
    assert.equal(fe.numExamples, 6 + 7);
    assert.ok(Math.abs(fe.accuracy - (6 * 0.1 + 7 * 0.2) / 13) < 1e-12, `accuracy ${fe.accuracy}`);
  });

  it('evaluates the new global model on the server after every round', async () => {
    const calls: Float32Array[] = [];
    const evaluateGlobal = (params: Float32Array): { loss: number; accuracy: number } => {
      calls.push(params.slice());
      return { loss: params[0], accuracy: 0.5 };
    };

    const { result, pool } = await runCoordinator({ evaluateGlobal, settings: { rounds: 3 } });

    assert.equal(calls.length, 3);
    assertSameParams(calls[0], pool.fits[1].params, 'round 1 evaluated the parameters round 2 started from');
    assertSameParams(calls[2], result.params, 'round 3 evaluated the final parameters');
    assert.deepEqual(result.history.map((r) => r.evaluation), calls.map((p) => ({ loss: p[0], accuracy: 0.5 })));
  });

  it('runs federated evaluation every k rounds on a sampled fraction, example-weighted', async () => {
    const { result, pool } = await runCoordinator({ ids: clientIds(6), settings: { rounds: 5, evaluateEvery: 2, evaluateFraction: 0.5 } });

    assert.deepEqual(pool.evaluations.map((e) => e.round), [2, 4]);
    assert.deepEqual(result.history.map((r) => r.federatedEvaluation !== undefined), [false, true, false, true, false]);
    for (const ev of pool.evaluations) {
      assert.equal(ev.clients.length, 3);
      assertSameParams(ev.params, pool.fits[ev.round].params, `round ${ev.round} evaluates its new global model`);
    }
    const fe = result.history[1].federatedEvaluation;
    assert.ok(fe !== undefined);
    const ks = pool.evaluations[0].clients.map((id) => Number(id.slice(1)));
    const n = ks.reduce((s, k) => s + 5 + k, 0);
    assert.equal(fe.numExamples, n);
    assert.ok(Math.abs(fe.loss - ks.reduce((s, k) => s + (5 + k) * (0.5 + k), 0) / n) < 1e-12);
    assert.ok(Math.abs(fe.accuracy - ks.reduce((s, k) => s + (5 + k) * 0.1 * k, 0) / n) < 1e-12);
    assert.deepEqual(fe.clients.map((c) => c.clientId), [...pool.evaluations[0].clients].sort());
    assert.equal(result.history[1].bytesSent, 4 * 6 * DIM + 100);
  });

  it('refuses a reply beyond the default norm bound before aggregating: a round failure naming the bound, the rest aggregated', async () => {
    const pool = poisonedPool(clientIds(4), (r) => (r.clientId === 'c3' ? { ...r, params: new Float32Array(DIM).fill(1e30) } : r));
    const clean = await runCoordinator({ ids: clientIds(3), settings: { rounds: 2 } });

    const { result } = await runCoordinator({ pool, settings: { rounds: 2 } });

    for (const r of result.history) {
      assert.deepEqual(r.replied, ['c0', 'c1', 'c2']);
      assert.equal(r.failures.length, 1);
      assert.match(r.failures[0].reason, /^update norm 2\.45e\+30 exceeds the bound [\d.]+ \(10 × (1, the floor of )?the global model's norm [\d.]+\); refused$/);
      assert.equal(r.aggregate.failures, 1, 'the strategy saw the refusal as a failure');
      assert.deepEqual(Object.keys(r.clientMetrics), ['c0', 'c1', 'c2'], 'the refused reply is not in the metrics');
      assertClose([r.updateNorms?.updates.c3 ?? 0], [Math.sqrt(DIM) * 1e30], 1e-6 * 1e30, 'its norm is recorded');
    }
    assertSameParams(result.params, clean.result.params, 'as if c3 had not replied');
    assert.deepEqual(result.clients.c3, { sampled: 2, replied: 0, failures: 2, lastFailure: result.history[1].failures[0].reason });
  });

  it('records every reply\'s update norm and the global norm', async () => {
    const { result, pool } = await runCoordinator({ settings: { rounds: 1 } });

    const norms = result.history[0].updateNorms;
    assert.ok(norms !== undefined);
    assertClose([norms.global], [Math.hypot(...INITIAL)], 1e-6, 'global norm');
    assert.deepEqual(Object.keys(norms.updates).sort(), ['c0', 'c1', 'c2', 'c3']);
    assert.ok(Object.values(norms.updates).every((n) => n > 0 && n < norms.global));
    assert.equal(pool.fits.length, 1);
  });

  it('clips when the bounds say so: the update scaled to the bound, the claim to its cap, both recorded in `bounded`', async () => {
    const pool = poisonedPool(clientIds(4), (r) => (r.clientId === 'c3' ? { ...r, numExamples: 10_000 } : r));
    const bounds: UpdateBounds = { ...DEFAULT_UPDATE_BOUNDS, maxUpdateNorm: 0.05, onNormExceeded: 'clip', maxExamplesMultipleOfMedian: 2, onExamplesExceeded: 'clip' };

    const { result, pool: used } = await runCoordinator({ pool, bounds, settings: { rounds: 1 } });

    const record = result.history[0];
    assert.deepEqual(record.replied, ['c0', 'c1', 'c2', 'c3']);
    assert.deepEqual(record.failures, []);
    const bounded = record.bounded ?? [];
    assert.deepEqual(bounded.filter((b) => b.what === 'updateNorm').map((b) => [b.clientId, b.to, b.bound]), ['c0', 'c1', 'c2', 'c3'].map((id) => [id, 0.05, 'maxUpdateNorm']));
    assert.deepEqual(bounded.filter((b) => b.what === 'numExamples'), [{ clientId: 'c3', what: 'numExamples', from: 10_000, to: 22, bound: '2 × the median claim 11 of the 3 other replies' }]);
    assert.equal(record.clientMetrics.c3.numExamples, 22, 'the metrics show the weight aggregated');
    assert.equal(record.aggregate.examples, 10 + 11 + 12 + 22);
    // Every update has norm 0.05, so the FedAvg step of their weighted mean is at most 0.05.
    const step = distance2(result.params, used.fits[0].params);
    assert.ok(step <= 0.05 + 1e-6 && step > 0.01, `step ${step}`);
  });

  it('leaves implausible and over-claimed federated evaluations out of the means, and says so', async () => {
    const pool = new FakePool(clientIds(4));
    const evaluate = pool.evaluate.bind(pool);
    pool.evaluate = async (req, signal) => {
      const out = await evaluate(req, signal);
      out.results = out.results.map((r) => (r.clientId === 'c3' ? { ...r, numExamples: 10_000_000, accuracy: 1 } : r.clientId === 'c2' ? { ...r, loss: -1 } : r));
      return out;
    };

    const { result } = await runCoordinator({ pool, settings: { rounds: 1, evaluateEvery: 1 } });

    const fe = result.history[0].federatedEvaluation;
    assert.ok(fe !== undefined);
    assert.deepEqual(fe.clients.map((c) => c.clientId), ['c0', 'c1', 'c2', 'c3'], 'the results as reported');
    assert.deepEqual(fe.dropped, [
      { clientId: 'c2', reason: 'loss -1 is not a finite number ≥ 0; left out of the federated evaluation' },
      { clientId: 'c3', reason: 'evaluated examples 10000000 exceed the bound 550 (100 × the median count 5.5 of the 2 other replies); left out of the federated evaluation' },
    ]);
    assert.equal(fe.numExamples, 5 + 6);
    assert.ok(Math.abs(fe.accuracy - (5 * 0 + 6 * 0.1) / 11) < 1e-12, `accuracy ${fe.accuracy}`);
  });
});
