/**
 * The client's permanent connection mistakes, against real FederatedServers over TLS with
 * certificates made by openssl: each fails on the first attempt (no retry) with a NetworkError
 * that names `ca`, the certificate's names, its dates, or the scheme. The controls: a reset from a
 * server that does not speak TLS is a glitch and is retried, and so is a refused connection.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { selectBackend } from '../../engine/backend.js';
import { tempDirFactory } from '../../engine/testing.js';
import { ConfigError, NetworkError } from '../../errors.js';
import { FederatedClient } from './client.js';
import { permanentConnectError, probeCertificate, unreachableHint } from './connect-error.js';
import { startServer, tinyDataset, type TestServer } from './testing.js';

const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).error === undefined;
const tempDir = tempDirFactory('jointly-connect-error-');

interface Pem {
  cert: string;
  key: string;
}

function openssl(args: string[], cwd?: string): void {
  execFileSync('openssl', args, { stdio: 'ignore', ...(cwd === undefined ? {} : { cwd }) });
}

/** A self-signed certificate with these subjectAltNames. */
function selfSigned(dir: string, name: string, cn: string, san: string): Pem {
  const pem = { cert: join(dir, `${name}-cert.pem`), key: join(dir, `${name}-key.pem`) };
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`, '-days', '1', '-keyout', pem.key, '-out', pem.cert]);
  return pem;
}

/** A self-signed certificate that expired in 2020 (openssl ca can set the dates; req -x509 cannot). */
function expired(dir: string): Pem {
  const db = join(dir, 'ca-db');
  mkdirSync(db, { recursive: true });
  writeFileSync(join(db, 'index.txt'), '');
  writeFileSync(join(db, 'serial'), '01\n');
  const cnf = join(dir, 'ca.cnf');
  writeFileSync(cnf, `[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = ${db}/index.txt\nserial = ${db}/serial\nnew_certs_dir = ${db}\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\n[ p ]\ncommonName = supplied\n`);
  const pem = { cert: join(dir, 'expired-cert.pem'), key: join(dir, 'expired-key.pem') };
  const csr = join(dir, 'expired.csr');
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', pem.key, '-out', csr]);
  openssl(['ca', '-batch', '-config', cnf, '-selfsign', '-keyfile', pem.key, '-in', csr, '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-out', pem.cert]);
  return pem;
}

/** A CA and a leaf certificate it signed for 127.0.0.1. */
function caSigned(dir: string): { ca: string; leaf: Pem } {
  const ca = { cert: join(dir, 'ca-cert.pem'), key: join(dir, 'ca-key.pem') };
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=test-ca', '-days', '1', '-keyout', ca.key, '-out', ca.cert]);
  const leaf = { cert: join(dir, 'leaf-cert.pem'), key: join(dir, 'leaf-key.pem') };
  const csr = join(dir, 'leaf.csr');
  const ext = join(dir, 'leaf.ext');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\n');
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=leaf', '-keyout', leaf.key, '-out', csr]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', leaf.cert]);
  return { ca: ca.cert, leaf };
}

/** Runs a client with the default retry budget (10 attempts, minutes of backoff) until it gives up. */
async function failure(url: string, caPath?: string, maxRetries = 10): Promise<{ err: unknown; ms: number; log: string[] }> {
  const log: string[] = [];
  const client = new FederatedClient({ url, clientId: 'alice', token: 'token', train: tinyDataset(20, 1), backend: 'cpu', maxRetries, jointlyVersion: 'test', log: (l) => log.push(l), ...(caPath === undefined ? {} : { caPath }) });
  const t0 = performance.now();
  try {
    const exit = await client.run(new AbortController().signal);
    return { err: new Error(`the client did not fail: ${JSON.stringify(exit)}`), ms: performance.now() - t0, log };
  } catch (err) {
    return { err, ms: performance.now() - t0, log };
  }
}

/** Asserts a NetworkError on the first attempt whose message and hint match. */
function assertPermanent(r: { err: unknown; ms: number; log: string[] }, message: RegExp, hint: RegExp): void {
  assert.ok(r.err instanceof NetworkError, String(r.err));
  assert.match(r.err.message, message);
  assert.match(r.err.hint ?? '', hint);
  assert.deepEqual(r.log.filter((l) => /retrying/.test(l)), [], 'not retried');
  assert.ok(r.ms < 5000, `failed at once (${r.ms.toFixed(0)} ms)`);
}

describe('FederatedClient: permanent TLS and URL mistakes are not retried', { skip: hasOpenssl ? false : 'openssl is not on PATH' }, () => {
  let dir = '';
  let localhost: Pem;
  let other: Pem;
  let old: Pem;
  let signed: { ca: string; leaf: Pem };
  const servers: TestServer[] = [];
  const serve = async (pem?: Pem): Promise<string> => {
    const ts = await startServer(['alice'], pem === undefined ? {} : { tls: { certPath: pem.cert, keyPath: pem.key } });
    servers.push(ts);
    return ts.url;
  };

  before(async () => {
    await selectBackend('cpu');
    dir = tempDir();
    localhost = selfSigned(dir, 'localhost', 'localhost', 'IP:127.0.0.1,DNS:localhost');
    other = selfSigned(dir, 'other', 'other.example', 'DNS:other.example,DNS:www.other.example');
    old = expired(dir);
    signed = caSigned(dir);
  });
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('a self-signed certificate without ca: names the certificate and the ca field', async () => {
    const url = await serve(localhost);

    const r = await failure(url);

    assertPermanent(
      r,
      /^the server at wss:\/\/127\.0\.0\.1:\d+ presents a self-signed certificate, which this client does not trust \(DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate\); it is CN=localhost, names IP Address:127\.0\.0\.1, DNS:localhost, issued by itself \(self-signed\), valid .* to .*$/,
      /"ca": "<file\.pem>" in the client config, or --ca <file\.pem>/,
    );
  });

  it('a ca file that does not vouch for the certificate: names that file', async () => {
    const url = await serve(localhost);

    const r = await failure(url, signed.ca);

    assertPermanent(r, /self-signed certificate, which this client does not trust \(DEPTH_ZERO_SELF_SIGNED_CERT/, new RegExp(`the client's ca file \\(${signed.ca.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) does not vouch for this certificate`));
  });

  it('a certificate from a private CA without ca: names its issuer', async () => {
    const url = await serve(signed.leaf);

    const r = await failure(url);

    assertPermanent(r, /presents a certificate signed by a CA this client does not know, which this client does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: .*\); it is CN=leaf, names IP Address:127\.0\.0\.1, issued by CN=test-ca/, /--ca <file\.pem>/);
  });

  it('a trusted certificate for other names: prints the names it has and the host asked for', async () => {
    const url = await serve(other);

    const r = await failure(url, other.cert);

    assertPermanent(
      r,
      /^the server's certificate at wss:\/\/127\.0\.0\.1:\d+ is not valid for '127\.0\.0\.1' \(ERR_TLS_CERT_ALTNAME_INVALID\): the certificate names DNS:other\.example, DNS:www\.other\.example$/,
      /connect to one of the names the certificate has .*subjectAltName includes IP:127\.0\.0\.1$/,
    );
  });

  it('an expired certificate: says until when it was valid', async () => {
    const url = await serve(old);

    const r = await failure(url, old.cert);

    assertPermanent(r, /^the server's certificate at wss:\/\/127\.0\.0\.1:\d+ is expired \(valid until Jan {2}2 00:00:00 2020 GMT\) \(CERT_HAS_EXPIRED\)/, /needs a current certificate .*check this machine's clock/);
  });

  it('ws:// to a TLS server: the TLS probe tells it from a glitch, and the hint gives the wss:// address', async () => {
    const url = await serve(localhost);
    const plainUrl = url.replace(/^wss:/, 'ws:');

    const r = await failure(plainUrl);

    assertPermanent(r, /^the server at ws:\/\/127\.0\.0\.1:\d+ speaks TLS \(wss:\/\/\), but the client connected with plain ws:\/\/ \(socket hang up\)$/, new RegExp(`^use ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in the client's server field \\(or --server\\), and, as its certificate is self-signed, give the client`));
  });

  it('wss:// to a plain server: the hint gives the ws:// address', async () => {
    const url = await serve();
    const tlsUrl = url.replace(/^ws:/, 'wss:');

    const r = await failure(tlsUrl);

    assertPermanent(r, /^the server at wss:\/\/127\.0\.0\.1:\d+ does not speak TLS: its answer to the TLS handshake is plain data \(wrong version number\)$/, new RegExp(`use ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in the client's server field`));
  });

  it('the control: a plain server that hangs up like a TLS server does is a glitch, and is retried', async () => {
    // It drops each connection after the first bytes: the same "socket hang up" as ws:// to TLS,
    // but the TLS probe finds no TLS there.
    const resetter = createServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', resolve));
    try {
      const port = (resetter.address() as AddressInfo).port;

      const r = await failure(`ws://127.0.0.1:${port}`, undefined, 1);

      assert.ok(r.err instanceof NetworkError, String(r.err));
      assert.match(r.err.message, /^cannot reach the server at ws:\/\/127\.0\.0\.1:\d+ after 1 attempts: socket hang up$/);
      assert.equal(r.log.filter((l) => /retrying in/.test(l)).length, 1, r.log.join('\n'));
    } finally {
      resetter.close();
    }
  });

  it('probeCertificate reads the certificate without trusting it, and finds none on a plain port', async () => {
    const tlsPort = Number(new URL(await serve(localhost)).port);
    const plainPort = Number(new URL(await serve()).port);

    const facts = await probeCertificate('127.0.0.1', tlsPort, 3000);
    const none = await probeCertificate('127.0.0.1', plainPort, 3000);

    assert.deepEqual(facts?.names, ['IP Address:127.0.0.1', 'DNS:localhost']);
    assert.equal(facts?.subject, 'CN=localhost');
    assert.equal(facts?.selfSigned, true);
    assert.equal(none, undefined);
  });
});

describe('connect errors without TLS', () => {
  it('a refused connection is not permanent; its final hint says nothing listens there', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });

    assert.equal(await permanentConnectError({ error: refused, url: 'ws://127.0.0.1:9' }), undefined);
    assert.equal(await permanentConnectError({ error: refused, url: 'wss://127.0.0.1:9' }), undefined);
    assert.match(unreachableHint(refused.message), /^nothing accepts connections at that host and port/);
    assert.match(unreachableHint('getaddrinfo ENOTFOUND fl.example'), /^the host name does not resolve/);
    assert.match(unreachableHint('closed with code 1006'), /^check the address/);
  });

  it('an address that is not a URL is a ConfigError naming the server field', async () => {
    const client = new FederatedClient({ url: 'ws://127.0.0.1:99999', clientId: 'alice', token: 'token', train: tinyDataset(20, 1), backend: 'cpu', maxRetries: 10, jointlyVersion: 'test', log: () => undefined });

    await assert.rejects(client.run(new AbortController().signal), (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, /^server: 'ws:\/\/127\.0\.0\.1:99999' is not a server address/);
      assert.equal(err.exitCode, 2);
      return true;
    });
  });
});
