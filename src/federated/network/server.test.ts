/**
 * In-process tests of the FederatedServer's defences: authentication, reply validation, malformed
 * and oversized frames, stragglers, disconnections, reconnections and TLS. Misbehaving clients are
 * bare `ws` sockets (RawClient) or, for a forged WebSocket length prefix, a raw TCP socket.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../engine/backend.js';
import { tempDirFactory } from '../../engine/testing.js';
import { NetworkError } from '../../errors.js';
import { revokeClient } from '../auth/tokens.js';
import { encodeMessage } from '../protocol/codec.js';
import { FORMAT_VERSION, type Message, type MessageOf } from '../protocol/messages.js';
import type { FitRequest } from '../server/client-pool.js';
import { FederatedClient } from './client.js';
import type { ServerOptions } from './server.js';
import { echoReply, portOf, RawClient, registerClients, startServer, TINY_TASK, tinyDataset, waitUntil, type TestServer } from './testing.js';

const tempDir = tempDirFactory('jointly-net-server-');
const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).error === undefined;

before(async () => {
  await selectBackend('cpu');
});

/** Starts a server with `ids` registered, runs `fn`, and always closes the server (and so every socket). */
async function withServer(ids: readonly string[], fn: (ts: TestServer) => Promise<void>, overrides: Partial<ServerOptions> = {}): Promise<void> {
  const ts = await startServer(ids, overrides);
  try {
    await fn(ts);
  } finally {
    await ts.close();
  }
}

/** A fit request for `clients` whose deadline is `ms` from now. */
function fitRequest(ts: TestServer, clients: string[], round: number, ms = 20_000): FitRequest {
  return {
    round,
    clients,
    params: ts.params,
    instructions: { config: { localEpochs: 1, batchSize: 10 }, extras: {} },
    deadline: Date.now() + ms,
  };
}

const never = (): AbortSignal => new AbortController().signal;

/** `bytes` with the frame's header-length field (u32 LE at offset 8, see format.md) set to `value`. */
function withHeaderLength(bytes: Uint8Array, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer, copy.byteOffset, copy.byteLength).setUint32(8, value, true);
  return copy;
}

describe('FederatedServer: who may join', () => {
  it('welcomes a client with a valid token and lists it as available', async () => {
    await withServer(['alice'], async (ts) => {
      const client = await RawClient.hello(ts.url, 'alice', ts.tokens.alice);

      const welcome = await client.next('welcome');

      assert.equal(welcome.runId, 'test-run');
      assert.deepEqual(welcome.task, JSON.parse(JSON.stringify(TINY_TASK)));
      assert.equal(welcome.maxMessageBytes, 1 << 20);
      assert.deepEqual(ts.server.available(), ['alice']);
      assert.ok(ts.server.known.has('alice'));
      assert.ok(ts.logs.some((l) => /client alice joined/.test(l)), ts.logs.join('\n'));
    });
  });

  it('refuses a wrong token, an unknown id and a revoked id alike (code auth), telling the client nothing more; the log says which', async () => {
    const { file, tokens } = registerClients(['alice', 'bob']);
    const tokenFile = revokeClient(file, 'bob');
    await withServer(
      [],
      async (ts) => {
        const attempts = [
          { id: 'alice', token: 'not-alices-token', logged: /wrong token for client 'alice'/ },
          { id: 'mallory', token: tokens.alice, logged: /unknown client 'mallory'/ },
          { id: 'bob', token: tokens.bob, logged: /client 'bob' has been revoked/ },
        ];
        const told: string[] = [];
        for (const a of attempts) {
          const client = await RawClient.hello(ts.url, a.id, a.token);

          const refuse = await client.next('refuse');
          const closed = await client.closed;

          assert.equal(refuse.code, 'auth', a.id);
          assert.equal(closed.code, 4001, a.id);
          assert.ok(ts.logs.some((l) => a.logged.test(l)), `log for ${a.id}:\n${ts.logs.join('\n')}`);
          told.push(refuse.reason);
        }
        // The same words for all three: a caller without a token cannot probe which ids exist.
        assert.equal(new Set(told).size, 1, told.join(' | '));
        assert.doesNotMatch(told[0], /alice|mallory|bob/);
        assert.deepEqual(ts.server.available(), []);
        // No token is ever logged.
        for (const secret of ['not-alices-token', tokens.alice, tokens.bob]) assert.ok(!ts.logs.some((l) => l.includes(secret)));
      },
      { tokens: tokenFile },
    );
  });

  it('re-reads the token file at each hello when given reloadTokens, so a revocation applies without a restart', async () => {
    const { file, tokens } = registerClients(['alice']);
    let current = file;
    await withServer(
      [],
      async (ts) => {
        const first = await RawClient.join(ts.url, 'alice', tokens.alice);
        await first.close();
        current = revokeClient(file, 'alice');

        const second = await RawClient.hello(ts.url, 'alice', tokens.alice);
        const refuse = await second.next('refuse');

        assert.equal(refuse.code, 'auth');
        assert.ok(ts.logs.some((l) => /client 'alice' has been revoked/.test(l)));
      },
      { tokens: file, reloadTokens: () => current },
    );
  });

  it('refuses everyone when it has no token file', async () => {
    await withServer(
      ['alice'],
      async (ts) => {
        const client = await RawClient.hello(ts.url, 'alice', ts.tokens.alice);

        const refuse = await client.next('refuse');
        await client.closed;

        assert.equal(refuse.code, 'auth');
        assert.ok(ts.logs.some((l) => /no token file/.test(l)));
        assert.deepEqual(ts.server.available(), []);
      },
      { tokens: undefined },
    );
  });

  it('refuses a connection whose first message is not hello, or is unreadable (code protocol)', async () => {
    await withServer(['alice'], async (ts) => {
      const notHello = await RawClient.connect(ts.url);
      notHello.send({ type: 'heartbeat', seq: 0, sentAt: Date.now() });
      const garbage = await RawClient.connect(ts.url);
      garbage.sendBytes(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]));

      const [r1, r2] = await Promise.all([notHello.next('refuse'), garbage.next('refuse')]);
      await Promise.all([notHello.closed, garbage.closed]);

      assert.equal(r1.code, 'protocol');
      assert.match(r1.reason, /first message must be hello, got heartbeat/);
      assert.equal(r2.code, 'protocol');
      assert.match(r2.reason, /bad magic/);
      assert.deepEqual(ts.server.available(), []);
    });
  });

  it('refuses an unsupported protocol version (code version)', async () => {
    await withServer(['alice'], async (ts) => {
      const client = await RawClient.connect(ts.url);
      client.send({
        type: 'hello',
        protocolVersion: FORMAT_VERSION + 41,
        clientId: 'alice',
        token: ts.tokens.alice,
        capabilities: { backend: 'none', numExamples: 20, maxMessageBytes: 1 << 20, jointlyVersion: 'test' },
      });

      const refuse = await client.next('refuse');

      assert.equal(refuse.code, 'version');
      assert.match(refuse.reason, /protocol version 42 is not supported/);
    });
  });
});

