/**
 * End to end, with real `jointly server` and `jointly client` processes on loopback: who may
 * join beyond tokens (issue 15). A client registered by its Ed25519 public key (`jointly key
 * generate`, `jointly token add --key`) joins with its key file and trains every round beside a
 * token client, while forged, other-key and replayed challenge answers are refused; with mutual
 * TLS, clients without a certificate or with one from another CA are refused and those with
 * good certificates train. The audit log holds the joins, the refusals with their reasons, and
 * the rounds.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDirFactory } from '../../engine/testing.js';
import { CLI, freePort, jointlySync, Proc } from '../../cli/testing/processes.js';
import { generateClientKeys, signChallenge, toBase64url } from '../auth/challenge.js';
import { FORMAT_VERSION } from '../protocol/messages.js';
import { csv, writeServerConfig } from './testing/federation-processes.js';
import { certificateAuthority, clientCertificate, hasOpenssl, serverCertificate } from './testing/certificates.js';
import { RawClient } from './testing.js';

const tempDir = tempDirFactory('jointly-identity-e2e-');

type AuditLine = Record<string, unknown> & { seq: number; time: string; event: string };

function audit(path: string): AuditLine[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as AuditLine);
}

function serverConfig(dir: string, server: Record<string, unknown>, rounds = 2): string {
  return writeServerConfig(dir, 'identity', { rounds }, { maxAuthFailuresPerMinute: 100, ...server });
}

function clientConfig(dir: string, id: string, index: number, fields: Record<string, unknown>): string {
  const data = join(dir, `${id}.csv`);
  writeFileSync(data, csv(60, index + 1));
  const path = join(dir, `${id}.json`);
  writeFileSync(path, JSON.stringify({ mode: 'client', id, backend: 'cpu', data: { dataset: 'csv', train: data, labelColumn: 'label' }, maxRetries: 12, ...fields }));
  return path;
}

test('a key client joins with its key file and trains every round beside a token client; forged, other-key and replayed answers are refused; the audit log says so', { timeout: 180_000 }, async () => {
  const dir = tempDir();
  const port = await freePort();
  const tokens = join(dir, 'tokens.json');
  const keyFile = join(dir, 'site-k.key');
  const pub = jointlySync('key', 'generate', '--out', keyFile, '--quiet');
  assert.match(pub, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  jointlySync('token', 'add', 'site-k', '--key', `${keyFile}.pub`, '--tokens', tokens, '--quiet');
  const token = jointlySync('token', 'add', 'site-t', '--tokens', tokens, '--quiet');
  assert.match(jointlySync('token', 'list', '--tokens', tokens), new RegExp(`site-k  key ${pub}`));
  const runDir = join(dir, 'run');
  const server = new Proc('server', [CLI, 'server', serverConfig(dir, {}), '--port', String(port), '--tokens', tokens, '--out', runDir]);
  const url = `ws://127.0.0.1:${port}`;
  const procs: Proc[] = [server];
  try {
    await server.waitFor(/listening on ws:/);
    // The attacks, before the honest clients join: a forged signature, another key, and a replayed answer.
    const mallory = await generateClientKeys();
    const attack = async (answer: (ch: { nonce: string; runId: string; server: string }) => Promise<{ nonce: string; signature: string }>): Promise<string> => {
      const c = await RawClient.connect(url);
      c.send({ type: 'hello', protocolVersion: FORMAT_VERSION, clientId: 'site-k', capabilities: { backend: 'none', numExamples: 60, maxMessageBytes: 1 << 20, jointlyVersion: 'test' } });
      const ch = await c.next('challenge');
      c.send({ type: 'challengeAnswer', ...(await answer(ch)) });
      const refuse = await c.next('refuse');
      await c.closed;
      return `${refuse.code}: ${refuse.reason}`;
    };
    let recorded: { nonce: string; signature: string } | undefined;
    const forged = await attack(async (ch) => ({ nonce: ch.nonce, signature: toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(64))) }));
    const otherKey = await attack(async (ch) => {
      recorded = { nonce: ch.nonce, signature: await signChallenge(mallory.privateKey, { ...ch, clientId: 'site-k' }) };
      return recorded;
    });
    const replayed = await attack(async () => recorded ?? assert.fail('no recorded answer'));
    for (const r of [forged, otherKey, replayed]) assert.match(r, /^auth: /);

    const k = new Proc('site-k', [CLI, 'client', clientConfig(dir, 'site-k', 0, { server: url, keyFile })]);
    const t = new Proc('site-t', [CLI, 'client', clientConfig(dir, 'site-t', 1, { server: url })], { JOINTLY_TOKEN: token });
    procs.push(k, t);

    assert.equal(await server.exited, 0, server.lines.join('\n'));
    assert.equal(await k.exited, 0, k.lines.join('\n'));
    assert.equal(await t.exited, 0, t.lines.join('\n'));
    assert.ok(k.lines.some((l) => /signed the challenge of ws:\/\/127\.0\.0\.1/.test(l)), k.lines.join('\n'));
    assert.ok(server.lines.some((l) => /client site-k joined from .* by key/.test(l)));

    const lines = audit(join(runDir, 'audit.jsonl'));
    assert.deepEqual(lines.map((l) => l.seq), lines.map((_, i) => i + 1), 'seq from 1, no gaps');
    for (const l of lines) assert.ok(!Number.isNaN(Date.parse(l.time)) && l.time.endsWith('Z'), l.time);
    assert.equal(lines[0].event, 'start');
    const refusals = lines.filter((l) => l.event === 'refuse');
    assert.deepEqual(refusals.map((l) => l.authCode), ['badSignature', 'badSignature', 'replayedAnswer']);
    for (const r of refusals) {
      assert.equal(r.clientId, 'site-k');
      assert.match(String(r.reason), /client 'site-k' refused: /);
    }
    const joins = lines.filter((l) => l.event === 'join');
    assert.deepEqual(joins.map((l) => [l.clientId, l.method]).sort(), [['site-k', 'key'], ['site-t', 'token']]);
    const rounds = lines.filter((l) => l.event === 'round');
    assert.deepEqual(rounds.map((l) => l.round), [1, 2]);
    for (const r of rounds) {
      assert.deepEqual(r.sampled, ['site-k', 'site-t']);
      assert.deepEqual(r.aggregated, ['site-k', 'site-t']);
    }
    assert.equal(lines.at(-1)?.event, 'stop');
    // Never a secret: no token and no signature in the audit log.
    const text = readFileSync(join(runDir, 'audit.jsonl'), 'utf8');
    assert.ok(!text.includes(token));
    assert.ok(recorded !== undefined && !text.includes(recorded.signature));
  } finally {
    for (const p of procs) p.kill();
  }
});

test('mutual TLS: clients without a certificate or with one from another CA are refused; clients with good certificates train', { timeout: 180_000, skip: hasOpenssl ? false : 'openssl is not on PATH' }, async () => {
  const dir = tempDir();
  const port = await freePort();
  const tokens = join(dir, 'tokens.json');
  const ids = ['site-a', 'site-b'];
  const issued = Object.fromEntries(ids.map((id) => [id, jointlySync('token', 'add', id, '--tokens', tokens, '--quiet')]));
  const srv = serverCertificate(dir);
  const ca = certificateAuthority(dir, 'sites');
  const certs = Object.fromEntries(ids.map((id) => [id, clientCertificate(dir, ca, id)]));
  const rogue = clientCertificate(dir, certificateAuthority(dir, 'rogue'), 'site-a', 'rogue-a');
  const runDir = join(dir, 'run');
  const config = serverConfig(dir, { tlsCert: srv.cert, tlsKey: srv.key }, 1);
  const server = new Proc('server', [CLI, 'server', config, '--port', String(port), '--tokens', tokens, '--client-ca', ca.cert, '--out', runDir]);
  const url = `wss://127.0.0.1:${port}`;
  const procs: Proc[] = [server];
  try {
    await server.waitFor(/listening on wss:/);
    const bare = new Proc('bare', [CLI, 'client', clientConfig(dir, 'bare', 5, { id: 'site-a', server: url, ca: srv.cert, maxRetries: 1 })], { JOINTLY_TOKEN: issued['site-a'] });
    const impostor = new Proc('impostor', [CLI, 'client', clientConfig(dir, 'impostor', 6, { id: 'site-a', server: url, ca: srv.cert, tlsCert: rogue.cert, tlsKey: rogue.key, maxRetries: 1 })], { JOINTLY_TOKEN: issued['site-a'] });
    procs.push(bare, impostor);
    assert.equal(await bare.exited, 12, bare.lines.join('\n'));
    assert.ok(bare.lines.some((l) => /requires a client certificate/.test(l)), bare.lines.join('\n'));
    assert.equal(await impostor.exited, 12, impostor.lines.join('\n'));

    const clients = ids.map((id, i) => new Proc(id, [CLI, 'client', clientConfig(dir, id, i, { server: url, ca: srv.cert }), '--tls-cert', certs[id].cert, '--tls-key', certs[id].key], { JOINTLY_TOKEN: issued[id] }));
    procs.push(...clients);
    assert.equal(await server.exited, 0, server.lines.join('\n'));
    for (const c of clients) assert.equal(await c.exited, 0, c.lines.join('\n'));

    const lines = audit(join(runDir, 'audit.jsonl'));
    const tls = lines.filter((l) => l.event === 'refuse' && l.code === 'tls');
    assert.ok(tls.some((l) => /the client sent no certificate/.test(String(l.reason))), JSON.stringify(tls));
    assert.ok(tls.some((l) => /not issued by the client CA/.test(String(l.reason))), JSON.stringify(tls));
    assert.deepEqual(lines.filter((l) => l.event === 'join').map((l) => [l.clientId, l.method]).sort(), [['site-a', 'mtls+token'], ['site-b', 'mtls+token']]);
    assert.deepEqual(lines.filter((l) => l.event === 'round').map((l) => l.aggregated), [['site-a', 'site-b']]);
  } finally {
    for (const p of procs) p.kill();
  }
});
