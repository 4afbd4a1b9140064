/**
 * Mutual TLS on a real server over loopback (in-process), with certificates made by openssl at
 * test time: with a client CA the server refuses, during the TLS handshake, a client without a
 * certificate or with one from another CA (logged and audited), and a certificate whose CN is
 * not the hello's client id; a client with a good certificate and token joins, by `mtls+token`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../engine/backend.js';
import { tempDirFactory } from '../../engine/testing.js';
import { NetworkError } from '../../errors.js';
import { openAuditLog } from './audit-log.js';
import { FederatedClient, type ClientOptions } from './client.js';
import { certificateAuthority, clientCertificate, hasOpenssl, serverCertificate } from './testing/certificates.js';
import { startServer, tinyDataset, waitUntil, type TestServer } from './testing.js';

const tempDir = tempDirFactory('jointly-mtls-');
const skip = hasOpenssl ? false : 'openssl is not on PATH';

let server: { cert: string; key: string };
let ca: { cert: string; key: string };
let good: { cert: string; key: string };
let misnamed: { cert: string; key: string };
let rogue: { cert: string; key: string };

before(async () => {
  await selectBackend('cpu');
  if (!hasOpenssl) return;
  const dir = tempDir();
  server = serverCertificate(dir);
  ca = certificateAuthority(dir, 'clients');
  good = clientCertificate(dir, ca, 'alice');
  misnamed = clientCertificate(dir, ca, 'bob', 'bob-for-alice');
  rogue = clientCertificate(dir, certificateAuthority(dir, 'rogue'), 'alice', 'rogue-alice');
});

async function withMtls(fn: (ts: TestServer, audit: () => Record<string, unknown>[]) => Promise<void>): Promise<void> {
  const path = join(tempDir(), 'audit.jsonl');
  const log = openAuditLog(path);
  const ts = await startServer(['alice'], { tls: { certPath: server.cert, keyPath: server.key, clientCaPath: ca.cert }, audit: log });
  try {
    await fn(ts, () => readFileSync(path, 'utf8').trimEnd().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>));
  } finally {
    await ts.close();
    log.close();
  }
}

function client(ts: TestServer, extra: Partial<ClientOptions>, log: string[]): FederatedClient {
  return new FederatedClient({ url: ts.url, clientId: 'alice', token: ts.tokens.alice, train: tinyDataset(20, 1), backend: 'cpu', caPath: server.cert, maxRetries: 0, jointlyVersion: 'test', log: (l) => log.push(l), ...extra });
}

describe('mutual TLS (server.clientCa)', () => {
  it('welcomes a client with a certificate from the CA whose CN is its id', { skip }, async () => {
    await withMtls(async (ts, audit) => {
      const log: string[] = [];
      const stop = new AbortController();
      const running = client(ts, { tlsCertPath: good.cert, tlsKeyPath: good.key }, log).run(stop.signal);

      await Promise.race([ts.server.waitForClients(1, stop.signal), running.then(() => assert.fail(`the client exited: ${log.join('\n')}`))]);

      assert.deepEqual(ts.server.available(), ['alice']);
      await waitUntil(() => audit().some((l) => l.event === 'join'), 'the join');
      assert.equal(audit().find((l) => l.event === 'join')?.method, 'mtls+token');
      stop.abort();
      await running;
    });
  });

  it('refuses a client without a certificate in the TLS handshake; the client stops at once with a NetworkError naming tlsCert', { skip }, async () => {
    await withMtls(async (ts, audit) => {
      const log: string[] = [];

      await assert.rejects(client(ts, { maxRetries: 3 }, log).run(new AbortController().signal), (e: unknown) => e instanceof NetworkError && /requires a client certificate/.test(e.message) && /tlsCert/.test(e.hint ?? ''));

      assert.deepEqual(ts.server.available(), []);
      assert.equal(log.filter((l) => /retrying/.test(l)).length, 0, 'not retried');
      await waitUntil(() => audit().some((l) => l.event === 'refuse' && l.code === 'tls' && /the client sent no certificate/.test(String(l.reason))), 'the refusal in the audit log');
    });
  });

  it('refuses a client whose certificate another CA issued, at handshake end, saying why in the log and the audit log', { skip }, async () => {
    await withMtls(async (ts, audit) => {
      const log: string[] = [];

      await assert.rejects(client(ts, { tlsCertPath: rogue.cert, tlsKeyPath: rogue.key }, log).run(new AbortController().signal), (e: unknown) => e instanceof NetworkError && /client certificate/.test(e.hint ?? ''));

      assert.deepEqual(ts.server.available(), []);
      await waitUntil(() => audit().some((l) => l.event === 'refuse' && l.code === 'tls'), 'the refusal in the audit log');
      const line = audit().find((l) => l.code === 'tls');
      assert.match(String(line?.reason), /not issued by the client CA \(UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT)/);
      assert.match(String(line?.remote), /^127\.0\.0\.1:\d+$/);
    });
  });

  it('refuses a good certificate issued for another client id (code auth)', { skip }, async () => {
    await withMtls(async (ts, audit) => {
      const log: string[] = [];

      await assert.rejects(client(ts, { tlsCertPath: misnamed.cert, tlsKeyPath: misnamed.key }, log).run(new AbortController().signal), /not issued for client 'alice'/);

      assert.deepEqual(ts.server.available(), []);
      await waitUntil(() => audit().some((l) => l.authCode === 'certMismatch'), 'certMismatch in the audit log');
    });
  });
});