describe('FederatedServer.fit: replies', () => {
  it('returns a valid reply with the parameters the client sent, and counts the bytes', async () => {
    await withServer(['alice'], async (ts) => {
      const alice = await RawClient.join(ts.url, 'alice', ts.tokens.alice);

      const fitting = ts.server.fit(fitRequest(ts, ['alice'], 1), never());
      const fit = await alice.next('fit');
      alice.send(echoReply(fit, 17));
      const outcome = await fitting;

      assert.equal(fit.round, 1);
      assert.deepEqual(fit.config, { localEpochs: 1, batchSize: 10 });
      assert.deepEqual(outcome.failures, []);
      assert.equal(outcome.replies.length, 1);
      const [reply] = outcome.replies;
      assert.equal(reply.clientId, 'alice');
      assert.equal(reply.numExamples, 17);
      assert.deepEqual(reply.metrics, { loss: 0.5 });
      assert.deepEqual(reply.params, ts.params);
      assert.ok(outcome.bytesSent > ts.params.length * 4, `bytesSent ${outcome.bytesSent}`);
      assert.ok(outcome.bytesReceived > ts.params.length * 4, `bytesReceived ${outcome.bytesReceived}`);
    });
  });

  /** One misbehaving reply each; `answer` sends it in place of a valid reply. */
  const badReplies: { name: string; code: string; failure: RegExp; message: RegExp; answer: (c: RawClient, fit: MessageOf<'fit'>) => void }[] = [
    {
      name: 'a parameter of the wrong shape',
      code: 'wrongShape',
      failure: /^refused reply: .*has shape \[4, 3\] but the model expects \[3, 4\]/,
      message: /shape/,
      answer: (c, fit) => {
        const reply = echoReply(fit);
        reply.params[0] = { ...reply.params[0], shape: [4, 3] };
        c.send(reply);
      },
    },
    {
      name: 'NaN weights',
      code: 'nonFinite',
      failure: /^refused reply: .*non-finite value \(NaN\) at index 5/,
      message: /non-finite/,
      answer: (c, fit) => {
        const reply = echoReply(fit);
        reply.params[0].values[5] = Number.NaN;
        c.send(reply);
      },
    },
    {
      name: 'wrong tensor names',
      code: 'wrongNames',
      failure: /^refused reply: .*is named 'not\/a\/weight'/,
      message: /not\/a\/weight/,
      answer: (c, fit) => {
        const reply = echoReply(fit);
        reply.params[0] = { ...reply.params[0], name: 'not/a/weight' };
        c.send(reply);
      },
    },
    {
      name: 'a huge example count (above the 20 it declared)',
      code: 'badNumExamples',
      failure: /^refused reply: numExamples 1000000000 exceeds the plausible maximum of 20/,
      message: /numExamples/,
      answer: (c, fit) => c.send(echoReply(fit, 1e9)),
    },
    {
      name: 'a round that has not started',
      code: 'wrongRound',
      failure: /^refused reply: the reply is for round 3 but round 2 is under way/,
      message: /round 3/,
      answer: (c, fit) => c.send({ ...echoReply(fit), round: 3 }),
    },
    {
      name: 'an extra vector the strategy did not ask for',
      code: 'unexpectedExtra',
      failure: /^refused reply: extra vector 'sneaky'/,
      message: /sneaky/,
      answer: (c, fit) => c.send({ ...echoReply(fit), extras: { sneaky: new Float32Array(3) } }),
    },
    {
      name: 'a truncated message',
      code: 'protocol',
      failure: /^unreadable reply: /,
      message: /truncated|exceeds the message|payload/,
      answer: (c, fit) => {
        const bytes = encodeMessage(echoReply(fit));
        c.sendBytes(bytes.subarray(0, bytes.byteLength - 7));
      },
    },
    {
      name: 'an unknown message type code (byte 4 = 200)',
      code: 'protocol',
      failure: /^unreadable reply: unknown message type code 200/,
      message: /unknown message type code 200/,
      answer: (c, fit) => {
        const bytes = encodeMessage(echoReply(fit));
        bytes[4] = 200;
        c.sendBytes(bytes);
      },
    },
    {
      name: 'a text frame',
      code: 'protocol',
      failure: /^unreadable reply: text frame received/,
      message: /text frame/,
      answer: (c) => c.sendText('{"type":"fitReply","round":2}'),
    },
    {
      name: 'a header-length field of 0x80000000 in a small frame',
      code: 'protocol',
      failure: /^unreadable reply: .*header length 2147483648 exceeds the message/,
      message: /header length 2147483648/,
      answer: (c, fit) => c.sendBytes(withHeaderLength(encodeMessage(echoReply(fit)), 0x80000000)),
    },
  ];

  for (const bad of badReplies) {
    it(`refuses ${bad.name} with an error to that client (${bad.code}) and aggregates the others of the round`, async () => {
      await withServer(['good', 'bad'], async (ts) => {
        const good = await RawClient.join(ts.url, 'good', ts.tokens.good);
        const rogue = await RawClient.join(ts.url, 'bad', ts.tokens.bad);
        const req = fitRequest(ts, ['bad', 'good'], 2);

        const fitting = ts.server.fit(req, never());
        const [goodFit, badFit] = await Promise.all([good.next('fit'), rogue.next('fit')]);
        good.send(echoReply(goodFit));
        bad.answer(rogue, badFit);
        const outcome = await fitting;
        const error = await rogue.next('error');

        assert.ok(Date.now() < req.deadline, 'the bad reply failed at once, not at the deadline');
        assert.deepEqual(
          outcome.replies.map((r) => r.clientId),
          ['good'],
        );
        assert.deepEqual(outcome.replies[0].params, ts.params);
        assert.equal(outcome.failures.length, 1);
        assert.equal(outcome.failures[0].clientId, 'bad');
        assert.match(outcome.failures[0].reason, bad.failure);
        assert.equal(error.code, bad.code);
        assert.equal(error.round, 2);
        assert.match(error.message, bad.message);
        assert.ok(
          ts.logs.some((l) => l.startsWith('client bad: refused message') && l.includes(`(${bad.code})`)),
          ts.logs.join('\n'),
        );
        // The server carries on: the connection stays open and the client is still available.
        assert.ok(rogue.open);
        assert.deepEqual(ts.server.available(), ['bad', 'good']);
      });
    });
  }

  it('adds a delta reply to the global parameters', async () => {
    await withServer(['alice'], async (ts) => {
      const alice = await RawClient.join(ts.url, 'alice', ts.tokens.alice);

      const fitting = ts.server.fit(fitRequest(ts, ['alice'], 1), never());
      const fit = await alice.next('fit');
      const reply = echoReply(fit);
      for (const t of reply.params) t.values.fill(0.5);
      alice.send({ ...reply, delta: true });
      const outcome = await fitting;

      assert.deepEqual(outcome.failures, []);
      assert.deepEqual(outcome.replies[0].params, ts.params.map((v) => Math.fround(v + 0.5)));
    });
  });

  it('in a SCAFFOLD round, refuses a reply without controlDelta (missingExtra) and accepts one with it', async () => {
    await withServer(['with', 'without'], async (ts) => {
      const withDelta = await RawClient.join(ts.url, 'with', ts.tokens.with);
      const withoutDelta = await RawClient.join(ts.url, 'without', ts.tokens.without);
      const req = fitRequest(ts, ['with', 'without'], 1);
      req.instructions = { config: { localEpochs: 1, batchSize: 10, scaffold: true }, extras: { serverControl: new Float32Array(ts.params.length) }, replyExtras: { controlDelta: ts.params.length } };

      const fitting = ts.server.fit(req, never());
      const [f1, f2] = await Promise.all([withDelta.next('fit'), withoutDelta.next('fit')]);
      withDelta.send({ ...echoReply(f1), extras: { controlDelta: new Float32Array(ts.params.length).fill(0.1) } });
      withoutDelta.send(echoReply(f2));
      const outcome = await fitting;
      const error = await withoutDelta.next('error');

      assert.equal(f1.extras.serverControl.length, ts.params.length);
      assert.deepEqual(
        outcome.replies.map((r) => r.clientId),
        ['with'],
      );
      assert.equal(outcome.replies[0].extras.controlDelta.length, ts.params.length);
      assert.equal(outcome.failures[0].clientId, 'without');
      assert.equal(error.code, 'missingExtra');
    });
  });

  it('answers a reply for an earlier round with a staleRound error and keeps waiting for the current one', async () => {
    await withServer(['alice'], async (ts) => {
      const alice = await RawClient.join(ts.url, 'alice', ts.tokens.alice);

      const fitting = ts.server.fit(fitRequest(ts, ['alice'], 2), never());
      const fit = await alice.next('fit');
      alice.send({ ...echoReply(fit), round: 1 });
      const error = await alice.next('error');
      alice.send(echoReply(fit));
      const outcome = await fitting;

      assert.equal(error.code, 'staleRound');
      assert.equal(error.round, 1);
      assert.deepEqual(
        outcome.replies.map((r) => r.clientId),
        ['alice'],
      );
      assert.deepEqual(outcome.failures, []);
    });
  });

  it('drops a client that misses the deadline as a straggler, refuses its late reply, and counts nothing twice next round', async () => {
    await withServer(['fast', 'slow'], async (ts) => {
      const fast = await RawClient.join(ts.url, 'fast', ts.tokens.fast);
      const slow = await RawClient.join(ts.url, 'slow', ts.tokens.slow);

      const fitting = ts.server.fit(fitRequest(ts, ['fast', 'slow'], 2, 300), never());
      const [fastFit, slowFit] = await Promise.all([fast.next('fit'), slow.next('fit')]);
      fast.send(echoReply(fastFit));
      const outcome = await fitting;
      slow.send(echoReply(slowFit));
      const late = await slow.next('error');
      const nextRound = ts.server.fit(fitRequest(ts, ['fast', 'slow'], 3), never());
      const [fit3a, fit3b] = await Promise.all([fast.next('fit'), slow.next('fit')]);
      fast.send(echoReply(fit3a));
      slow.send(echoReply(fit3b));
      const outcome3 = await nextRound;

      assert.deepEqual(
        outcome.replies.map((r) => r.clientId),
        ['fast'],
      );
      assert.deepEqual(
        outcome.failures.map((f) => f.clientId),
        ['slow'],
      );
      assert.match(outcome.failures[0].reason, /straggler/);
      assert.equal(late.code, 'staleRound');
      assert.match(late.message, /no fit was pending/);
      assert.deepEqual(outcome3.replies.map((r) => r.clientId).sort(), ['fast', 'slow']);
      assert.deepEqual(outcome3.failures, []);
    });
  });

  it('fails a client that disconnects mid-round at once, well before the deadline', async () => {
    await withServer(['stays', 'quits'], async (ts) => {
      const stays = await RawClient.join(ts.url, 'stays', ts.tokens.stays);
      const quits = await RawClient.join(ts.url, 'quits', ts.tokens.quits);
      const req = fitRequest(ts, ['quits', 'stays'], 1, 30_000);

      const fitting = ts.server.fit(req, never());
      const [staysFit] = await Promise.all([stays.next('fit'), quits.next('fit')]);
      quits.ws.terminate(); // like a killed process: no close frame
      stays.send(echoReply(staysFit));
      const outcome = await fitting;

      assert.ok(Date.now() < req.deadline - 20_000, 'failed long before the deadline');
      assert.deepEqual(
        outcome.replies.map((r) => r.clientId),
        ['stays'],
      );
      assert.deepEqual(outcome.failures, [{ clientId: 'quits', reason: 'disconnected during round 1' }]);
      assert.deepEqual(ts.server.available(), ['stays']);
    });
  });

  it('fails at once a sampled client that is not connected', async () => {
    await withServer(['alice', 'ghost'], async (ts) => {
      const alice = await RawClient.join(ts.url, 'alice', ts.tokens.alice);

      const fitting = ts.server.fit(fitRequest(ts, ['alice', 'ghost'], 1), never());
      alice.send(echoReply(await alice.next('fit')));
      const outcome = await fitting;

      assert.deepEqual(outcome.failures, [{ clientId: 'ghost', reason: 'not connected when the round started' }]);
      assert.equal(outcome.replies.length, 1);
    });
  });

  it('fails every pending client when the signal aborts', async () => {
    await withServer(['alice'], async (ts) => {
      const alice = await RawClient.join(ts.url, 'alice', ts.tokens.alice);
      const stop = new AbortController();

      const fitting = ts.server.fit(fitRequest(ts, ['alice'], 1), stop.signal);
      await alice.next('fit');
      stop.abort();
      const outcome = await fitting;

      assert.deepEqual(outcome.failures, [{ clientId: 'alice', reason: 'the server is stopping' }]);
    });
  });

  it('fails at once when the signal was already aborted', async () => {
    await withServer(['alice'], async (ts) => {
      await RawClient.join(ts.url, 'alice', ts.tokens.alice);
      const stop = new AbortController();
      stop.abort();
      const req = fitRequest(ts, ['alice'], 1, 1500);

      const outcome = await ts.server.fit(req, stop.signal);

      assert.ok(Date.now() < req.deadline - 1000, 'returned long before the deadline');
      assert.deepEqual(outcome.failures, [{ clientId: 'alice', reason: 'the server is stopping' }]);
    });
  });
});

