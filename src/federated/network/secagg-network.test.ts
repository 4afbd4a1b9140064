/**
 * SecAgg+ over the network, in process: a FederatedServer on loopback and real WebSocket clients
 * (FederatedClient + ClientSession). A secure round gives the plain mean-of-updates round's model
 * up to the quantization bound, and the sum of the clients' updates; the server holds no single
 * update (its state machine's trace shows only masked vectors, and never both secrets of a
 * client); fewer than 3 ready clients refuse the round; bad secure aggregation messages (another
 * round, another sender, a masked vector of the wrong length or dtype) are refused with a reason
 * and the round goes on.
 */
import assert from 'node:assert/strict';
import { before, describe, it, test } from 'node:test';
import { RoundRefusedError } from '../../errors.js';
import { selectBackend } from '../../engine/backend.js';
import { errorLike } from '../../engine/testing.js';
import { FederatedClient } from './client.js';
import { RawClient, startServer, tinyDataset, waitUntil, type TestServer } from './testing.js';
import { writeFrame } from '../protocol/frame.js';
import { DEFAULT_LIMITS } from '../protocol/limits.js';
import type { Message, MessageOf } from '../protocol/messages.js';
import {
  inboxFromWire,
  keyListFromWire,
  keysToWire,
  maskedInputToWire,
  setupFromWire,
  sharesToWire,
  unmaskRequestFromWire,
  unmaskToWire,
} from '../protocol/secagg-wire.js';
import { SecAggClient } from '../secagg/client.js';
import { quantize } from '../secagg/ring.js';
import type { SecAggTraceEvent } from '../secagg/server.js';
import { Coordinator } from '../server/coordinator.js';
import type { ClientPool, SecureFitOutcome, SecureFitRequest } from '../server/client-pool.js';
import { createStrategy } from '../strategies/registry.js';
import type { FitReply } from '../strategy.js';

const CLIENTS = 5;
const MEAN = { aggregator: { name: 'mean', weighting: 'uniform', over: 'updates' }, localEpochs: 1, batchSize: 8 } as const;
const SPEC = { name: 'secagg+', maxDropout: 0.3, clipRange: 8, fractionBits: 16 } as const;

interface Federation {
  ts: TestServer;
  stop: AbortController;
  running: Promise<unknown>[];
  /** Each client's log lines. */
  lines: Map<string, string[]>;
}

/** A server and `n` FederatedClients with the tiny task, each with its own data. */
async function federation(n: number, extra: Parameters<typeof startServer>[1] = {}): Promise<Federation> {
  const ids = Array.from({ length: n }, (_, i) => `site-${i}`);
  const ts = await startServer([...ids, 'rogue'], extra);
  const stop = new AbortController();
  const lines = new Map<string, string[]>(ids.map((id) => [id, []]));
  const running = ids.map((id, i) =>
    new FederatedClient({ url: ts.url, clientId: id, token: ts.tokens[id], train: tinyDataset(40, 10 + i), backend: 'cpu', maxRetries: 0, jointlyVersion: 'test', log: (l) => lines.get(id)?.push(l) }).run(stop.signal),
  );
  await waitUntil(() => ts.server.available().length === n, `${n} clients`, 10_000);
  return { ts, stop, running, lines };
}

async function close(f: Federation): Promise<void> {
  await f.ts.close('run finished', true);
  f.stop.abort();
  await Promise.all(f.running);
}

/** One round of the mean of updates, secure or not; the pool is watched for what reached the server. */
async function oneRound(f: Federation, secure: boolean): Promise<{ params: Float32Array; replies: FitReply[]; outcome?: SecureFitOutcome; aggregate: Record<string, number>; bytes: number }> {
  const replies: FitReply[] = [];
  let outcome: SecureFitOutcome | undefined;
  const pool = f.ts.server;
  const watched: ClientPool = {
    available: () => pool.available(),
    waitForClients: (n, s) => pool.waitForClients(n, s),
    fit: async (r, s) => {
      const o = await pool.fit(r, s);
      replies.push(...o.replies);
      return o;
    },
    fitSecure: async (r, s) => (outcome = await pool.fitSecure(r, s)),
    evaluate: (r, s) => pool.evaluate(r, s),
  };
  const coordinator = new Coordinator({
    runId: 'test-run',
    strategy: createStrategy(secure ? { ...MEAN, secureAggregation: { name: 'secagg+' } } : MEAN),
    pool: watched,
    settings: { rounds: 1, fraction: 1, minFit: CLIENTS, minAvailable: CLIENTS, roundTimeoutSeconds: 60, evaluateEvery: 0, evaluateFraction: 1, seed: 2 },
    layout: f.ts.layout,
    initialParams: f.ts.params,
    numClients: () => CLIENTS,
  });
  const result = await coordinator.run(new AbortController().signal);
  const h = result.history[0];
  assert.equal(h.refused, undefined, h.refused);
  return { params: result.params, replies, ...(outcome === undefined ? {} : { outcome }), aggregate: h.aggregate, bytes: h.bytesSent + h.bytesReceived };
}

