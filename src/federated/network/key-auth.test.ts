/**
 * Key authentication on a real server over loopback (in-process): a client registered by its
 * Ed25519 public key gets a challenge after hello and is welcomed only after its signature
 * verifies. Forged signatures, other keys, signatures over another client id or run, replayed
 * answers and missing answers are refused (code `auth`) and logged with the precise reason,
 * and the audit log records joins and refusals.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { selectBackend } from '../../engine/backend.js';
import { tempDirFactory } from '../../engine/testing.js';
import { generateClientKeys, newNonce, privateKeyPem, signChallenge, toBase64url, type ClientKeyPair } from '../auth/challenge.js';
import { addClient, addKeyClient, emptyTokenFile, revokeClient, type TokenFile } from '../auth/tokens.js';
import { FORMAT_VERSION, type MessageOf } from '../protocol/messages.js';
import { openAuditLog, type AuditLog } from './audit-log.js';
import { FederatedClient } from './client.js';
import { RawClient, startServer, tinyDataset, waitUntil, type TestServer } from './testing.js';

const tempDir = tempDirFactory('jointly-key-auth-');

let alice: ClientKeyPair;
let mallory: ClientKeyPair;
let both: ClientKeyPair;
let file: TokenFile;
let bothToken: string;
let tokToken: string;

before(async () => {
  await selectBackend('cpu');
  alice = await generateClientKeys();
  mallory = await generateClientKeys();
  both = await generateClientKeys();
  const tok = addClient(emptyTokenFile(), 'tok');
  tokToken = tok.token;
  const withBoth = addKeyClient(addKeyClient(tok.file, 'alice', alice.publicKey).file, 'both', both.publicKey, { withToken: true });
  file = withBoth.file;
  bothToken = withBoth.token ?? '';
});

/** Connects and sends a hello (without a token unless given). */
async function hello(url: string, clientId: string, token?: string): Promise<RawClient> {
  const c = await RawClient.connect(url);
  c.send({ type: 'hello', protocolVersion: FORMAT_VERSION, clientId, ...(token === undefined ? {} : { token }), capabilities: { backend: 'none', numExamples: 20, maxMessageBytes: 1 << 20, jointlyVersion: 'test' } });
  return c;
}

/** The signature of `keys` over the challenge, for `clientId` (default: the honest answer's context). */
function sign(keys: ClientKeyPair, ch: MessageOf<'challenge'>, clientId: string, over: { runId?: string; nonce?: string } = {}): Promise<string> {
  return signChallenge(keys.privateKey, { runId: over.runId ?? ch.runId, server: ch.server, clientId, nonce: over.nonce ?? ch.nonce });
}

async function withServer(fn: (ts: TestServer, audit: { log: AuditLog; lines: () => Record<string, unknown>[] }) => Promise<void>, handshakeSeconds = 10, tokens: () => TokenFile = () => file): Promise<void> {
  const path = join(tempDir(), 'audit.jsonl');
  const log = openAuditLog(path);
  const ts = await startServer([], { tokens: tokens(), reloadTokens: tokens, audit: log, limits: { maxPending: 64, maxPendingPerAddress: 64, handshakeSeconds, maxAuthFailuresPerMinute: 1000 } });
  try {
    await fn(ts, { log, lines: () => readFileSync(path, 'utf8').trimEnd().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) });
  } finally {
    await ts.close();
    log.close();
  }
}