describe('FederatedServer.evaluate', () => {
  it('returns valid evaluations and refuses an implausible example count', async () => {
    await withServer(['good', 'bad'], async (ts) => {
      const good = await RawClient.join(ts.url, 'good', ts.tokens.good);
      const rogue = await RawClient.join(ts.url, 'bad', ts.tokens.bad);

      const evaluating = ts.server.evaluate({ round: 1, clients: ['bad', 'good'], params: ts.params, deadline: Date.now() + 20_000 }, never());
      const [e1, e2] = await Promise.all([good.next('evaluate'), rogue.next('evaluate')]);
      good.send({ type: 'evaluateReply', round: e1.round, numExamples: 20, metrics: { loss: 0.7, accuracy: 0.55 } });
      rogue.send({ type: 'evaluateReply', round: e2.round, numExamples: 5000, metrics: { loss: 0.1, accuracy: 1 } });
      const outcome = await evaluating;
      const error = await rogue.next('error');

      assert.deepEqual(e1.params.map((t) => t.name), ts.layout.map((t) => t.name));
      assert.deepEqual(outcome.results, [{ clientId: 'good', numExamples: 20, loss: 0.7, accuracy: 0.55 }]);
      assert.equal(outcome.failures.length, 1);
      assert.match(outcome.failures[0].reason, /^refused evaluation: numExamples 5000 exceeds/);
      assert.equal(error.code, 'badNumExamples');
    });
  });
});

