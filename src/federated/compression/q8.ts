/**
 * `q8`: 8-bit stochastic quantization, unbiased (QSGD-style, per block min/max; Alistarh et al.
 * 2017, Suresh et al. 2017). Per block of B values (default 256) the encoder stores the block's
 * min m and max M as float32 and, for each value x, a level ℓ ∈ {0..255} such that
 * m + ℓ·s with s = (M − m)/255 is one of the two grid points around x, the upper one with
 * probability (x − m)/s − ⌊(x − m)/s⌋. Hence E[decode(encode(x))] = x (up to the float32
 * rounding of the output) and |decode(encode(x)) − x| < s = (M − m)/255 for every value.
 *
 * Payload after the header: u32 block size B; then ⌈length/B⌉ pairs (min f32, max f32); then
 * `length` level bytes. Decoders refuse a block size of 0, non-finite or inverted (min > max)
 * scales, and any size other than the exact one. Browser-safe, pure.
 */
import { ConfigError, ProtocolError } from '../../errors.js';
import { HEADER_BYTES, allocate, expectFinite, expectHeader, expectSize, type EncodedUpdate, type UpdateCodec } from './format.js';
import { uniformFiller, type UniformInput } from './uniforms.js';

/** Default values per block. */
export const Q8_DEFAULT_BLOCK = 256;

/** Levels per block: 8 bits. */
const LEVELS = 255;

/** Options of the q8 encoder. */
export interface Q8Options {
  /** The rounding randomness; required (seeded in simulations, cryptographic on clients). */
  random: UniformInput;
  /** Values per block, an integer ≥ 1; default 256. Smaller blocks: tighter scales, 8 more bytes each. */
  blockSize?: number;
}

/** Total encoded bytes of `length` values in blocks of `blockSize`. */
export function q8Bytes(length: number, blockSize: number = Q8_DEFAULT_BLOCK): number {
  return HEADER_BYTES + 4 + 8 * Math.ceil(length / blockSize) + length;
}

/** Encodes `values` with stochastic 8-bit levels; throws ProtocolError on non-finite values. */
export function encodeQ8(values: Float32Array, options: Q8Options): EncodedUpdate {
  const blockSize = options.blockSize ?? Q8_DEFAULT_BLOCK;
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 0xffffffff) {
    throw new ConfigError('blockSize', `must be an integer ≥ 1, got ${blockSize}`);
  }
  const fill = uniformFiller(options.random, 'random');
  expectFinite(values, 'q8');
  const n = values.length;
  const blocks = Math.ceil(n / blockSize);
  const { bytes, view } = allocate('q8', n, q8Bytes(n, blockSize));
  view.setUint32(HEADER_BYTES, blockSize, true);
  const scalesAt = HEADER_BYTES + 4;
  const levelsAt = scalesAt + 8 * blocks;
  const u = new Float64Array(Math.min(blockSize, 65536));
  for (let b = 0; b < blocks; b++) {
    const start = b * blockSize;
    const end = Math.min(n, start + blockSize);
    let min = Infinity;
    let max = -Infinity;
    for (let i = start; i < end; i++) {
      const x = values[i];
      if (x < min) min = x;
      if (x > max) max = x;
    }
    view.setFloat32(scalesAt + 8 * b, min, true);
    view.setFloat32(scalesAt + 8 * b + 4, max, true);
    const range = max - min;
    if (range === 0) continue; // every level 0 decodes to min = max
    const inv = LEVELS / range;
    for (let c = start; c < end; c += u.length) {
      const cEnd = Math.min(end, c + u.length);
      const chunk = u.subarray(0, cEnd - c);
      fill(chunk);
      for (let i = c; i < cEnd; i++) {
        const t = (values[i] - min) * inv;
        const low = Math.floor(t);
        let level = chunk[i - c] < t - low ? low + 1 : low;
        if (level > LEVELS) level = LEVELS; // t may exceed 255 by a rounding error
        bytes[levelsAt + i] = level;
      }
    }
  }
  return { codec: 'q8', length: n, bytes };
}

/** Decodes q8 bytes into `expectedLength` values; throws ProtocolError if malformed. */
export function decodeQ8(bytes: Uint8Array, expectedLength: number): Float32Array {
  const view = expectHeader(bytes, 'q8', expectedLength);
  if (bytes.length < HEADER_BYTES + 4) throw new ProtocolError(`compressed update (q8): truncated, ${bytes.length} bytes, no block size`);
  const blockSize = view.getUint32(HEADER_BYTES, true);
  if (blockSize < 1) throw new ProtocolError('compressed update (q8): block size 0');
  expectSize(bytes, 'q8', q8Bytes(expectedLength, blockSize));
  const n = expectedLength;
  const blocks = Math.ceil(n / blockSize);
  const scalesAt = HEADER_BYTES + 4;
  const levelsAt = scalesAt + 8 * blocks;
  const out = new Float32Array(n);
  for (let b = 0; b < blocks; b++) {
    const min = view.getFloat32(scalesAt + 8 * b, true);
    const max = view.getFloat32(scalesAt + 8 * b + 4, true);
    if (!Number.isFinite(min) || !Number.isFinite(max)) throw new ProtocolError(`compressed update (q8): block ${b} has a non-finite scale (${min}, ${max})`);
    if (min > max) throw new ProtocolError(`compressed update (q8): block ${b} has min ${min} > max ${max}`);
    const step = (max - min) / LEVELS;
    const start = b * blockSize;
    const end = Math.min(n, start + blockSize);
    for (let i = start; i < end; i++) out[i] = min + bytes[levelsAt + i] * step;
  }
  return out;
}

/** A `q8` codec drawing its rounding randomness from `options.random`. */
export function q8Codec(options: Q8Options): UpdateCodec {
  return { name: 'q8', encode: (values) => encodeQ8(values, options), decode: decodeQ8 };
}
