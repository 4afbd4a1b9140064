/**
 * In-process tests of the FederatedClient: against a real FederatedServer (join, train, evaluate,
 * finish, reconnect after a restart, refusal, no server at all), and against a hand-written
 * `ws` server for what a real server never sends.
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { before, describe, it } from 'node:test';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { selectBackend } from '../../engine/backend.js';
import { AuthRefusedError, NetworkError, ProtocolError } from '../../errors.js';
import { decodeMessage, encodeMessage } from '../protocol/codec.js';
import type { Message } from '../protocol/messages.js';
import type { FitRequest } from '../server/client-pool.js';
import { FederatedClient, type ClientExit, type ClientOptions } from './client.js';
import { rawDataBytes } from './raw-data.js';
import { packParams } from '../protocol/tensors.js';
import { freePort, portOf, registerClients, startServer, TINY_TASK, tinyDataset, tinyModel, type TestServer } from './testing.js';

before(async () => {
  await selectBackend('cpu');
});

/** A client of the tiny task with 20 examples, logging into `log`. */
function makeClient(url: string, clientId: string, token: string, overrides: Partial<ClientOptions> = {}): { client: FederatedClient; log: string[] } {
  const log: string[] = [];
  const client = new FederatedClient({
    url,
    clientId,
    token,
    train: tinyDataset(20, 1),
    test: tinyDataset(10, 2),
    backend: 'cpu',
    maxRetries: 0,
    jointlyVersion: 'test',
    log: (line) => log.push(line),
    ...overrides,
  });
  return { client, log };
}

/** Waits until `n` clients have joined `ts`; fails fast if the client's run ends first. */
async function joined(ts: TestServer, running: Promise<ClientExit>, n = 1): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([
      ts.server.waitForClients(n, stop.signal),
      running.then((exit) => {
        throw new Error(`the client exited before joining: ${JSON.stringify(exit)}`);
      }),
    ]);
  } finally {
    stop.abort();
  }
}

function fitRequest(ts: TestServer, clients: string[], round: number, config: FitRequest['instructions']['config'] = { localEpochs: 1, batchSize: 10 }): FitRequest {
  return { round, clients, params: ts.params, instructions: { config, extras: {} }, deadline: Date.now() + 20_000 };
}

const never = (): AbortSignal => new AbortController().signal;

