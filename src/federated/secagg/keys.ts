/**
 * Key agreement and share encryption for SecAgg+ (WebCrypto, browser-safe): X25519 key pairs,
 * Diffie-Hellman shared secrets, HKDF-SHA256 to separate the keys drawn from them (a pairwise mask
 * seed vs a share-encryption key, each bound to the round and the pair), and AES-256-GCM
 * encryption of a share bundle whose associated data binds (round, sender, receiver), so that a
 * bundle replayed into another round or addressed to another client fails to decrypt.
 */
import { ProtocolError } from '../../errors.js';
import type { RandomBytes } from './random.js';

type Subtle = typeof globalThis.crypto.subtle;
/** A WebCrypto key (the global `CryptoKey` type, named without the DOM library). */
export type SecAggCryptoKey = Awaited<ReturnType<Subtle['importKey']>>;

/** X25519 public keys and private scalars are 32 bytes. */
export const KEY_BYTES = 32;
/** AES-GCM nonce length. */
const IV_BYTES = 12;
/** AES-GCM tag length. */
const TAG_BYTES = 16;
/** The bytes an encrypted bundle adds to its plaintext: nonce and tag. */
export const SEAL_OVERHEAD = IV_BYTES + TAG_BYTES;

/** PKCS#8 prefix of an X25519 private key (RFC 8410); the 32-byte scalar follows it. */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);

const subtle = (): Subtle => globalThis.crypto.subtle;
const encoder = new TextEncoder();

/** An X25519 key pair: the private key (extractable, so it can be secret-shared) and the raw public key. */
export interface SecAggKeyPair {
  /** The private key, usable for `deriveBits`. */
  privateKey: SecAggCryptoKey;
  /** The raw 32-byte public key, as advertised. */
  publicKey: Uint8Array;
}

/** A fresh X25519 key pair. */
export async function generateKeyPair(): Promise<SecAggKeyPair> {
  const pair = (await subtle().generateKey({ name: 'X25519' }, true, ['deriveBits'])) as { privateKey: SecAggCryptoKey; publicKey: SecAggCryptoKey };
  const publicKey = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey };
}

/** The 32-byte private scalar of an X25519 private key (to be Shamir-shared). */
export async function exportPrivateKey(key: SecAggCryptoKey): Promise<Uint8Array> {
  const jwk = await subtle().exportKey('jwk', key);
  if (typeof jwk.d !== 'string') throw new ProtocolError('the X25519 private key did not export its scalar');
  return base64UrlDecode(jwk.d);
}

/**
 * Rebuilds a key pair from a 32-byte private scalar (as reconstructed from shares), with the
 * public key recomputed from it so the caller can check it against the advertised one.
 */
export async function importPrivateKey(scalar: Uint8Array): Promise<SecAggKeyPair> {
  if (!(scalar instanceof Uint8Array) || scalar.length !== KEY_BYTES) throw new ProtocolError(`an X25519 private key is ${KEY_BYTES} bytes, got ${scalar instanceof Uint8Array ? scalar.length : typeof scalar}`);
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + KEY_BYTES);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(scalar, PKCS8_PREFIX.length);
  let privateKey: SecAggCryptoKey;
  try {
    privateKey = await subtle().importKey('pkcs8', pkcs8, { name: 'X25519' }, true, ['deriveBits']);
  } catch (err) {
    throw new ProtocolError(`a reconstructed X25519 private key was refused: ${(err as Error).message}`);
  }
  const jwk = await subtle().exportKey('jwk', privateKey);
  if (typeof jwk.x !== 'string') throw new ProtocolError('the X25519 private key did not export its public key');
  return { privateKey, publicKey: base64UrlDecode(jwk.x) };
}