/** A hand-made WebSocket client over a raw TCP socket, for frames `ws` itself would never send. */
class RawSocket {
  readonly socket: Socket;
  /** Unmasked frames received from the server. */
  readonly frames: { opcode: number; payload: Buffer }[] = [];
  readonly ended: Promise<void>;
  /** True once the TCP connection is closed. */
  isEnded = false;
  private buffer = Buffer.alloc(0);
  private upgraded = false;
  private changed: () => void = () => undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        this.isEnded = true;
        resolve();
      }),
    );
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
      this.changed();
    });
    socket.on('error', () => undefined);
  }

  /** Connects to `url` and completes the WebSocket upgrade handshake by hand. */
  static async open(url: string): Promise<RawSocket> {
    const port = portOf(url);
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const raw = new RawSocket(socket);
    socket.write(
      [
        'GET / HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n'),
    );
    await raw.until(() => raw.upgraded, 'the 101 response');
    return raw;
  }

  /** Sends one masked frame (as a client must) of `opcode` carrying `payload`. */
  sendFrame(opcode: number, payload: Uint8Array): void {
    const mask = randomBytes(4);
    const n = payload.byteLength;
    const head = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n]) : Buffer.alloc(4);
    if (n >= 126) {
      if (n >= 65536) throw new Error('sendFrame: payload too large for this helper');
      head[0] = 0x80 | opcode;
      head[1] = 0x80 | 126;
      head.writeUInt16BE(n, 2);
    }
    const body = Buffer.from(payload);
    for (let i = 0; i < n; i++) body[i] ^= mask[i % 4];
    this.socket.write(Buffer.concat([head, mask, body]));
  }

  /** Resolves when `check` holds after some data arrived (or at once); rejects after `timeoutMs`. */
  until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const test = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.changed = () => undefined;
        resolve();
      };
      this.changed = test;
      void this.ended.then(test);
      test();
    });
  }

  private parse(): void {
    if (!this.upgraded) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${head}`);
      this.upgraded = true;
      this.buffer = this.buffer.subarray(end + 4);
    }
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = this.buffer[0] & 0x0f;
      let length = this.buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) return;
      this.frames.push({ opcode, payload: this.buffer.subarray(offset, offset + length) });
      this.buffer = this.buffer.subarray(offset + length);
    }
  }
}

describe('FederatedServer: oversized and lying length prefixes', () => {
  it('closes a connection that declares a 2 GB WebSocket payload (1009), fails its round at once, and stays up for others', async () => {
    await withServer(['attacker', 'honest'], async (ts) => {
      const raw = await RawSocket.open(ts.url);
      try {
        const hello: Message = {
          type: 'hello',
          protocolVersion: FORMAT_VERSION,
          clientId: 'attacker',
          token: ts.tokens.attacker,
          capabilities: { backend: 'none', numExamples: 20, maxMessageBytes: 1 << 20, jointlyVersion: 'test' },
        };
        raw.sendFrame(0x2, encodeMessage(hello));
        await raw.until(() => raw.frames.length >= 1, 'welcome');
        const req = fitRequest(ts, ['attacker'], 1, 30_000);

        const fitting = ts.server.fit(req, never());
        await raw.until(() => raw.frames.length >= 2, 'the fit message');
        // FIN + binary, MASK + 127 (64-bit length follows), length 2^31, a mask key, then only 8 bytes.
        const header = Buffer.alloc(14);
        header[0] = 0x82;
        header[1] = 0x80 | 127;
        header.writeBigUInt64BE(2n ** 31n, 2);
        randomBytes(4).copy(header, 10);
        raw.socket.write(Buffer.concat([header, randomBytes(8)]));
        await raw.until(() => raw.isEnded || raw.frames.some((f) => f.opcode === 0x8), 'a close frame or the end of the connection');
        const close = raw.frames.find((f) => f.opcode === 0x8);
        raw.socket.destroy();
        const outcome = await fitting;

        if (close !== undefined) assert.equal(close.payload.readUInt16BE(0), 1009);
        assert.ok(Date.now() < req.deadline - 20_000, 'failed long before the deadline');
        assert.deepEqual(outcome.failures, [{ clientId: 'attacker', reason: 'disconnected during round 1' }]);
        assert.ok(ts.logs.some((l) => /client attacker: connection error: Max payload size exceeded/.test(l)), ts.logs.join('\n'));
      } finally {
        raw.socket.destroy();
      }

      const honest = await RawClient.join(ts.url, 'honest', ts.tokens.honest);
      const fitting = ts.server.fit(fitRequest(ts, ['honest'], 2), never());
      honest.send(echoReply(await honest.next('fit')));
      const outcome = await fitting;

      assert.deepEqual(
        outcome.replies.map((r) => r.clientId),
        ['honest'],
      );
      assert.deepEqual(ts.server.available(), ['honest']);
    });
  });

  it('answers a jointly frame whose header length says 0x80000000 with an error, and keeps the connection usable', async () => {
    await withServer(['alice'], async (ts) => {
      const alice = await RawClient.join(ts.url, 'alice', ts.tokens.alice);

      alice.sendBytes(withHeaderLength(encodeMessage({ type: 'heartbeat', seq: 0, sentAt: Date.now() }), 0x80000000));
      const error = await alice.next('error');
      const fitting = ts.server.fit(fitRequest(ts, ['alice'], 1), never());
      alice.send(echoReply(await alice.next('fit')));
      const outcome = await fitting;

      assert.equal(error.code, 'protocol');
      assert.equal(error.round, undefined);
      assert.match(error.message, /header length 2147483648 exceeds the message/);
      assert.ok(alice.open);
      assert.equal(outcome.replies.length, 1);
    });
  });

  it('closes a connection whose WebSocket message exceeds maxMessageBytes (1009) and stays up', async () => {
    await withServer(
      ['alice', 'bob'],
      async (ts) => {
        const alice = await RawClient.join(ts.url, 'alice', ts.tokens.alice);

        alice.sendBytes(new Uint8Array(8192));
        const closed = await alice.closed;
        const bob = await RawClient.join(ts.url, 'bob', ts.tokens.bob);

        assert.equal(closed.code, 1009);
        assert.ok(bob.open);
        assert.deepEqual(ts.server.available(), ['bob']);
      },
      { maxMessageBytes: 4096 },
    );
  });
});

describe('FederatedServer: waiting, reconnection and heartbeats', () => {
  it('waitForClients resolves once n clients have joined, not before', async () => {
    await withServer(['a', 'b'], async (ts) => {
      let resolved = false;

      const waiting = ts.server.waitForClients(2, never()).then(() => {
        resolved = true;
      });
      await RawClient.join(ts.url, 'a', ts.tokens.a);
      await new Promise((resolve) => setImmediate(resolve));
      const afterOne = resolved;
      await RawClient.join(ts.url, 'b', ts.tokens.b);
      await waiting;

      assert.equal(afterOne, false);
      assert.equal(resolved, true);
      await ts.server.waitForClients(2, never()); // already enough: resolves at once
    });
  });

  it('waitForClients rejects with NetworkError when the signal aborts', async () => {
    await withServer(['a'], async (ts) => {
      const stop = new AbortController();

      const waiting = ts.server.waitForClients(1, stop.signal);
      stop.abort();

      await assert.rejects(waiting, NetworkError);
    });
  });

  it('with allowTakeover, replaces the old connection of a client that reconnects with the same id; the old pending fit fails', async () => {
    await withServer(['alice'], async (ts) => {
      const old = await RawClient.join(ts.url, 'alice', ts.tokens.alice);
      const req = fitRequest(ts, ['alice'], 1, 30_000);

      const fitting = ts.server.fit(req, never());
      await old.next('fit');
      const fresh = await RawClient.join(ts.url, 'alice', ts.tokens.alice);
      const outcome = await fitting;
      const oldClosed = await old.closed;
      const next = ts.server.fit(fitRequest(ts, ['alice'], 2), never());
      fresh.send(echoReply(await fresh.next('fit')));
      const outcome2 = await next;

      assert.ok(Date.now() < req.deadline - 20_000);
      assert.deepEqual(outcome.failures, [{ clientId: 'alice', reason: 'reconnected during round 1' }]);
      assert.equal(oldClosed.code, 4000);
      assert.deepEqual(ts.server.available(), ['alice']);
      assert.deepEqual(
        outcome2.replies.map((r) => r.clientId),
        ['alice'],
      );
    }, { allowTakeover: true });
  });

  it('refuses a second hello for a connected id with duplicate; the live session keeps its slot and its round', async () => {
    await withServer(['alice'], async (ts) => {
      const live = await RawClient.join(ts.url, 'alice', ts.tokens.alice);
      const fitting = ts.server.fit(fitRequest(ts, ['alice'], 1), never());
      const fit = await live.next('fit');

      const second = await RawClient.hello(ts.url, 'alice', ts.tokens.alice);
      const refusal = await second.next('refuse');
      await second.closed;
      live.send(echoReply(fit));
      const outcome = await fitting;

      assert.equal(refusal.code, 'duplicate');
      assert.match(refusal.reason, /already connected/);
      assert.ok(live.open);
      assert.deepEqual(outcome.replies.map((r) => r.clientId), ['alice']);
      assert.deepEqual(outcome.failures, []);
      assert.ok(ts.logs.some((l) => /client 'alice' refused: it is already connected from 127\.0\.0\.1:\d+/.test(l)), ts.logs.join('\n'));
    });
  });

  it(
    'never reports negative bytesReceived when a client reconnects mid-round',
    async () => {
      await withServer(['alice'], async (ts) => {
        const old = await RawClient.join(ts.url, 'alice', ts.tokens.alice);
        for (let seq = 0; seq < 20; seq++) old.send({ type: 'heartbeat', seq, sentAt: Date.now() });
        old.sendText('flush'); // answered with an error once everything before it has been read
        await old.next('error');

        const fitting = ts.server.fit(fitRequest(ts, ['alice'], 1), never());
        await old.next('fit');
        await RawClient.join(ts.url, 'alice', ts.tokens.alice);
        const outcome = await fitting;

        assert.ok(outcome.bytesReceived >= 0, `bytesReceived ${outcome.bytesReceived}`);
      }, { allowTakeover: true });
    },
  );

  it('drops an idle client that sends no heartbeat for three periods, and keeps one that does', async () => {
    await withServer(
      ['silent', 'chatty'],
      async (ts) => {
        const silent = await RawClient.join(ts.url, 'silent', ts.tokens.silent);
        const chatty = await RawClient.join(ts.url, 'chatty', ts.tokens.chatty);
        let seq = 0;
        const beat = setInterval(() => chatty.send({ type: 'heartbeat', seq: seq++, sentAt: Date.now() }), 30);
        try {
          await silent.closed;
          await waitUntil(() => !ts.server.available().includes('silent'), 'silent to be dropped');

          assert.deepEqual(ts.server.available(), ['chatty']);
          assert.ok(chatty.open);
          assert.ok(ts.logs.some((l) => /client silent: no heartbeat/.test(l)), ts.logs.join('\n'));
        } finally {
          clearInterval(beat);
        }
      },
      { heartbeatSeconds: 0.1 },
    );
  });
});

describe('FederatedServer over TLS', () => {
  let certPath = '';
  let keyPath = '';
  before(() => {
    if (!hasOpenssl) return;
    const dir = tempDir();
    certPath = join(dir, 'c.pem');
    keyPath = join(dir, 'k.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '1', '-keyout', keyPath, '-out', certPath],
      { stdio: 'ignore' },
    );
  });

  const skip = hasOpenssl ? false : 'openssl is not on PATH';

  it('serves wss:// to a FederatedClient that trusts the certificate, through a fit and an evaluation', { skip }, async () => {
    await withServer(
      ['tls-client'],
      async (ts) => {
        const clientLog: string[] = [];
        const client = new FederatedClient({
          url: ts.url,
          clientId: 'tls-client',
          token: ts.tokens['tls-client'],
          train: tinyDataset(20, 1),
          backend: 'cpu',
          caPath: certPath,
          maxRetries: 0,
          jointlyVersion: 'test',
          log: (l) => clientLog.push(l),
        });
        const stop = new AbortController();
        const running = client.run(stop.signal);
        try {
          await Promise.race([
            ts.server.waitForClients(1, stop.signal),
            running.then(() => {
              throw new Error(`the client exited before joining: ${clientLog.join('\n')}`);
            }),
          ]);

          const fit = await ts.server.fit(fitRequest(ts, ['tls-client'], 1), never());
          const evaluation = await ts.server.evaluate({ round: 1, clients: ['tls-client'], params: fit.replies[0].params, deadline: Date.now() + 20_000 }, never());
          await ts.close('run finished', true);
          const exit = await running;

          assert.match(ts.url, /^wss:\/\/127\.0\.0\.1:\d+$/);
          assert.deepEqual(fit.failures, []);
          assert.equal(fit.replies.length, 1);
          const params = fit.replies[0].params;
          assert.equal(params.length, ts.params.length);
          assert.ok(params.every(Number.isFinite));
          assert.notDeepEqual(params, ts.params, 'the client trained');
          assert.equal(fit.replies[0].numExamples, 20);
          assert.deepEqual(evaluation.failures, []);
          assert.equal(evaluation.results.length, 1);
          assert.equal(evaluation.results[0].numExamples, 20);
          assert.ok(evaluation.results[0].accuracy >= 0 && evaluation.results[0].accuracy <= 1);
          assert.ok(Number.isFinite(evaluation.results[0].loss));
          assert.deepEqual(exit, { reason: 'finished', message: 'run finished' });
        } finally {
          stop.abort();
          await running.catch(() => undefined);
        }
      },
      { tls: { certPath, keyPath } },
    );
  });

  it('survives a plain ws:// client talking to its TLS port', { skip }, async () => {
    await withServer(
      ['alice'],
      async (ts) => {
        const plainUrl = ts.url.replace(/^wss:/, 'ws:');

        await assert.rejects(RawClient.connect(plainUrl));
        const alice = await RawClient.connect(ts.url, { ca: readFileSync(certPath) });
        alice.send({
          type: 'hello',
          protocolVersion: FORMAT_VERSION,
          clientId: 'alice',
          token: ts.tokens.alice,
          capabilities: { backend: 'none', numExamples: 20, maxMessageBytes: 1 << 20, jointlyVersion: 'test' },
        });
        await alice.next('welcome');

        assert.deepEqual(ts.server.available(), ['alice']);
      },
      { tls: { certPath, keyPath } },
    );
  });

  it('refuses a FederatedClient that does not trust the certificate; the error names the certificate', { skip }, async () => {
    await withServer(
      ['tls-client'],
      async (ts) => {
        const client = new FederatedClient({
          url: ts.url,
          clientId: 'tls-client',
          token: ts.tokens['tls-client'],
          train: tinyDataset(20, 1),
          backend: 'cpu',
          maxRetries: 0,
          jointlyVersion: 'test',
          log: () => undefined,
        });

        const running = client.run(never());

        await assert.rejects(running, (err: unknown) => {
          assert.ok(err instanceof NetworkError, String(err));
          assert.match(err.message, /certificate/);
          return true;
        });
        assert.deepEqual(ts.server.available(), []);
      },
      { tls: { certPath, keyPath } },
    );
  });
});