describe('FederatedClient against a FederatedServer', () => {
  it('joins, trains when sent fit, evaluates, and exits with reason finished when the run is over', async () => {
    const ts = await startServer(['alice']);
    const stop = new AbortController();
    const { client, log } = makeClient(ts.url, 'alice', ts.tokens.alice);
    const running = client.run(stop.signal);
    try {
      await joined(ts, running);

      const fit = await ts.server.fit(fitRequest(ts, ['alice'], 1), never());
      const evaluation = await ts.server.evaluate({ round: 1, clients: ['alice'], params: fit.replies[0].params, deadline: Date.now() + 20_000 }, never());
      await ts.close('run finished', true);
      const exit = await running;

      assert.deepEqual(fit.failures, []);
      assert.equal(fit.replies.length, 1);
      const [reply] = fit.replies;
      assert.equal(reply.clientId, 'alice');
      assert.equal(reply.numExamples, 20);
      assert.equal(reply.params.length, ts.params.length);
      assert.ok(reply.params.every(Number.isFinite));
      assert.notDeepEqual(reply.params, ts.params, 'local training changed the parameters');
      assert.ok(Number.isFinite(reply.metrics.loss));
      assert.deepEqual(evaluation.failures, []);
      assert.equal(evaluation.results.length, 1);
      assert.equal(evaluation.results[0].numExamples, 10, 'evaluated on its test set');
      assert.ok(evaluation.results[0].accuracy >= 0 && evaluation.results[0].accuracy <= 1);
      assert.deepEqual(exit, { reason: 'finished', message: 'run finished' });
      assert.ok(log.some((l) => /joined run test-run/.test(l)), log.join('\n'));
      assert.ok(log.some((l) => /round 1: trained on 20 examples/.test(l)), log.join('\n'));
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      await ts.close();
    }
  });

  it('answers a round config it cannot follow with an error for that round, and serves the next round', async () => {
    const ts = await startServer(['alice']);
    const stop = new AbortController();
    const { client } = makeClient(ts.url, 'alice', ts.tokens.alice);
    const running = client.run(stop.signal);
    try {
      await joined(ts, running);

      const bad = await ts.server.fit(fitRequest(ts, ['alice'], 1, { batchSize: 10 }), never());
      const good = await ts.server.fit(fitRequest(ts, ['alice'], 2), never());

      assert.equal(bad.replies.length, 0);
      assert.equal(bad.failures.length, 1);
      assert.match(bad.failures[0].reason, /^client error: the round config cannot be followed: localEpochs/);
      assert.ok(ts.logs.some((l) => /client alice reports an error in round 1: client:/.test(l)), ts.logs.join('\n'));
      assert.equal(good.replies.length, 1);
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      await ts.close();
    }
  });

  it('keeps its connection alive with heartbeats on a server that drops silent clients', async () => {
    const ts = await startServer(['alice'], { heartbeatSeconds: 0.2 });
    const stop = new AbortController();
    const { client } = makeClient(ts.url, 'alice', ts.tokens.alice);
    const running = client.run(stop.signal);
    try {
      await joined(ts, running);

      // Five heartbeat periods: well past the server's limit (three) for a silent client.
      await new Promise((resolve) => setTimeout(resolve, 1000));

      assert.deepEqual(ts.server.available(), ['alice']);
      assert.ok(!ts.logs.some((l) => /no heartbeat/.test(l)), ts.logs.join('\n'));
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      await ts.close();
    }
  });

  it('reconnects when the server restarts on the same port, and trains for the new server', async () => {
    const { file, tokens } = registerClients(['alice']);
    const first = await startServer([], { tokens: file });
    const port = portOf(first.url);
    const stop = new AbortController();
    const { client, log } = makeClient(first.url, 'alice', tokens.alice, { maxRetries: 5 });
    const running = client.run(stop.signal);
    let second: TestServer | undefined;
    try {
      await joined(first, running);

      await first.close('server stopping', false);
      second = await startServer([], { tokens: file, port });
      await joined(second, running);
      const fit = await second.server.fit(fitRequest(second, ['alice'], 1), never());
      await second.close('run finished', true);
      const exit = await running;

      assert.equal(portOf(second.url), port);
      assert.equal(fit.replies.length, 1);
      assert.deepEqual(exit, { reason: 'finished', message: 'run finished' });
      assert.ok(log.some((l) => /connection lost/.test(l)), log.join('\n'));
      assert.equal(log.filter((l) => /joined run/.test(l)).length, 2, log.join('\n'));
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      await first.close();
      await second?.close();
    }
  });

  it('stops when its signal aborts, saying bye to the server', async () => {
    const ts = await startServer(['alice']);
    const stop = new AbortController();
    const { client } = makeClient(ts.url, 'alice', ts.tokens.alice);
    const running = client.run(stop.signal);
    try {
      await joined(ts, running);

      stop.abort();
      const exit = await running;

      assert.deepEqual(exit, { reason: 'stopped' });
      assert.ok(ts.logs.some((l) => /client alice says bye: client stopping/.test(l)), ts.logs.join('\n'));
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      await ts.close();
    }
  });

  it('throws AuthRefusedError when its token is wrong, without retrying', async () => {
    const ts = await startServer(['alice']);
    try {
      const { client } = makeClient(ts.url, 'alice', 'a-wrong-token', { maxRetries: 5 });

      const running = client.run(never());

      await assert.rejects(running, (err: unknown) => {
        assert.ok(err instanceof AuthRefusedError, String(err));
        assert.match(err.message, /the server refused this client: authentication failed/);
        assert.doesNotMatch(err.message, /a-wrong-token/);
        return true;
      });
      assert.equal(ts.logs.filter((l) => /wrong token for client 'alice'/.test(l)).length, 1, 'one attempt only');
    } finally {
      await ts.close();
    }
  });

  it('gives up with NetworkError after maxRetries when nothing listens', async () => {
    const port = await freePort();
    const { client, log } = makeClient(`ws://127.0.0.1:${port}`, 'alice', 'token', { maxRetries: 1 });

    const running = client.run(never());

    await assert.rejects(running, (err: unknown) => {
      assert.ok(err instanceof NetworkError, String(err));
      assert.match(err.message, /cannot reach the server at ws:\/\/127\.0\.0\.1:\d+ after 1 attempts: .*ECONNREFUSED/);
      return true;
    });
    assert.equal(log.filter((l) => /retrying in/.test(l)).length, 1, log.join('\n'));
  });

  it(
    'leaves no abort listener behind on its signal after retrying',
    async () => {
      const port = await freePort();
      const stop = new AbortController();
      const { client } = makeClient(`ws://127.0.0.1:${port}`, 'alice', 'token', { maxRetries: 2 });

      await assert.rejects(client.run(stop.signal), NetworkError);

      assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
    },
  );
});

