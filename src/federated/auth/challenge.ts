/**
 * Client key pairs (Ed25519): the client proves that it holds the private key registered for its
 * id by signing a fresh challenge from the server. Browser-safe: WebCrypto only
 * (`globalThis.crypto.subtle`, which Node 20 and Chromium both have), no Node APIs.
 *
 * What is signed (the domain-separated challenge bytes, see {@link challengeBytes}):
 *
 * ```
 * "jointly-auth-v1" ‖ 0x00 ‖ u32le(len) ‖ runId ‖ u32le(len) ‖ server ‖ u32le(len) ‖ clientId ‖ u32le(32) ‖ nonce
 * ```
 *
 * Strings are UTF-8; every field is prefixed by its byte length (little-endian u32), so no two
 * field tuples give the same bytes. A signature over one run, server, client id or nonce does
 * not verify for any other.
 */
import { AuthRefusedError, ConfigError } from '../../errors.js';

/** The domain-separation label that starts every signed challenge (version 1 of the scheme). */
export const CHALLENGE_DOMAIN = 'jointly-auth-v1';

/** Bytes of a challenge nonce. */
export const NONCE_BYTES = 32;

/** Bytes of a raw Ed25519 public key. */
export const PUBLIC_KEY_BYTES = 32;

/** Bytes of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64;

/** A base64url string of `n` bytes without padding: its exact length and alphabet. */
export function base64urlPattern(n: number): RegExp {
  const chars = Math.ceil((n * 4) / 3);
  return new RegExp(`^[A-Za-z0-9_-]{${chars}}$`);
}

/** A raw Ed25519 public key as stored in the token file: 43 base64url characters (32 bytes). */
export const PUBLIC_KEY_PATTERN = base64urlPattern(PUBLIC_KEY_BYTES);

const ED25519 = { name: 'Ed25519' } as const;

type Subtle = typeof globalThis.crypto.subtle;
/** A WebCrypto key (the global `CryptoKey` type, named without the DOM library). */
export type WebCryptoKey = Awaited<ReturnType<Subtle['importKey']>>;

function subtle(): Subtle {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) throw new ConfigError('', 'WebCrypto (crypto.subtle) is not available in this runtime', 'use Node 20 or later, or a browser page served over https');
  return s;
}

/** Bytes as base64url without padding. */
export function toBase64url(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Base64url (or base64) text as bytes; ConfigError for anything else. */
export function fromBase64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_+/-]*={0,2}$/.test(text)) throw new ConfigError('', 'not base64 or base64url text');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A fresh challenge nonce: 32 bytes from the platform's cryptographic generator, base64url. */
export function newNonce(): string {
  const bytes = new Uint8Array(NONCE_BYTES);
  globalThis.crypto.getRandomValues(bytes);
  return toBase64url(bytes);
}

/** What a challenge answer is bound to. */
export interface ChallengeContext {
  /** The run the server serves (the challenge's `runId`). */
  runId: string;
  /** The server's name or address, as the server states it in the challenge. */
  server: string;
  /** The client id of the hello on this connection. */
  clientId: string;
  /** The challenge's nonce, base64url (32 bytes). */
  nonce: string;
}

