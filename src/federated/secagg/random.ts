/**
 * Secure randomness for SecAgg+ (WebCrypto `getRandomValues`, browser-safe): random byte strings
 * for seeds, Shamir coefficients and nonces, and a uniform source for stochastic rounding.
 */

/** A source of random bytes: returns `length` fresh bytes. Tests may pass a seeded one. */
export type RandomBytes = (length: number) => Uint8Array;

/** A source of uniform floats in [0, 1) (drives stochastic rounding in `ring.ts`). */
export type UniformSource = () => number;

/** `getRandomValues` refuses more than 65,536 bytes per call. */
const MAX_CHUNK = 65_536;

/** `length` cryptographically secure random bytes (WebCrypto). */
export function secureRandomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let off = 0; off < length; off += MAX_CHUNK) {
    globalThis.crypto.getRandomValues(out.subarray(off, Math.min(length, off + MAX_CHUNK)));
  }
  return out;
}

/** A uniform source in [0, 1) with 32 bits of resolution, refilled from WebCrypto in blocks. */
export function secureUniform(): UniformSource {
  const buf = new Uint32Array(4096);
  let pos = buf.length;
  return () => {
    if (pos === buf.length) {
      globalThis.crypto.getRandomValues(buf);
      pos = 0;
    }
    return buf[pos++] / 4294967296;
  };
}