/** A hand-written server: `onMessage` sees every decoded message a client sends. */
async function fakeServer(onMessage: (ws: WebSocket, msg: Message) => void): Promise<{ url: string; received: Message[]; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const received: Message[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (data: RawData) => {
      const msg = decodeMessage(rawDataBytes(data));
      received.push(msg);
      onMessage(ws, msg);
    });
  });
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected address');
  return {
    url: `ws://127.0.0.1:${address.port}`,
    received,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

describe('FederatedClient against a hand-written server', () => {
  it('answers a round whose reply cannot be encoded (a NaN loss) with an error, and keeps serving', async () => {
    const nanParams = (): Message & { type: 'evaluate' } => {
      const model = tinyModel();
      return { type: 'evaluate', round: 1, config: {}, params: packParams(model.layout, new Float32Array(model.params.length).fill(Number.NaN)) };
    };
    const fake = await fakeServer((ws, msg) => {
      if (msg.type === 'hello') {
        ws.send(encodeMessage({ type: 'welcome', runId: 'fake', task: TINY_TASK, heartbeatSeconds: 60, maxMessageBytes: 1 << 20 }));
        ws.send(encodeMessage(nanParams()));
        ws.send(encodeMessage({ type: 'evaluate', round: 2, config: {}, params: packParams(tinyModel().layout, tinyModel().params) }));
      }
      if (msg.type === 'evaluateReply') {
        ws.send(encodeMessage({ type: 'bye', reason: 'done' }));
        ws.close(1000);
      }
    });
    const stop = new AbortController();
    const { client, log } = makeClient(fake.url, 'alice', 'token');
    const running = client.run(stop.signal);
    try {
      assert.deepEqual(await running, { reason: 'finished', message: 'done' });
      const types = fake.received.map((m) => m.type);
      assert.deepEqual(types.filter((t) => t !== 'heartbeat'), ['hello', 'error', 'evaluateReply'], JSON.stringify(types));
      const error = fake.received.find((m) => m.type === 'error') as Extract<Message, { type: 'error' }>;
      assert.equal(error.round, 1);
      assert.ok(log.some((l) => /cannot send the reply to evaluate/.test(l)), log.join('\n'));
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      await fake.close();
    }
  });

  it('answers an unreadable or unexpected server message with a protocol error and stays connected', async () => {
    const fake = await fakeServer((ws, msg) => {
      if (msg.type === 'hello') {
        ws.send(encodeMessage({ type: 'welcome', runId: 'fake', task: TINY_TASK, heartbeatSeconds: 60, maxMessageBytes: 1 << 20 }));
        ws.send(new Uint8Array([0x4a, 0x4c, 0x59, 1, 200, 0, 0, 0, 2, 0, 0, 0, 123, 125, 0, 0]));
        ws.send(encodeMessage({ type: 'fitReply', round: 1, numExamples: 1, metrics: {}, delta: false, params: [], extras: {}, durationSeconds: 0 }));
      }
      if (msg.type === 'error' && msg.message.includes('may not send')) {
        ws.send(encodeMessage({ type: 'bye', reason: 'seen enough' }));
        ws.close(1000);
      }
    });
    const stop = new AbortController();
    const { client } = makeClient(fake.url, 'alice', 'token');
    const running = client.run(stop.signal);
    try {
      const exit = await running;

      const errors = fake.received.filter((m) => m.type === 'error');
      assert.deepEqual(exit, { reason: 'finished', message: 'seen enough' });
      assert.equal(errors.length, 2, JSON.stringify(fake.received.map((m) => m.type)));
      assert.equal(errors[0].code, 'protocol');
      assert.match(errors[0].message, /unknown message type code 200/);
      assert.equal(errors[1].code, 'protocol');
      assert.match(errors[1].message, /a server may not send 'fitReply' messages/);
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      await fake.close();
    }
  });

  it(
    'throws ProtocolError, not AuthRefusedError, when refused for a reason other than auth',
    async () => {
      const fake = await fakeServer((ws, msg) => {
        if (msg.type !== 'hello') return;
        ws.send(encodeMessage({ type: 'refuse', code: 'version', reason: 'protocol version 1 is not supported' }));
        ws.close(4001, 'version');
      });
      try {
        const { client } = makeClient(fake.url, 'alice', 'token');

        const running = client.run(never());

        await assert.rejects(running, (err: unknown) => {
          assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
          assert.match(err.message, /version/);
          return true;
        });
      } finally {
        await fake.close();
      }
    },
  );
});