describe('SecAgg+ between a FederatedServer and WebSocket clients', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('gives the plain mean of the updates up to the quantization bound, and the server holds no single update', { timeout: 120_000 }, async () => {
    const events: SecAggTraceEvent[] = [];
    const plainRun = await federation(CLIENTS);
    let plain;
    try {
      plain = await oneRound(plainRun, false);
    } finally {
      await close(plainRun);
    }
    const secureRun = await federation(CLIENTS, { secaggTrace: (e) => events.push(e) });
    let secure;
    try {
      secure = await oneRound(secureRun, true);
    } finally {
      await close(secureRun);
    }

    // The same clients trained the same way: the secure sum is the sum of the plain run's updates.
    assert.equal(plain.replies.length, CLIENTS);
    assert.equal(secure.replies.length, 0, 'no reply in the clear reached the server');
    const out = secure.outcome ?? assert.fail('no secure outcome');
    assert.deepEqual(out.included, Array.from({ length: CLIENTS }, (_, i) => `site-${i}`));
    assert.equal(out.sum.total, CLIENTS);
    assert.equal(out.metrics.secaggNeighbours, 4);
    assert.equal(out.metrics.secaggDroppedAfterMasking, 0);
    const x = secureRun.ts.params;
    const bound = out.metrics.secaggMaxError;
    assert.ok(bound > 0 && bound <= CLIENTS / 2 ** 16 + 1e-12, `bound ${bound}`);
    for (let i = 0; i < x.length; i++) {
      const want = plain.replies.reduce((s, r) => s + (r.params[i] - x[i]), 0);
      assert.ok(Math.abs(out.sum.sum[i] - want) <= bound + 1e-6, `coordinate ${i}: ${out.sum.sum[i]} vs ${want}`);
    }
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(plain.params[i] - secure.params[i]));
    assert.ok(worst <= bound / CLIENTS + 1e-6, `models differ by ${worst}, bound on the mean ${bound / CLIENTS}`);
    assert.ok(Object.values(out.clientMetrics).every((m) => m.numExamples === 40 && Number.isFinite(m.loss)));

    // What the server computed: masked inputs far from every client's quantized payload, never both secrets of one client.
    const updates = plain.replies.map((r) => {
      const u = new Float64Array(x.length + 1);
      for (let i = 0; i < x.length; i++) u[i] = r.params[i] - x[i];
      u[x.length] = 1;
      return quantize(u, { clipRange: 8, fractionBits: 16 }, () => 0.5);
    });
    const masked = events.filter((e): e is Extract<SecAggTraceEvent, { kind: 'vector' }> => e.kind === 'vector' && e.label === 'masked-input');
    assert.equal(masked.length, CLIENTS);
    for (const m of masked) {
      for (const u of updates) {
        let close = 0;
        for (let i = 0; i < u.length; i++) if (Math.abs(((m.vector[i] - u[i]) | 0)) < 1 << 16) close++;
        assert.ok(close <= 2, `a masked input matches a client's update at ${close} of ${u.length} coordinates`);
      }
    }
    const secrets = events.filter((e): e is Extract<SecAggTraceEvent, { kind: 'secret' }> => e.kind === 'secret');
    const kinds = new Map<number, Set<string>>();
    for (const s of secrets) kinds.set(s.owner, (kinds.get(s.owner) ?? new Set()).add(s.secret));
    assert.ok([...kinds.values()].every((k) => k.size === 1 && k.has('self-mask')), 'only self masks of survivors were reconstructed');
    // Bytes per client, as the wire carries them (reported by the build).
    console.log(`bytes per client and round: plain ${(plain.bytes / CLIENTS).toFixed(0)}, secure ${(secure.bytes / CLIENTS).toFixed(0)} (d = ${x.length})`);
  });

  it('refuses a round with fewer than 3 ready clients, naming the counts', { timeout: 60_000 }, async () => {
    const f = await federation(2);
    try {
      const req = secureRequest(f.ts, ['site-0', 'site-1'], 1);

      await assert.rejects(f.ts.server.fitSecure(req, new AbortController().signal), errorLike(RoundRefusedError, /needs at least 3 clients ready, got 2 of 2 sampled/));
    } finally {
      await close(f);
    }
  });
});

function secureRequest(ts: TestServer, clients: string[], round: number): SecureFitRequest {
  return {
    round,
    clients,
    params: ts.params,
    instructions: { config: { localEpochs: 1, batchSize: 8, seed: 7 }, extras: {}, replyExtras: {} },
    deadline: Date.now() + 60_000,
    secure: SPEC,
    summedExtras: {},
  };
}

/**
 * A client driven by the test: it runs the real SecAggClient, but sends bad messages before each
 * good one at the masked-input stage. Its update is a known vector.
 */