/** The 32-byte X25519 shared secret of our private key and a peer's raw public key. */
export async function sharedSecret(privateKey: SecAggCryptoKey, peerPublicKey: Uint8Array): Promise<Uint8Array> {
  let bits: ArrayBuffer;
  try {
    const peer = await subtle().importKey('raw', peerPublicKey, { name: 'X25519' }, true, []);
    bits = await subtle().deriveBits({ name: 'X25519', public: peer }, privateKey, 256);
  } catch (err) {
    throw new ProtocolError(`key agreement with a peer's public key failed: ${(err as Error).message}`, 'the peer advertised an invalid X25519 public key');
  }
  return new Uint8Array(bits);
}

/** Which key an HKDF derivation is for; distinct labels give independent keys from one secret. */
type Purpose = 'mask-seed' | 'share-key';

function info(purpose: Purpose, round: number, a: number, b: number): Uint8Array {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return encoder.encode(`jointly-secagg/v1/${purpose}/round=${round}/pair=${lo}-${hi}`);
}

async function hkdf(secret: Uint8Array, purpose: Purpose, round: number, a: number, b: number): Promise<Uint8Array> {
  const base = await subtle().importKey('raw', secret, 'HKDF', false, ['deriveBits']);
  const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: info(purpose, round, a, b) }, base, 256);
  return new Uint8Array(bits);
}

/** The pairwise mask seed s_ab of clients a and b in a round (symmetric in a, b): 32 bytes. */
export function deriveMaskSeed(secret: Uint8Array, round: number, a: number, b: number): Promise<Uint8Array> {
  return hkdf(secret, 'mask-seed', round, a, b);
}

/** The AES-256-GCM key clients a and b encrypt share bundles with in a round (symmetric in a, b). */
export async function deriveShareKey(secret: Uint8Array, round: number, a: number, b: number): Promise<SecAggCryptoKey> {
  const raw = await hkdf(secret, 'share-key', round, a, b);
  return subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

/** What a share bundle is bound to: decrypting under any other binding fails. */
export interface BundleBinding {
  /** The round index. */
  round: number;
  /** The client that made the shares. */
  from: number;
  /** The client they are addressed to. */
  to: number;
}

function associatedData(b: BundleBinding): Uint8Array {
  return encoder.encode(`jointly-secagg/v1/shares/round=${b.round}/from=${b.from}/to=${b.to}`);
}

/** AES-GCM encrypts `plaintext` under `key` bound to `binding`: nonce (12 bytes) ‖ ciphertext ‖ tag. */
export async function sealBundle(key: SecAggCryptoKey, plaintext: Uint8Array, binding: BundleBinding, randomBytes: RandomBytes): Promise<Uint8Array> {
  const iv = randomBytes(IV_BYTES);
  const ct = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: associatedData(binding), tagLength: 128 }, key, plaintext));
  const out = new Uint8Array(IV_BYTES + ct.length);
  out.set(iv);
  out.set(ct, IV_BYTES);
  return out;
}

/** Decrypts a sealed bundle; throws ProtocolError if it was altered, or sealed for another round or pair. */
export async function openBundle(key: SecAggCryptoKey, sealed: Uint8Array, binding: BundleBinding): Promise<Uint8Array> {
  if (!(sealed instanceof Uint8Array) || sealed.length < SEAL_OVERHEAD) throw new ProtocolError(`share bundle from client ${binding.from} is too short to be sealed`);
  try {
    const pt = await subtle().decrypt(
      { name: 'AES-GCM', iv: sealed.subarray(0, IV_BYTES), additionalData: associatedData(binding), tagLength: 128 },
      key,
      sealed.subarray(IV_BYTES),
    );
    return new Uint8Array(pt);
  } catch {
    throw new ProtocolError(
      `share bundle from client ${binding.from} to client ${binding.to} failed to decrypt for round ${binding.round}`,
      'it was altered, or sealed for another round or another pair of clients',
    );
  }
}

/** SHA-256 of a byte string (commitments to self-mask seeds). */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', bytes));
}

function base64UrlDecode(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