/** The bytes a client signs to answer a challenge (see the file comment for the layout). */
export function challengeBytes(ctx: ChallengeContext): Uint8Array {
  const enc = new TextEncoder();
  const nonce = fromBase64url(ctx.nonce);
  if (nonce.length !== NONCE_BYTES) throw new AuthRefusedError(`a challenge nonce is ${NONCE_BYTES} bytes, got ${nonce.length}`);
  const fields = [enc.encode(ctx.runId), enc.encode(ctx.server), enc.encode(ctx.clientId), nonce];
  const domain = enc.encode(CHALLENGE_DOMAIN);
  const total = domain.length + 1 + fields.reduce((n, f) => n + 4 + f.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(domain, 0);
  let at = domain.length + 1; // the 0x00 after the label is already zero
  for (const f of fields) {
    view.setUint32(at, f.length, true);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}

/** A client's key pair, made by {@link generateClientKeys}. */
export interface ClientKeyPair {
  /** The private key, for signing (extractable, so that it can be saved as PKCS#8). */
  privateKey: WebCryptoKey;
  /** The raw public key, base64url (what the operator registers). */
  publicKey: string;
}

/** A new Ed25519 key pair for a client. */
export async function generateClientKeys(): Promise<ClientKeyPair> {
  const pair = (await subtle().generateKey(ED25519, true, ['sign', 'verify'])) as { privateKey: WebCryptoKey; publicKey: WebCryptoKey };
  const raw = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: toBase64url(raw) };
}

function pem(label: string, der: Uint8Array): string {
  const b64 = toBase64url(der).replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const lines = padded.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function unpem(text: string, label: string, what: string): Uint8Array {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(text);
  if (m === null) throw new ConfigError('', `${what} is not a PEM "${label}" block`, 'give the file written by jointly key generate');
  try {
    return fromBase64url(m[1].replace(/\s+/g, ''));
  } catch {
    throw new ConfigError('', `${what}: the PEM block is not valid base64`);
  }
}

/** The private key as PKCS#8 PEM ("PRIVATE KEY"), as OpenSSL writes Ed25519 keys. */
export async function privateKeyPem(key: WebCryptoKey): Promise<string> {
  return pem('PRIVATE KEY', new Uint8Array(await subtle().exportKey('pkcs8', key)));
}

/** A raw base64url public key as SPKI PEM ("PUBLIC KEY"), readable by OpenSSL. */
export async function publicKeyPem(publicKey: string): Promise<string> {
  const key = await importPublicKey(publicKey);
  return pem('PUBLIC KEY', new Uint8Array(await subtle().exportKey('spki', key)));
}

/** Reads a PKCS#8 PEM Ed25519 private key (non-extractable, for signing). ConfigError naming `what` if it is not one. */
export async function importPrivateKeyPem(text: string, what = 'the key file'): Promise<WebCryptoKey> {
  const der = unpem(text, 'PRIVATE KEY', what);
  try {
    return await subtle().importKey('pkcs8', der, ED25519, false, ['sign']);
  } catch (err) {
    throw new ConfigError('', `${what} is not an Ed25519 private key (${err instanceof Error ? err.message : String(err)})`, 'make one with jointly key generate');
  }
}

/**
 * A public key given as SPKI PEM ("PUBLIC KEY") or as 43 base64url characters, as the raw
 * base64url string the token file stores. ConfigError if it is not an Ed25519 public key.
 */
export async function parsePublicKey(text: string, what = 'the public key'): Promise<string> {
  const trimmed = text.trim();
  if (PUBLIC_KEY_PATTERN.test(trimmed)) {
    await importPublicKey(trimmed);
    return trimmed;
  }
  const der = unpem(trimmed, 'PUBLIC KEY', what);
  try {
    const key = await subtle().importKey('spki', der, ED25519, true, ['verify']);
    return toBase64url(new Uint8Array(await subtle().exportKey('raw', key)));
  } catch (err) {
    throw new ConfigError('', `${what} is not an Ed25519 public key (${err instanceof Error ? err.message : String(err)})`, 'give the .pub file written by jointly key generate');
  }
}

/** Imports a raw base64url Ed25519 public key for verification. */
export async function importPublicKey(publicKey: string): Promise<WebCryptoKey> {
  const raw = fromBase64url(publicKey);
  if (raw.length !== PUBLIC_KEY_BYTES) throw new ConfigError('publicKey', `an Ed25519 public key is ${PUBLIC_KEY_BYTES} bytes, got ${raw.length}`);
  return subtle().importKey('raw', raw, ED25519, true, ['verify']);
}

/** The client's answer to a challenge: its Ed25519 signature over {@link challengeBytes}, base64url (86 characters). */
export async function signChallenge(privateKey: WebCryptoKey, ctx: ChallengeContext): Promise<string> {
  const signature = await subtle().sign(ED25519, privateKey, challengeBytes(ctx));
  return toBase64url(new Uint8Array(signature));
}

/**
 * Whether `signature` (base64url) is `publicKey`'s signature over the challenge `ctx`. False for
 * anything malformed (wrong lengths, bad base64, a key that does not import), never a throw.
 */
export async function verifyChallenge(publicKey: string, ctx: ChallengeContext, signature: string): Promise<boolean> {
  try {
    const sig = fromBase64url(signature);
    if (sig.length !== SIGNATURE_BYTES) return false;
    const key = await importPublicKey(publicKey);
    return await subtle().verify(ED25519, key, sig, challengeBytes(ctx));
  } catch {
    return false;
  }
}
