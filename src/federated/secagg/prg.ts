/**
 * Mask expansion for SecAgg+: a 32-byte seed becomes a pseudo-random Uint32Array of length d by
 * AES-256 in counter mode over zero plaintext (WebCrypto AES-CTR, counter block starting at 0). The
 * words are read little-endian on every platform, so a browser client and a Node server expand the
 * same seed to the same mask.
 */
import { ConfigError } from '../../errors.js';

/** Seeds are AES-256 keys: 32 bytes. */
export const SEED_BYTES = 32;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Expands a 32-byte seed into `length` pseudo-random 32-bit words (AES-256-CTR keystream). */
export async function expandMask(seed: Uint8Array, length: number): Promise<Uint32Array> {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw new ConfigError('secagg.seed', `a mask seed must be ${SEED_BYTES} bytes, got ${seed instanceof Uint8Array ? seed.length : typeof seed}`);
  }
  if (!(Number.isInteger(length) && length >= 0)) throw new ConfigError('secagg.vectorLength', `must be an integer ≥ 0, got ${String(length)}`);
  if (length === 0) return new Uint32Array(0);
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', seed, { name: 'AES-CTR' }, false, ['encrypt']);
  const stream = await subtle.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 64 }, key, new Uint8Array(4 * length));
  const out = new Uint32Array(stream);
  if (!LITTLE_ENDIAN) {
    const view = new DataView(stream);
    for (let i = 0; i < length; i++) out[i] = view.getUint32(4 * i, true);
  }
  return out;
}