describe('key authentication (challenge and answer)', () => {
  after(() => undefined);

  it('welcomes a key client only after its signature verifies, binding run, server, client id and nonce', async () => {
    await withServer(async (ts, audit) => {
      const c = await hello(ts.url, 'alice');
      const ch = await c.next('challenge');
      assert.equal(ch.runId, 'test-run');
      assert.equal(ch.server, ts.url);
      assert.equal(ch.algorithm, 'Ed25519');
      assert.equal(c.received.some((r) => 'msg' in r && r.msg.type === 'welcome'), false, 'no welcome before the answer');
      assert.deepEqual(ts.server.available(), []);

      c.send({ type: 'challengeAnswer', nonce: ch.nonce, signature: await sign(alice, ch, 'alice') });
      await c.next('welcome');

      assert.deepEqual(ts.server.available(), ['alice']);
      assert.ok(ts.logs.some((l) => /client alice joined from .* by key/.test(l)));
      await waitUntil(() => audit.lines().some((l) => l.event === 'join'), 'the join in the audit log');
      const join = audit.lines().find((l) => l.event === 'join');
      assert.equal(join?.clientId, 'alice');
      assert.equal(join?.method, 'key');
      assert.match(String(join?.remote), /^127\.0\.0\.1:\d+$/);
      await c.close();
    });
  });

  for (const [name, answer, authCode] of [
    ['a forged signature (random bytes)', async (ch: MessageOf<'challenge'>) => ({ nonce: ch.nonce, signature: toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(64))) }), 'badSignature'],
    ['a signature by another key', async (ch: MessageOf<'challenge'>) => ({ nonce: ch.nonce, signature: await sign(mallory, ch, 'alice') }), 'badSignature'],
    ['a signature over another client id', async (ch: MessageOf<'challenge'>) => ({ nonce: ch.nonce, signature: await sign(alice, ch, 'tok') }), 'badSignature'],
    ['a signature over another run', async (ch: MessageOf<'challenge'>) => ({ nonce: ch.nonce, signature: await sign(alice, ch, 'alice', { runId: 'other-run' }) }), 'badSignature'],
    ['an answer naming a nonce never issued', async (ch: MessageOf<'challenge'>) => { const nonce = newNonce(); return { nonce, signature: await sign(alice, ch, 'alice', { nonce }) }; }, 'wrongNonce'],
  ] as const) {
    it(`refuses ${name} (code auth), logs why, audits it, and welcomes no one`, async () => {
      await withServer(async (ts, audit) => {
        const c = await hello(ts.url, 'alice');
        const ch = await c.next('challenge');

        c.send({ type: 'challengeAnswer', ...(await answer(ch)) });
        const refuse = await c.next('refuse');
        await c.closed;

        assert.equal(refuse.code, 'auth');
        assert.deepEqual(ts.server.available(), []);
        assert.equal(c.received.some((r) => 'msg' in r && r.msg.type === 'welcome'), false);
        await waitUntil(() => audit.lines().some((l) => l.event === 'refuse'), 'the refusal in the audit log');
        const line = audit.lines().find((l) => l.event === 'refuse');
        assert.equal(line?.authCode, authCode);
        assert.equal(line?.code, 'auth');
        assert.equal(line?.clientId, 'alice');
        assert.ok(ts.logs.some((l) => l.includes("client 'alice' refused")));
      });
    });
  }

  it('refuses an answer replayed from an earlier connection, and an old signature on the new nonce, while the honest client still joins', async () => {
    await withServer(async (ts, audit) => {
      const first = await hello(ts.url, 'alice');
      const ch1 = await first.next('challenge');
      const recorded = { nonce: ch1.nonce, signature: await sign(alice, ch1, 'alice') };
      first.send({ type: 'challengeAnswer', ...recorded });
      await first.next('welcome');
      await first.close();
      await waitUntil(() => ts.server.available().length === 0, 'alice to leave');

      const replay = await hello(ts.url, 'alice');
      await replay.next('challenge');
      replay.send({ type: 'challengeAnswer', ...recorded });
      const r1 = await replay.next('refuse');
      const stale = await hello(ts.url, 'alice');
      const ch3 = await stale.next('challenge');
      stale.send({ type: 'challengeAnswer', nonce: ch3.nonce, signature: recorded.signature });
      const r2 = await stale.next('refuse');
      const honest = await hello(ts.url, 'alice');
      const ch4 = await honest.next('challenge');
      honest.send({ type: 'challengeAnswer', nonce: ch4.nonce, signature: await sign(alice, ch4, 'alice') });
      await honest.next('welcome');

      assert.equal(r1.code, 'auth');
      assert.match(r1.reason, /replayed or stale/);
      assert.equal(r2.code, 'auth');
      assert.ok(ts.logs.some((l) => /replayed challenge answer: its nonce was issued to an earlier connection/.test(l)));
      assert.deepEqual(audit.lines().filter((l) => l.event === 'refuse').map((l) => l.authCode), ['replayedAnswer', 'badSignature']);
      assert.deepEqual(ts.server.available(), ['alice']);
      await honest.close();
    });
  });

  it('refuses a client that does not answer before the handshake deadline', async () => {
    await withServer(async (ts, audit) => {
      const c = await hello(ts.url, 'alice');
      await c.next('challenge');

      const refuse = await c.next('refuse', 5000);

      assert.equal(refuse.code, 'auth');
      assert.match(refuse.reason, /no answer to the challenge within 1 s/);
      await waitUntil(() => audit.lines().some((l) => l.authCode === 'noAnswer'), 'noAnswer in the audit log');
    }, 1);
  });

  it('challenges an unknown id without a token too, and refuses it in the same words as a bad signature', async () => {
    await withServer(async (ts) => {
      const unknown = await hello(ts.url, 'nobody');
      const ch = await unknown.next('challenge');
      unknown.send({ type: 'challengeAnswer', nonce: ch.nonce, signature: await sign(mallory, ch, 'nobody') });
      const r1 = await unknown.next('refuse');
      const forged = await hello(ts.url, 'alice');
      const ch2 = await forged.next('challenge');
      forged.send({ type: 'challengeAnswer', nonce: ch2.nonce, signature: await sign(mallory, ch2, 'alice') });
      const r2 = await forged.next('refuse');

      assert.equal(r1.reason, r2.reason);
      assert.doesNotMatch(r1.reason, /nobody|alice/);
      assert.ok(ts.logs.some((l) => /unknown client 'nobody'/.test(l)));
    });
  });

  it('needs both token and key for a client registered with both, and still serves token-only clients without a challenge', async () => {
    await withServer(async (ts) => {
      const keyOnly = await hello(ts.url, 'both');
      const ch = await keyOnly.next('challenge');
      keyOnly.send({ type: 'challengeAnswer', nonce: ch.nonce, signature: await sign(both, ch, 'both') });
      const refused = await keyOnly.next('refuse');
      const tokenOnly = await hello(ts.url, 'both', bothToken);
      const ch2 = await tokenOnly.next('challenge');
      tokenOnly.send({ type: 'challengeAnswer', nonce: ch2.nonce, signature: await sign(mallory, ch2, 'both') });
      const refused2 = await tokenOnly.next('refuse');
      const full = await hello(ts.url, 'both', bothToken);
      const ch3 = await full.next('challenge');
      full.send({ type: 'challengeAnswer', nonce: ch3.nonce, signature: await sign(both, ch3, 'both') });
      await full.next('welcome');
      const tok = await RawClient.join(ts.url, 'tok', tokToken);

      assert.equal(refused.code, 'auth');
      assert.equal(refused2.code, 'auth');
      assert.ok(ts.logs.some((l) => /client 'both' must present its token as well/.test(l)));
      assert.equal(tok.received.some((r) => 'msg' in r && r.msg.type === 'challenge'), false);
      assert.deepEqual(ts.server.available(), ['both', 'tok']);
      assert.ok(ts.logs.some((l) => /client both joined .* by token\+key/.test(l)));
      await full.close();
      await tok.close();
    });
  });

  it('cuts a connected key client when its key is revoked, and audits the revocation', async () => {
    let current = file;
    await withServer(
      async (ts, audit) => {
        const c = await hello(ts.url, 'alice');
        const ch = await c.next('challenge');
        c.send({ type: 'challengeAnswer', nonce: ch.nonce, signature: await sign(alice, ch, 'alice') });
        await c.next('welcome');

        current = revokeClient(file, 'alice');
        const refuse = await c.next('refuse', 6000);

        assert.equal(refuse.code, 'auth');
        await waitUntil(() => audit.lines().some((l) => l.event === 'revoke'), 'the revocation in the audit log');
        assert.match(String(audit.lines().find((l) => l.event === 'revoke')?.reason), /revoked/);
      },
      10,
      () => current,
    );
  });

  it('runs a FederatedClient with a key file through the challenge to the welcome', async () => {
    await withServer(async (ts) => {
      const keyPath = join(tempDir(), 'alice.key');
      writeFileSync(keyPath, await privateKeyPem(alice.privateKey), { mode: 0o600 });
      const log: string[] = [];
      const client = new FederatedClient({ url: ts.url, clientId: 'alice', keyPath, train: tinyDataset(20, 1), backend: 'cpu', maxRetries: 0, jointlyVersion: 'test', log: (l) => log.push(l) });
      const stop = new AbortController();
      const running = client.run(stop.signal);

      await ts.server.waitForClients(1, stop.signal);

      assert.deepEqual(ts.server.available(), ['alice']);
      assert.ok(log.some((l) => /signed the challenge of ws:\/\/127\.0\.0\.1/.test(l)));
      stop.abort();
      assert.deepEqual(await running, { reason: 'stopped' });
    });
  });
});
