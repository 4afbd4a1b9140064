/**
 * The simulation's client pool on a real worker thread: every worker reply goes through the
 * networked server's validation (`validateFitReply`), so a bad simulated reply fails its client's
 * round with the same reason; and the clients' algorithm state (SCAFFOLD's cᵢ) is kept and
 * checkpointed without the pool knowing what it is.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { selectBackend } from '../../engine/backend.js';
import { readParams } from '../../engine/flat-params.js';
import { errorLike } from '../../engine/testing.js';
import { CheckpointError } from '../../errors.js';
import type { FitRequest } from '../server/client-pool.js';
import { buildTaskModel, FederatedTaskSchema, taskLayout, type TensorLayout } from '../task.js';
import { SimulatedClientPool, type SimulatedPoolOptions } from './simulated-pool.js';
import { WorkerPool } from './worker-pool.js';
import { shareDataset, type AttackSpecValue } from './worker-protocol.js';
import { blobs } from '../testing.js';

const TASK = FederatedTaskSchema.parse({
  model: { type: 'mlp', hidden: [4] },
  optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0 },
  inputShape: [3],
  numClasses: 2,
});


const IDS = ['client-0', 'client-1', 'client-2'];
const CLIENTS = [0, 1, 2].map((k) => Int32Array.from({ length: 20 }, (_, i) => k * 20 + i));

describe('SimulatedClientPool', () => {
  let workers: WorkerPool;
  let layout: TensorLayout[];
  let global: Float32Array;

  before(async () => {
    await selectBackend('cpu');
    workers = await WorkerPool.start(1, { task: TASK, backend: 'cpu', threads: 1, train: shareDataset(blobs(60, 1)), test: shareDataset(blobs(10, 2)), clients: CLIENTS, clientTests: CLIENTS.map(() => new Int32Array(0)) });
    const model = buildTaskModel(TASK, 0);
    layout = taskLayout(model);
    global = readParams(model);
    model.dispose();
  });

  after(() => workers.close());

  function pool(overrides: Partial<SimulatedPoolOptions> = {}): SimulatedClientPool {
    return new SimulatedClientPool({ workers, clientIds: IDS, clientSizes: [20, 20, 20], layout, attacks: new Map(), seed: 1, canEvaluate: false, ...overrides });
  }

  function request(instructions: Partial<FitRequest['instructions']> = {}, round = 1): FitRequest {
    return { round, clients: IDS, params: global, instructions: { config: { localEpochs: 1, batchSize: 8 }, extras: {}, ...instructions }, deadline: Date.now() + 60_000 };
  }

  it('passes valid replies on, trained from the global parameters', async () => {
    const out = await pool().fit(request());

    assert.deepEqual(out.failures, []);
    assert.deepEqual(out.replies.map((r) => r.clientId).sort(), IDS);
    for (const r of out.replies) {
      assert.equal(r.numExamples, 20);
      assert.equal(r.params.length, global.length);
      assert.ok(r.params.some((x, i) => x !== global[i]));
    }
  });

  it('refuses a bad reply as the networked server does: a failure of that client with the same reason, the others aggregated', async () => {
    const inflated = { type: 'scale', fraction: 1, factor: 1e300 } as AttackSpecValue;
    const cases: { what: string; options?: Partial<SimulatedPoolOptions>; instructions?: Partial<FitRequest['instructions']>; reason: RegExp }[] = [
      { what: 'non-finite parameters', options: { attacks: new Map([['client-1', inflated]]) }, reason: /^refused reply: parameters '[\w/]+' has a non-finite value \(-?Infinity\) at index \d+$/ },
      { what: 'more examples than the client holds', options: { clientSizes: [20, 5, 20] }, reason: /^refused reply: numExamples 20 exceeds the plausible maximum of 5 for this client$/ },
      { what: 'a missing extra', instructions: { replyExtras: { controlDelta: global.length } }, reason: /^refused reply: extra vector 'controlDelta' \(\d+ values\) is missing; this round's strategy needs it$/ },
    ];
    for (const c of cases) {
      const out = await pool(c.options).fit(request(c.instructions));

      const expected = c.what === 'a missing extra' ? IDS : ['client-1'];
      assert.deepEqual(out.failures.map((f) => f.clientId).sort(), expected, c.what);
      for (const f of out.failures) assert.match(f.reason, c.reason, c.what);
      assert.equal(out.replies.length, IDS.length - expected.length, c.what);
    }
    // An extra the round does not expect: SCAFFOLD clients answering a round that declared none.
    const scaffold = await pool().fit(request({ config: { localEpochs: 1, batchSize: 8, scaffold: true }, extras: { serverControl: new Float32Array(global.length) } }));
    assert.equal(scaffold.failures.length, 3);
    for (const f of scaffold.failures) assert.equal(f.reason, 'refused reply: extra vector \'controlDelta\' is not used by this round\'s strategy');
  });

  it('keeps each client\'s algorithm state between rounds, and checkpoints it as <name>/<client id>', async () => {
    const p = pool();
    const scaffoldRound = (round: number): FitRequest =>
      request({ config: { localEpochs: 1, batchSize: 8, scaffold: true }, extras: { serverControl: new Float32Array(global.length).fill(0.01) }, replyExtras: { controlDelta: global.length } }, round);

    const first = await p.fit(scaffoldRound(1));
    const state = p.getState();
    const second = await p.fit(scaffoldRound(2));
    const restored = pool();
    restored.setState(state);
    const again = await restored.fit(scaffoldRound(2));

    assert.deepEqual(first.failures, []);
    assert.deepEqual(Object.keys(state), IDS.map((id) => `control/${id}`));
    const byId = (o: typeof second): Record<string, Float32Array> => Object.fromEntries(o.replies.map((r) => [r.clientId, r.extras.controlDelta]));
    assert.deepEqual(byId(again), byId(second), 'a restored pool gives the clients the same cᵢ');
    assert.notDeepEqual(byId(second), byId(first), 'cᵢ moved between rounds');
    assert.throws(() => restored.setState({ control: new Float32Array(1) }), errorLike(CheckpointError, /is not <state name>\/<client id>/));
  });

  it('hands a round\'s reply memory back to the workers for the next round, whose replies have the values of fresh memory', async () => {
    const p = pool();
    const first = await p.fit(request({}, 1));
    const lengths = first.replies.map((r) => r.params.length);

    const second = await p.fit(request({}, 2));
    const fresh = await pool().fit(request({}, 2));

    assert.deepEqual(lengths, IDS.map(() => global.length));
    // (A moved buffer arrives as a new object: the reuse itself shows only in the worker.)
    assert.ok(first.replies.every((r) => r.params.length === 0 && r.params.buffer.byteLength === 0), 'the round-1 arrays were moved to the workers');
    const byId = (o: typeof second): Record<string, Float32Array> => Object.fromEntries(o.replies.map((r) => [r.clientId, r.params]));
    assert.deepEqual(byId(second), byId(fresh));
  });
});
