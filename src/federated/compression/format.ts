/**
 * The byte layout shared by every update codec. An encoded update starts with an 8-byte header,
 * little-endian: bytes 0–1 the magic `JC` (0x4A 0x43), byte 2 the format version (1), byte 3 the
 * codec id, bytes 4–7 the vector length as a u32. What follows is the codec's payload (see each
 * codec's file). Decoders check the header against what the caller expects before reading on, so
 * a decode needs only the bytes and the length the receiver knows. Browser-safe, pure.
 */
import { ConfigError, ProtocolError } from '../../errors.js';

/** Bytes of the common header. */
export const HEADER_BYTES = 8;

/** The format version written in byte 2; decoders refuse any other. */
export const FORMAT_VERSION = 1;

/** First two bytes of every encoded update: ASCII `JC`. */
const MAGIC_0 = 0x4a;
const MAGIC_1 = 0x43;

/** Longest vector a header can describe (u32 length). */
export const MAX_LENGTH = 0xffffffff;

/** The codec names, in id order (id = position + 1). */
export const CODEC_NAMES = ['float16', 'q8', 'topk'] as const;

/** The name of an update codec. */
export type CodecName = (typeof CODEC_NAMES)[number];

/** The codec id written in byte 3 of the header, by name. */
export const CODEC_IDS: Readonly<Record<CodecName, number>> = { float16: 1, q8: 2, topk: 3 };

/** An encoded update: the codec, the vector length, and the self-describing bytes (header + payload). */
export interface EncodedUpdate {
  /** The codec that produced `bytes` (also in the header). */
  readonly codec: CodecName;
  /** Number of values in the decoded vector (also in the header). */
  readonly length: number;
  /** The header and payload; all a decoder needs besides the expected length. */
  readonly bytes: Uint8Array;
}

/** The codec and length read from a header, without decoding the payload. */
export interface UpdateHeader {
  /** The codec named by byte 3. */
  codec: CodecName;
  /** The vector length in bytes 4–7. */
  length: number;
}

/** Checks that a caller-given vector length is an integer in [0, 2³²). */
export function checkLength(length: number, what: string): void {
  if (!Number.isInteger(length) || length < 0 || length > MAX_LENGTH) {
    throw new ConfigError(what, `must be an integer in [0, ${MAX_LENGTH}], got ${length}`);
  }
}

/** Allocates `total` bytes, writes the header for `codec` and `length`, and returns them with a view. */
export function allocate(codec: CodecName, length: number, total: number): { bytes: Uint8Array; view: DataView } {
  checkLength(length, 'length');
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes[0] = MAGIC_0;
  bytes[1] = MAGIC_1;
  bytes[2] = FORMAT_VERSION;
  bytes[3] = CODEC_IDS[codec];
  view.setUint32(4, length, true);
  return { bytes, view };
}

/** Reads and validates the header (magic, version, known codec id); throws ProtocolError otherwise. */
export function readHeader(bytes: Uint8Array): UpdateHeader {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError('compressed update: expected a Uint8Array');
  if (bytes.length < HEADER_BYTES) {
    throw new ProtocolError(`compressed update: truncated header, ${bytes.length} bytes < ${HEADER_BYTES}`);
  }
  if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw new ProtocolError('compressed update: bad magic, not a jointly compressed update');
  if (bytes[2] !== FORMAT_VERSION) {
    throw new ProtocolError(`compressed update: format version ${bytes[2]} is not supported (expected ${FORMAT_VERSION})`);
  }
  const codec = CODEC_NAMES[bytes[3] - 1];
  if (codec === undefined) throw new ProtocolError(`compressed update: unknown codec id ${bytes[3]}`);
  const length = viewOf(bytes).getUint32(4, true);
  return { codec, length };
}

/** A little-endian reader over `bytes` (which may be a view into a larger buffer). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Validates the header for a decoder of `codec`: readable, of that codec, and of the expected
 * length. Returns a view over the bytes for the payload.
 */
export function expectHeader(bytes: Uint8Array, codec: CodecName, expectedLength: number): DataView {
  checkLength(expectedLength, 'expectedLength');
  const header = readHeader(bytes);
  if (header.codec !== codec) throw new ProtocolError(`compressed update: codec is '${header.codec}', expected '${codec}'`);
  if (header.length !== expectedLength) {
    throw new ProtocolError(`compressed update (${codec}): length ${header.length}, expected ${expectedLength}`);
  }
  return viewOf(bytes);
}

/** Throws ProtocolError unless the update has exactly `expected` bytes (truncated or trailing bytes). */
export function expectSize(bytes: Uint8Array, codec: CodecName, expected: number): void {
  if (bytes.length < expected) throw new ProtocolError(`compressed update (${codec}): truncated, ${bytes.length} bytes < ${expected}`);
  if (bytes.length > expected) throw new ProtocolError(`compressed update (${codec}): ${bytes.length - expected} trailing bytes after ${expected}`);
}

/** Throws ProtocolError naming the first non-finite value, for encoders that cannot represent them. */
export function expectFinite(values: Float32Array, codec: CodecName): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new ProtocolError(`cannot encode ${codec}: value ${i} is ${values[i]}`, 'updates must be finite; check the local training for divergence');
  }
}

/** What each codec module exports: its name, an encoder factory and a decoder. */
export interface UpdateCodec {
  /** The registry name, also written (as an id) in the header. */
  readonly name: CodecName;
  /** Encodes a vector (does not modify it). */
  encode(values: Float32Array): EncodedUpdate;
  /** Decodes bytes of this codec into a new vector of `expectedLength` values; throws ProtocolError if malformed. */
  decode(bytes: Uint8Array, expectedLength: number): Float32Array;
}
