/**
 * `topk`: sparsification to the k entries of largest magnitude (ties broken towards lower
 * indices), the others sent as 0. Biased on its own; pair it with error feedback
 * (`error-feedback.ts`) so that what is dropped in one round is sent in a later one.
 *
 * Payload after the header: u32 k; k float32 values in index order; then k indices as unsigned
 * LEB128 varints of the gaps iⱼ − iⱼ₋₁ (with i₋₁ = −1, so every gap is ≥ 1), running to the end of
 * the bytes. Decoders refuse k > length, non-finite values, overlong or truncated varints, a gap of
 * 0 (indices not strictly increasing), an index ≥ length, and trailing bytes.
 *
 * Selection is an exact two-pass radix select on the float32 bit patterns of |x| (which sort like
 * the magnitudes), O(length) with no bad cases. Browser-safe, pure.
 */
import { ConfigError, ProtocolError } from '../../errors.js';
import { HEADER_BYTES, allocate, expectHeader, viewOf, type EncodedUpdate, type UpdateCodec } from './format.js';

/** How many entries to keep: a fraction of the length (rounded up) or a count (capped at the length). */
export type TopKOptions =
  | {
      /** Fraction of the entries kept, in (0, 1]; k = ⌈fraction · length⌉. */
      fraction: number;
    }
  | {
      /** Number of entries kept, an integer ≥ 0 (capped at the length). */
      count: number;
    };

/** The number of entries kept of a vector of `length` values. */
export function topKCount(length: number, options: TopKOptions): number {
  if ('fraction' in options) {
    const f = options.fraction;
    if (!(typeof f === 'number' && f > 0 && f <= 1)) throw new ConfigError('fraction', `must be a number in (0, 1], got ${f}`);
    return Math.min(length, Math.ceil(f * length));
  }
  const c = options.count;
  if (!Number.isInteger(c) || c < 0) throw new ConfigError('count', `must be an integer ≥ 0, got ${c}`);
  return Math.min(length, c);
}

/** Bytes of one unsigned LEB128 varint of `v` (< 2³²). */
function varintBytes(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/**
 * The indices of the `k` entries of largest magnitude, increasing. Throws ProtocolError on a
 * non-finite value (NaN has no magnitude order).
 */
export function topKIndices(values: Float32Array, k: number): Uint32Array {
  const n = values.length;
  const out = new Uint32Array(k);
  if (k === 0) return out;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  // Pass 1: histogram of the high 16 bits of |x|'s pattern.
  const high = new Uint32Array(65536);
  for (let i = 0; i < n; i++) {
    const a = bits[i] & 0x7fffffff;
    if (a >= 0x7f800000) throw new ProtocolError(`cannot encode topk: value ${i} is ${values[i]}`, 'updates must be finite; check the local training for divergence');
    high[a >>> 16]++;
  }
  let above = 0; // entries strictly above the chosen bucket
  let hb = 65535;
  while (above + high[hb] < k) above += high[hb--];
  // Pass 2: histogram of the low 16 bits inside bucket hb.
  const low = new Uint32Array(65536);
  for (let i = 0; i < n; i++) {
    const a = bits[i] & 0x7fffffff;
    if (a >>> 16 === hb) low[a & 0xffff]++;
  }
  let lb = 65535;
  while (above + low[lb] < k) above += low[lb--];
  const threshold = ((hb << 16) | lb) >>> 0;
  let ties = k - above; // how many entries equal to the threshold to keep, lowest indices first
  let j = 0;
  for (let i = 0; i < n && j < k; i++) {
    const a = (bits[i] & 0x7fffffff) >>> 0;
    if (a > threshold || (a === threshold && ties-- > 0)) out[j++] = i;
  }
  return out;
}

/** Encodes the top-k entries of `values`; throws ProtocolError on non-finite values, ConfigError on a bad k. */
export function encodeTopK(values: Float32Array, options: TopKOptions): EncodedUpdate {
  const n = values.length;
  const k = topKCount(n, options);
  const idx = topKIndices(values, k);
  let varints = 0;
  for (let j = 0, prev = -1; j < k; j++) {
    varints += varintBytes(idx[j] - prev);
    prev = idx[j];
  }
  const valuesAt = HEADER_BYTES + 4;
  const indicesAt = valuesAt + 4 * k;
  const { bytes, view } = allocate('topk', n, indicesAt + varints);
  view.setUint32(HEADER_BYTES, k, true);
  let o = indicesAt;
  for (let j = 0, prev = -1; j < k; j++) {
    const i = idx[j];
    view.setFloat32(valuesAt + 4 * j, values[i], true);
    let gap = i - prev;
    prev = i;
    while (gap >= 0x80) {
      bytes[o++] = (gap & 0x7f) | 0x80;
      gap >>>= 7;
    }
    bytes[o++] = gap;
  }
  return { codec: 'topk', length: n, bytes };
}

/** Decodes topk bytes into `expectedLength` values (0 where not sent); throws ProtocolError if malformed. */
export function decodeTopK(bytes: Uint8Array, expectedLength: number): Float32Array {
  expectHeader(bytes, 'topk', expectedLength);
  const view = viewOf(bytes);
  if (bytes.length < HEADER_BYTES + 4) throw new ProtocolError(`compressed update (topk): truncated, ${bytes.length} bytes, no count`);
  const k = view.getUint32(HEADER_BYTES, true);
  if (k > expectedLength) throw new ProtocolError(`compressed update (topk): ${k} entries for length ${expectedLength}`);
  const valuesAt = HEADER_BYTES + 4;
  const indicesAt = valuesAt + 4 * k;
  if (bytes.length < indicesAt + k) {
    throw new ProtocolError(`compressed update (topk): truncated, ${bytes.length} bytes < ${indicesAt + k} for ${k} entries`);
  }
  const out = new Float32Array(expectedLength);
  let o = indicesAt;
  const end = bytes.length;
  for (let j = 0, prev = -1; j < k; j++) {
    let gap = 0;
    for (let shift = 0; ; shift += 7) {
      if (o >= end) throw new ProtocolError(`compressed update (topk): truncated in index ${j}`);
      if (shift === 35) throw new ProtocolError(`compressed update (topk): index ${j} has an overlong varint`);
      const byte = bytes[o++];
      gap += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) break;
    }
    if (gap === 0) throw new ProtocolError(`compressed update (topk): indices not strictly increasing at entry ${j} (repeats ${prev})`);
    const i = prev + gap;
    if (i >= expectedLength) throw new ProtocolError(`compressed update (topk): index ${i} of entry ${j} is out of range for length ${expectedLength}`);
    const v = view.getFloat32(valuesAt + 4 * j, true);
    if (!Number.isFinite(v)) throw new ProtocolError(`compressed update (topk): value of entry ${j} (index ${i}) is ${v}`);
    out[i] = v;
    prev = i;
  }
  if (o !== end) throw new ProtocolError(`compressed update (topk): ${end - o} trailing bytes after the indices`);
  return out;
}

/** A `topk` codec keeping `options` entries. */
export function topKCodec(options: TopKOptions): UpdateCodec {
  topKCount(0, options); // validate now rather than at the first encode
  return { name: 'topk', encode: (values) => encodeTopK(values, options), decode: decodeTopK };
}
