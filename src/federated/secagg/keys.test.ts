import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { deriveMaskSeed, deriveShareKey, exportPrivateKey, generateKeyPair, importPrivateKey, openBundle, sealBundle, sharedSecret } from './keys.js';
import { secureRandomBytes } from './random.js';

test('both sides of an X25519 exchange derive the same mask seed; purposes, rounds and pairs separate keys', async () => {
  const a = await generateKeyPair();
  const b = await generateKeyPair();

  const ab = await sharedSecret(a.privateKey, b.publicKey);
  const ba = await sharedSecret(b.privateKey, a.publicKey);
  const seedAB = await deriveMaskSeed(ab, 3, 1, 2);
  const seedBA = await deriveMaskSeed(ba, 3, 2, 1);

  assert.deepEqual(ab, ba);
  assert.deepEqual(seedAB, seedBA);
  assert.equal(seedAB.length, 32);
  assert.notDeepEqual(seedAB, ab, 'HKDF output, not the raw secret');
  assert.notDeepEqual(await deriveMaskSeed(ab, 4, 1, 2), seedAB, 'round separates');
  assert.notDeepEqual(await deriveMaskSeed(ab, 3, 1, 5), seedAB, 'pair separates');
});

test('a private key survives export and import, and its public key is recomputed', async () => {
  const a = await generateKeyPair();
  const b = await generateKeyPair();

  const scalar = await exportPrivateKey(a.privateKey);
  const back = await importPrivateKey(scalar);

  assert.equal(scalar.length, 32);
  assert.deepEqual(back.publicKey, a.publicKey);
  assert.deepEqual(await sharedSecret(back.privateKey, b.publicKey), await sharedSecret(a.privateKey, b.publicKey));
});

test('a sealed bundle opens only under its own round, sender and receiver', async () => {
  const a = await generateKeyPair();
  const b = await generateKeyPair();
  const key = await deriveShareKey(await sharedSecret(a.privateKey, b.publicKey), 5, 1, 2);
  const keyBA = await deriveShareKey(await sharedSecret(b.privateKey, a.publicKey), 5, 2, 1);
  const pt = Uint8Array.from([1, 2, 3, 4]);

  const sealed = await sealBundle(key, pt, { round: 5, from: 1, to: 2 }, secureRandomBytes);

  assert.deepEqual(await openBundle(keyBA, sealed, { round: 5, from: 1, to: 2 }), pt);
  assert.equal(sealed.length, 4 + 28);
  const fails = errorLike(ProtocolError, /failed to decrypt/);
  await assert.rejects(openBundle(keyBA, sealed, { round: 6, from: 1, to: 2 }), fails);
  await assert.rejects(openBundle(keyBA, sealed, { round: 5, from: 2, to: 1 }), fails);
  await assert.rejects(openBundle(keyBA, sealed, { round: 5, from: 1, to: 3 }), fails);
  const flipped = sealed.slice();
  flipped[14] ^= 1;
  await assert.rejects(openBundle(keyBA, flipped, { round: 5, from: 1, to: 2 }), fails);
});

test('a malformed public key is refused', async () => {
  const a = await generateKeyPair();

  await assert.rejects(sharedSecret(a.privateKey, new Uint8Array(5)), errorLike(ProtocolError, /key agreement/));
  await assert.rejects(importPrivateKey(new Uint8Array(31)), errorLike(ProtocolError, /32 bytes, got 31/));
});
