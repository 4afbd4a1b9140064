/**
 * `float16`: every value as an IEEE 754 binary16 (half precision), rounded to nearest, ties to
 * even, with subnormals (down to 2⁻²⁴) and signed zeros. 2 bytes per value after the header.
 *
 * Overflow is refused, not saturated: a finite float32 whose rounding would give ±Inf (|x| ≥ 65520;
 * values in (65504, 65520) round to ±65504 as IEEE says) makes the encoder throw ProtocolError, as do
 * NaN and ±Inf. Saturating would silently bias the update by an unbounded amount; an update that
 * large is a training failure to surface (or a case for `q8`, whose scale follows the data).
 * Decoders refuse the Inf/NaN bit patterns (exponent 31) as malformed.
 *
 * Payload: `length` u16, little-endian. Browser-safe, pure.
 */
import { ProtocolError } from '../../errors.js';
import { HEADER_BYTES, allocate, expectHeader, expectSize, type EncodedUpdate, type UpdateCodec } from './format.js';

/** Largest finite half: 65504. */
export const FLOAT16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Float32 bit pattern of 65520, the smallest magnitude that rounds to Inf in half precision. */
const OVERFLOW_BITS = 0x477ff000;

/**
 * The binary16 bits of `x` (rounded to float32 first), round-to-nearest-even; -1 if the result
 * would be ±Inf or NaN (|x| ≥ 65520 or x not finite).
 */
export function toFloat16Bits(x: number): number {
  f32[0] = x;
  return halfOfBits(u32[0]);
}

/** Half bits of float32 bits `f`, or -1 for overflow/non-finite. */
function halfOfBits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const a = f & 0x7fffffff;
  if (a >= OVERFLOW_BITS) return -1;
  const e = a >>> 23;
  if (e >= 113) {
    // Normal half: rebias the exponent (127 → 15), keep 10 mantissa bits, round on the 13 dropped.
    let h = (a - (112 << 23)) >>> 13;
    const rem = a & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
    return sign | h;
  }
  // Subnormal half (or zero): value = m·2^(e−150) in units of 2⁻²⁴ is m >> (126 − e).
  if (e < 102) return sign; // below 2⁻²⁵ (shift ≥ 25): rounds to zero; also float32 subnormals
  const m = (a & 0x7fffff) | 0x800000;
  const shift = 126 - e;
  let h = m >>> shift;
  const rem = m & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rem > halfway || (rem === halfway && (h & 1) === 1)) h++;
  return sign | h;
}

/** Whether this machine stores integers little-endian (then the payload is read and written as u16 directly). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The u16 payload of `bytes` starting at HEADER_BYTES, as a view when aligned and little-endian, else a copy. */
function halves(bytes: Uint8Array, n: number): Uint16Array {
  const at = bytes.byteOffset + HEADER_BYTES;
  if (LITTLE_ENDIAN && at % 2 === 0) return new Uint16Array(bytes.buffer, at, n);
  const out = new Uint16Array(n);
  for (let i = 0, o = HEADER_BYTES; i < n; i++, o += 2) out[i] = bytes[o] | (bytes[o + 1] << 8);
  return out;
}

let table: Float32Array | undefined;

/** Float32 value of every half bit pattern (NaN where the exponent is 31). */
function halfTable(): Float32Array {
  if (table !== undefined) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    const mag = e === 0 ? m * 2 ** -24 : e === 31 ? NaN : (1024 + m) * 2 ** (e - 25);
    t[h] = (h & 0x8000) !== 0 ? -mag : mag;
  }
  table = t;
  return t;
}

/** The value of binary16 bits `h` (0 ≤ h < 65536); NaN for the Inf/NaN patterns (exponent 31). */
export function fromFloat16Bits(h: number): number {
  return halfTable()[h & 0xffff];
}

/** Encodes `values` as halves; throws ProtocolError on NaN, ±Inf, or |x| ≥ 65520. */
export function encodeFloat16(values: Float32Array): EncodedUpdate {
  const n = values.length;
  const { bytes } = allocate('float16', n, HEADER_BYTES + 2 * n);
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  const out = LITTLE_ENDIAN ? new Uint16Array(bytes.buffer, HEADER_BYTES, n) : new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const h = halfOfBits(bits[i]);
    if (h < 0) {
      throw new ProtocolError(
        `cannot encode float16: value ${i} is ${values[i]}, beyond ±${FLOAT16_MAX}`,
        'float16 refuses overflow instead of saturating; use q8, or clip the update',
      );
    }
    out[i] = h;
  }
  if (!LITTLE_ENDIAN) {
    for (let i = 0, o = HEADER_BYTES; i < n; i++, o += 2) {
      bytes[o] = out[i] & 0xff;
      bytes[o + 1] = out[i] >>> 8;
    }
  }
  return { codec: 'float16', length: n, bytes };
}

/** Decodes float16 bytes into `expectedLength` values; throws ProtocolError if malformed or Inf/NaN. */
export function decodeFloat16(bytes: Uint8Array, expectedLength: number): Float32Array {
  expectHeader(bytes, 'float16', expectedLength);
  expectSize(bytes, 'float16', HEADER_BYTES + 2 * expectedLength);
  const t = halfTable();
  const out = new Float32Array(expectedLength);
  const hs = halves(bytes, expectedLength);
  for (let i = 0; i < expectedLength; i++) {
    const h = hs[i];
    if ((h & 0x7c00) === 0x7c00) throw new ProtocolError(`compressed update (float16): value ${i} is ${(h & 0x3ff) === 0 ? 'infinite' : 'NaN'}`);
    out[i] = t[h];
  }
  return out;
}

/** The `float16` codec. */
export const float16Codec: UpdateCodec = { name: 'float16', encode: encodeFloat16, decode: decodeFloat16 };