async function rogue(ts: TestServer, update: Float64Array, refusals: MessageOf<'error'>[]): Promise<RawClient> {
  const c = await RawClient.join(ts.url, 'rogue', ts.tokens.rogue, 40);
  let machine: SecAggClient | undefined;
  const answer = async (msg: Message): Promise<void> => {
    switch (msg.type) {
      case 'fit':
        c.send({ type: 'secureReady', round: msg.round, numExamples: 40, metrics: { loss: 1 }, durationSeconds: 0 });
        return;
      case 'secaggSetup': {
        const { setup, you } = setupFromWire(msg);
        machine = new SecAggClient(you, setup);
        c.send(keysToWire(await machine.advertiseKeys()));
        return;
      }
      case 'secaggKeyList':
        c.send(sharesToWire(await (machine ?? assert.fail()).shareSecrets(keyListFromWire(msg))));
        return;
      case 'secaggInbox': {
        const good = maskedInputToWire(await (machine ?? assert.fail()).maskInput(inboxFromWire(msg), update));
        const y = good.data.masked.values as Uint32Array;
        const bad: Message[] = [
          { ...good, round: good.round + 1 },
          { ...good, from: good.from === 0 ? 1 : 0 },
          { ...good, data: { masked: { shape: [y.length - 1], values: y.slice(1) } } },
          { ...good, data: { masked: { shape: [y.length * 4], values: new Uint8Array(y.buffer.slice(0)) } } },
          { type: 'secaggKeys', round: good.round, from: good.from, data: {} },
        ];
        for (const m of bad) {
          c.send(m);
          refusals.push(await c.next('error'));
        }
        // float32 where uint32 belongs: a frame the codec refuses (built by hand, the encoder would not).
        c.sendBytes(writeFrame('secaggMaskedInput', 1, { round: good.round, from: good.from }, [{ name: 'data/masked', shape: [y.length], values: new Float32Array(y.length) }], DEFAULT_LIMITS));
        refusals.push(await c.next('error'));
        c.send(good);
        return;
      }
      case 'secaggUnmaskRequest':
        c.send(unmaskToWire((machine ?? assert.fail()).unmask(unmaskRequestFromWire(msg))));
        return;
      default:
    }
  };
  let queue = Promise.resolve();
  c.onMessage = (msg) => {
    queue = queue.then(() => answer(msg));
  };
  return c;
}

test('bad secure aggregation messages are refused with their reason and the round goes on', { timeout: 120_000 }, async () => {
  await selectBackend('cpu');
  const f = await federation(3);
  const refusals: MessageOf<'error'>[] = [];
  const d = f.ts.params.length;
  const update = Float64Array.from({ length: d + 1 }, (_, i) => (i === d ? 1 : 0.25));
  const r = await rogue(f.ts, update, refusals);
  try {
    await waitUntil(() => f.ts.server.available().length === 4, '4 clients');
    const req = secureRequest(f.ts, ['rogue', 'site-0', 'site-1', 'site-2'], 1);

    const out = await f.ts.server.fitSecure(req, new AbortController().signal);

    assert.deepEqual(out.included, ['rogue', 'site-0', 'site-1', 'site-2']);
    assert.equal(out.sum.total, 4);
    assert.deepEqual(
      refusals.map((e) => e.code),
      ['staleRound', 'secagg', 'secagg', 'secagg', 'wrongStage', 'protocol'],
    );
    assert.match(refusals[0].message, /secaggMaskedInput is for round 2, but the secure aggregation of round 1 is running/);
    assert.match(refusals[1].message, /names client \d of the round as its sender, but this connection is client 0/);
    assert.match(refusals[2].message, /tensor 'data\/masked' has shape \[\d+\], expected \[\d+\]/);
    assert.ok(refusals[2].message.endsWith(`expected [${d + 1}]`), refusals[2].message);
    assert.match(refusals[3].message, /tensor 'data\/masked' has dtype 'uint8', expected 'uint32'/);
    assert.match(refusals[4].message, /secaggKeys arrived at stage 'input', which waits for secaggMaskedInput/);
    assert.match(refusals[5].message, /dtype 'float32'; binary data \(secure aggregation, compressed updates\) is uint8 or uint32/);
    // The honest clients' sum plus the rogue's known 0.25 per coordinate: the rogue is in the sum exactly once.
    const honest = await (async () => {
      const g = await federation(3);
      try {
        const p = await g.ts.server.fit({ ...req, clients: ['site-0', 'site-1', 'site-2'] }, new AbortController().signal);
        return p.replies;
      } finally {
        await close(g);
      }
    })();
    for (let i = 0; i < d; i++) {
      const want = 0.25 + honest.reduce((s, h) => s + (h.params[i] - f.ts.params[i]), 0);
      assert.ok(Math.abs(out.sum.sum[i] - want) <= out.metrics.secaggMaxError + 1e-6, `coordinate ${i}: ${out.sum.sum[i]} vs ${want}`);
    }
  } finally {
    await r.close();
    await close(f);
  }
});

