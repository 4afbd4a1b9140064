/**
 * The challenge signature: what is signed (domain label, length-prefixed run, server, client id,
 * nonce), that a signature verifies only for its own key and context, and the key formats
 * (PKCS#8 and SPKI PEM, readable by OpenSSL's conventions; raw base64url in the token file).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import {
  CHALLENGE_DOMAIN,
  challengeBytes,
  fromBase64url,
  generateClientKeys,
  importPrivateKeyPem,
  newNonce,
  parsePublicKey,
  privateKeyPem,
  publicKeyPem,
  signChallenge,
  toBase64url,
  verifyChallenge,
  type ChallengeContext,
} from './challenge.js';

const ctx = (over: Partial<ChallengeContext> = {}): ChallengeContext => ({ runId: 'run-1', server: 'wss://fl.example.org:8765', clientId: 'site-a', nonce: toBase64url(new Uint8Array(32).fill(7)), ...over });

describe('challengeBytes', () => {
  it('is the domain label, a zero byte, then each field with its little-endian u32 length', () => {
    const c = ctx({ runId: 'r', server: 'sv', clientId: 'abc' });

    const bytes = challengeBytes(c);

    const label = Buffer.from(CHALLENGE_DOMAIN, 'utf8');
    const u32 = (n: number): Buffer => Buffer.from([n, 0, 0, 0]);
    const expected = Buffer.concat([label, Buffer.from([0]), u32(1), Buffer.from('r'), u32(2), Buffer.from('sv'), u32(3), Buffer.from('abc'), u32(32), Buffer.alloc(32, 7)]);
    assert.deepEqual(Buffer.from(bytes), expected);
  });

  it('gives different bytes when a boundary between fields moves (no ambiguity)', () => {
    const a = challengeBytes(ctx({ runId: 'ab', server: 'c' }));
    const b = challengeBytes(ctx({ runId: 'a', server: 'bc' }));

    assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
  });

  it('refuses a nonce that is not 32 bytes', () => {
    assert.throws(() => challengeBytes(ctx({ nonce: toBase64url(new Uint8Array(16)) })), /32 bytes/);
  });
});

describe('newNonce', () => {
  it('makes distinct 32-byte base64url nonces', () => {
    const nonces = new Set(Array.from({ length: 100 }, () => newNonce()));

    assert.equal(nonces.size, 100);
    for (const n of nonces) {
      assert.match(n, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(fromBase64url(n).length, 32);
    }
  });
});

describe('signChallenge / verifyChallenge', () => {
  it('verifies the signature of the registered key over the same context', async () => {
    const keys = await generateClientKeys();

    const signature = await signChallenge(keys.privateKey, ctx());

    assert.match(signature, /^[A-Za-z0-9_-]{86}$/);
    assert.equal(await verifyChallenge(keys.publicKey, ctx(), signature), true);
  });

  it('refuses a signature by another key, over another client id, run, server or nonce, or tampered', async () => {
    const keys = await generateClientKeys();
    const other = await generateClientKeys();
    const signature = await signChallenge(keys.privateKey, ctx());
    const flipped = fromBase64url(signature);
    flipped[10] ^= 1;

    assert.equal(await verifyChallenge(other.publicKey, ctx(), signature), false, 'another key');
    assert.equal(await verifyChallenge(keys.publicKey, ctx({ clientId: 'site-b' }), signature), false, 'another client id');
    assert.equal(await verifyChallenge(keys.publicKey, ctx({ runId: 'run-2' }), signature), false, 'another run');
    assert.equal(await verifyChallenge(keys.publicKey, ctx({ server: 'wss://evil:1' }), signature), false, 'another server');
    assert.equal(await verifyChallenge(keys.publicKey, ctx({ nonce: newNonce() }), signature), false, 'another nonce');
    assert.equal(await verifyChallenge(keys.publicKey, ctx(), toBase64url(flipped)), false, 'a flipped bit');
  });

  it('answers false, never throws, for malformed signatures and keys', async () => {
    const keys = await generateClientKeys();

    assert.equal(await verifyChallenge(keys.publicKey, ctx(), 'short'), false);
    assert.equal(await verifyChallenge(keys.publicKey, ctx(), '!'.repeat(86)), false);
    assert.equal(await verifyChallenge('A'.repeat(10), ctx(), 'A'.repeat(86)), false);
  });

  it('matches Node\'s own Ed25519 (crypto.verify) on the documented bytes', async () => {
    const keys = await generateClientKeys();
    const signature = await signChallenge(keys.privateKey, ctx());
    const spki = crypto.createPublicKey(await publicKeyPem(keys.publicKey));

    const ok = crypto.verify(null, challengeBytes(ctx()), spki, Buffer.from(fromBase64url(signature)));

    assert.equal(ok, true);
  });
});

describe('key files', () => {
  it('round-trips the private key through PKCS#8 PEM and the public key through SPKI PEM', async () => {
    const keys = await generateClientKeys();

    const pem = await privateKeyPem(keys.privateKey);
    const pub = await publicKeyPem(keys.publicKey);
    const imported = await importPrivateKeyPem(pem);

    assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
    assert.equal(await parsePublicKey(pub), keys.publicKey);
    assert.equal(await parsePublicKey(` ${keys.publicKey}\n`), keys.publicKey, 'a bare base64url key');
    assert.equal(await verifyChallenge(keys.publicKey, ctx(), await signChallenge(imported, ctx())), true);
    // OpenSSL reads them too (Node's KeyObject is OpenSSL underneath)
    assert.equal(crypto.createPrivateKey(pem).asymmetricKeyType, 'ed25519');
  });

  it('reads a key OpenSSL-style PEM made by Node, and refuses other key types and garbage', async () => {
    const node = crypto.generateKeyPairSync('ed25519');
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });

    const key = await importPrivateKeyPem(node.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const pub = await parsePublicKey(node.publicKey.export({ type: 'spki', format: 'pem' }).toString());

    assert.equal(await verifyChallenge(pub, ctx(), await signChallenge(key, ctx())), true);
    await assert.rejects(importPrivateKeyPem(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'rsa.key'), (e: unknown) => e instanceof ConfigError && /rsa\.key is not an Ed25519 private key/.test(e.message));
    await assert.rejects(parsePublicKey(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'rsa.pub'), (e: unknown) => e instanceof ConfigError && /rsa\.pub is not an Ed25519 public key/.test(e.message));
    await assert.rejects(parsePublicKey('hello', 'x.pub'), (e: unknown) => e instanceof ConfigError && /not a PEM/.test(e.message));
  });
});

describe('browser safety', () => {
  it('imports nothing from node: (it runs in browsers)', async () => {
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(new URL('./challenge.js', import.meta.url), 'utf8');

    assert.doesNotMatch(source, /from ['"]node:/);
  });
});
