/**
 * The server's limits in process, with raw protocol clients: the small message size before
 * hello and the full one after, the cap on failed authentications per address, a silent
 * client's own deadline, and revocation of a live client. (The same limits against a real
 * server process, with thousands of sockets, are in server-limits-e2e.test.ts.)
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../engine/backend.js';
import { revokeClient, type TokenFile } from '../auth/tokens.js';
import type { FitRequest } from '../server/client-pool.js';
import { FederatedClient } from './client.js';
import { RawClient, registerClients, startServer, tinyDataset, type TestServer } from './testing.js';
import type { ServerOptions } from './server.js';

const never = (): AbortSignal => new AbortController().signal;

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function fitRequest(ts: TestServer, clients: string[], round: number, ms = 30_000): FitRequest {
  return { round, clients, params: ts.params, instructions: { config: { localEpochs: 1, batchSize: 10 }, extras: {} }, deadline: Date.now() + ms };
}

async function withServer(ids: readonly string[], fn: (ts: TestServer) => Promise<void>, overrides: Partial<ServerOptions> = {}): Promise<void> {
  const ts = await startServer(ids, overrides);
  try {
    await fn(ts);
  } finally {
    await ts.close();
  }
}

before(async () => {
  await selectBackend('cpu');
});

describe('FederatedServer limits', () => {
  it('closes a connection whose first message exceeds maxHelloBytes (1009), and accepts larger messages after hello', async () => {
    await withServer(
      ['alice'],
      async (ts) => {
        const stranger = await RawClient.connect(ts.url);
        stranger.sendBytes(new Uint8Array(8 * 1024));
        const strangerClosed = await stranger.closed;
        const alice = await RawClient.join(ts.url, 'alice', ts.tokens.alice);
        // Not a valid message, but past the hello limit: after hello it reaches the decoder, which answers.
        alice.sendBytes(new Uint8Array(64 * 1024));
        const answer = await alice.next('error');

        assert.equal(strangerClosed.code, 1009);
        assert.equal(answer.code, 'protocol');
        assert.ok(alice.open);
      },
      { maxHelloBytes: 4096 },
    );
  });

  it('after maxAuthFailuresPerMinute failed hellos from an address, its next connections are closed at accept', async () => {
    await withServer(
      ['alice'],
      async (ts) => {
        for (let i = 0; i < 3; i++) {
          const wrong = await RawClient.hello(ts.url, 'alice', 'wrong-token');
          assert.equal((await wrong.next('refuse')).code, 'auth');
          await wrong.closed;
        }

        const refused = await RawClient.connect(ts.url).then(
          () => 'connected',
          () => 'refused',
        );

        assert.equal(refused, 'refused');
        assert.equal(ts.server.refusedConnections.authFailures, 1);
        assert.ok(ts.logs.some((l) => /closing connections from 127\.0\.0\.1: 3 failed authentications/.test(l)), ts.logs.join('\n'));
      },
      { limits: { maxPending: 64, maxPendingPerAddress: 8, handshakeSeconds: 10, maxAuthFailuresPerMinute: 3 } },
    );
  });

  it('drops a silent client at its own deadline, so the round ends long before the round deadline', async () => {
    await withServer(
      ['silent', 'quick'],
      async (ts) => {
        await RawClient.join(ts.url, 'silent', ts.tokens.silent);
        const quick = await RawClient.join(ts.url, 'quick', ts.tokens.quick);
        const req = fitRequest(ts, ['quick', 'silent'], 1, 60_000);

        const fitting = ts.server.fit(req, never());
        const fit = await quick.next('fit');
        quick.send({ type: 'fitReply', round: fit.round, numExamples: 20, metrics: { loss: 0.5 }, durationSeconds: 0.1, delta: false, params: fit.params, extras: {} });
        const outcome = await fitting;

        assert.ok(Date.now() < req.deadline - 50_000, 'the round did not wait for its own deadline');
        assert.deepEqual(outcome.replies.map((r) => r.clientId), ['quick']);
        assert.equal(outcome.failures.length, 1);
        assert.match(outcome.failures[0].reason, /no reply within 0\.3 s \(server\.clientTimeoutSeconds\)/);
      },
      { clientTimeoutSeconds: 0.3 },
    );
  });

  it('a client refused as duplicate (its old connection still held) keeps retrying, without using up maxRetries, and gets in once the old one is gone', async () => {
    await withServer(['alice'], async (ts) => {
      const stale = await RawClient.join(ts.url, 'alice', ts.tokens.alice);
      const log: string[] = [];
      const client = new FederatedClient({ url: ts.url, clientId: 'alice', token: ts.tokens.alice, train: tinyDataset(20, 1), backend: 'cpu', maxRetries: 0, jointlyVersion: 'test', log: (l) => log.push(l) });
      const stop = new AbortController();
      const running = client.run(stop.signal);
      await waitFor(() => log.some((l) => /connection refused for now/.test(l)), 'a duplicate refusal');
      await stale.close();

      await waitFor(() => ts.server.available().includes('alice') && log.some((l) => /joined run/.test(l)), 'alice to rejoin', 20_000);
      const outcome = await ts.server.fit(fitRequest(ts, ['alice'], 1), never());
      stop.abort();
      await running;

      assert.deepEqual(outcome.replies.map((r) => r.clientId), ['alice']);
      assert.ok(log.some((l) => /already connected/.test(l)), log.join('\n'));
    });
  });

  it('cuts a live client when the token file revokes it: its pending fit fails at once and it is told why', async () => {
    const { file, tokens } = registerClients(['alice', 'bob']);
    let current: TokenFile = file;
    await withServer(
      ['alice', 'bob'],
      async (ts) => {
        const alice = await RawClient.join(ts.url, 'alice', tokens.alice);
        await RawClient.join(ts.url, 'bob', tokens.bob);
        const fitting = ts.server.fit(fitRequest(ts, ['alice'], 1), never());
        await alice.next('fit');

        current = revokeClient(current, 'alice');
        const outcome = await fitting;
        const refusal = await alice.next('refuse');
        await alice.closed;

        assert.equal(refusal.code, 'auth');
        assert.match(outcome.failures[0].reason, /no longer authorized \(client 'alice' is revoked\)|no longer authorized/);
        assert.deepEqual(ts.server.available(), ['bob']);
      },
      { tokens: file, reloadTokens: () => current },
    );
  });
});
