/**
 * Shamir t-out-of-n secret sharing of byte strings over GF(2^8), byte-wise (pure functions). Each
 * byte of the secret is the constant term of its own random polynomial of degree t − 1; a share is
 * the vector of those polynomials evaluated at the share's x coordinate (an integer 1..255). Any t
 * shares recover the secret by Lagrange interpolation at 0; fewer reveal nothing about it.
 * Field: GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1, generator 3.
 */
import { ConfigError, ProtocolError } from '../../errors.js';
import type { RandomBytes } from './random.js';

/** One share: its x coordinate (1..255) and one field element per secret byte. */
export interface Share {
  /** The x coordinate, an integer in [1, 255]. */
  x: number;
  /** The polynomials evaluated at x, one byte per secret byte. */
  y: Uint8Array;
}

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let v = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = v;
    LOG[v] = i;
    // v ← v · 3 = v · 2 ⊕ v, reduced by the AES polynomial
    v ^= (v << 1) ^ (v & 0x80 ? 0x11b : 0);
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}

function mul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
}

function div(a: number, b: number): number {
  return a === 0 ? 0 : EXP[LOG[a] + 255 - LOG[b]];
}

function checkXs(xs: readonly number[], what: string): void {
  const seen = new Set<number>();
  for (const x of xs) {
    if (!(Number.isInteger(x) && x >= 1 && x <= 255)) {
      throw new ConfigError(`${what}.x`, `share x coordinates must be integers in [1, 255], got ${String(x)}`);
    }
    if (seen.has(x)) throw new ConfigError(`${what}.x`, `duplicate share x coordinate ${x}`, 'give every shareholder its own x coordinate');
    seen.add(x);
  }
}

/**
 * Splits `secret` into one share per x coordinate in `xs` (distinct integers 1..255), any
 * `threshold` of which recover it. `randomBytes` supplies the polynomial coefficients.
 */
export function split(secret: Uint8Array, xs: readonly number[], threshold: number, randomBytes: RandomBytes): Share[] {
  checkXs(xs, 'shamir');
  if (!(Number.isInteger(threshold) && threshold >= 1 && threshold <= xs.length)) {
    throw new ConfigError('shamir.threshold', `must be an integer in [1, ${xs.length}] (the number of shares), got ${String(threshold)}`);
  }
  const len = secret.length;
  // coefficient c (1..t−1) of byte b is coeffs[(c − 1) · len + b]
  const coeffs = randomBytes((threshold - 1) * len);
  if (coeffs.length !== (threshold - 1) * len) throw new ConfigError('shamir.randomBytes', `returned ${coeffs.length} bytes, ${(threshold - 1) * len} requested`);
  return xs.map((x) => {
    const y = new Uint8Array(len);
    const logX = LOG[x];
    for (let b = 0; b < len; b++) {
      // Horner: ((a_{t−1} x + a_{t−2}) x + ...) x + a_0
      let acc = 0;
      for (let c = threshold - 1; c >= 1; c--) {
        acc = (acc === 0 ? 0 : EXP[LOG[acc] + logX]) ^ coeffs[(c - 1) * len + b];
      }
      y[b] = (acc === 0 ? 0 : EXP[LOG[acc] + logX]) ^ secret[b];
    }
    return { x, y };
  });
}

/**
 * Recovers a secret from at least `threshold` shares (the first `threshold` are used). Refuses
 * (ProtocolError) too few shares, duplicate or out-of-range x coordinates, and shares of
 * different lengths.
 */
export function combine(shares: readonly Share[], threshold: number): Uint8Array {
  if (!(Number.isInteger(threshold) && threshold >= 1)) throw new ConfigError('shamir.threshold', `must be an integer ≥ 1, got ${String(threshold)}`);
  if (shares.length < threshold) {
    throw new ProtocolError(`cannot reconstruct a secret from ${shares.length} shares: the threshold is ${threshold}`, 'collect shares from more shareholders');
  }
  const used = shares.slice(0, threshold);
  const xs = used.map((s) => s.x);
  try {
    checkXs(xs, 'shamir');
  } catch (err) {
    throw new ProtocolError(`invalid shares: ${(err as Error).message}`);
  }
  const len = used[0].y.length;
  for (const s of used) {
    if (!(s.y instanceof Uint8Array) || s.y.length !== len) throw new ProtocolError(`shares differ in length: ${s.y.length} vs ${len}`);
  }
  // Lagrange basis at 0: L_i = Π_{j≠i} x_j / (x_j − x_i); subtraction is ⊕ in GF(2^8).
  const out = new Uint8Array(len);
  for (let i = 0; i < used.length; i++) {
    let l = 1;
    for (let j = 0; j < used.length; j++) {
      if (j !== i) l = mul(l, div(xs[j], xs[j] ^ xs[i]));
    }
    const y = used[i].y;
    for (let b = 0; b < len; b++) out[b] ^= mul(l, y[b]);
  }
  return out;
}
