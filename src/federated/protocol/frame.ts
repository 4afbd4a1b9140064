/**
 * The binary frame: a 12-byte prefix, a JSON header and a payload of 4-byte words holding float32,
 * uint32 or uint8 tensors (see format.md). This
 * file knows the layout and the tensor table but not what the header fields of each message
 * mean; codec.ts maps frames to messages. Pure: Uint8Array, DataView and TextEncoder only, so it
 * runs in browsers too.
 */
import { z } from 'zod';
import { ProtocolError } from '../../errors.js';
import type { MessageLimits } from './limits.js';
import { MESSAGE_TYPE_CODES, SUPPORTED_FORMAT_VERSIONS, type MessageType } from './messages.js';
import { formatShape, shapeSize, type NamedTensor } from './tensors.js';

/** The magic bytes that open every frame: ASCII `JLY`. */
export const MAGIC = new Uint8Array([0x4a, 0x4c, 0x59]);

/** Bytes before the header: magic (3), version (1), type (1), flags (1), reserved (2), header length (4). */
export const PREFIX_BYTES = 12;

/** Element types of the tensor table: `float32` (parameters, extras), `uint32` and `uint8` (secure aggregation's ring vectors and bytes). */
export type WireDtype = 'float32' | 'uint32' | 'uint8';

/** The element types a frame may carry. */
export const WIRE_DTYPES: readonly WireDtype[] = ['float32', 'uint32', 'uint8'];

/** One row of the header's tensor table. */
export interface TensorTableEntry {
  /** Wire name, with its group prefix (`param/...`, `extra/...`, `data/...`). */
  name: string;
  /** Dimensions. */
  shape: number[];
  /** Element type. */
  dtype: WireDtype;
  /** Start in the payload, in 4-byte words (float32 elements), not bytes. */
  offset: number;
  /** Number of elements of `dtype`; equals the product of `shape`. */
  length: number;
}

/** A tensor of any wire dtype as the frame carries it (NamedTensor is the float32 case). */
export interface WireTensor {
  /** Wire name, with its group prefix. */
  name: string;
  /** Dimensions; the product equals `values.length`. */
  shape: number[];
  /** The values; their array type is the dtype. */
  values: Float32Array | Uint32Array | Uint8Array;
}

/** The dtype of a tensor's values, or undefined for an array type the format does not carry. */
export function dtypeOf(values: unknown): WireDtype | undefined {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Uint32Array) return 'uint32';
  if (values instanceof Uint8Array) return 'uint8';
  return undefined;
}

/** 4-byte words a tensor of `length` elements of `dtype` occupies (a uint8 tensor is zero-padded to a whole word). */
export function wordsOf(dtype: WireDtype, length: number): number {
  return dtype === 'uint8' ? Math.ceil(length / 4) : length;
}

/** A frame taken apart: its type, its header fields (without `tensors`) and its tensors with wire names. */
export interface RawFrame {
  /** Format version read from the prefix. */
  version: number;
  /** Message type read from the prefix. */
  type: MessageType;
  /** The header's fields other than `tensors`, not yet validated against the type's schema. */
  fields: Record<string, unknown>;
  /** The tensors in table order; `name` is the wire name. Values are views on the payload. */
  tensors: WireTensor[];
}

const TYPE_BY_CODE = new Map<number, MessageType>(Object.entries(MESSAGE_TYPE_CODES).map(([name, code]) => [code, name as MessageType]));

const KNOWN_CODES = Object.entries(MESSAGE_TYPE_CODES)
  .map(([name, code]) => `${code} ${name}`)
  .join(', ');

const isLittleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Refuses big-endian hosts: payloads are read as native Float32Arrays, which assumes little-endian. */
function assertLittleEndianHost(): void {
  if (!isLittleEndianHost) {
    throw new ProtocolError(
      'this host is big-endian; the jointly wire format carries little-endian float32 and is only supported on little-endian hosts',
      'run the client or server on a little-endian machine (x86-64, ARM64 and every browser platform are little-endian)',
    );
  }
}

const align4 = (n: number): number => (n + 3) & ~3;

const tableSchema = z.array(
  z.strictObject({
    name: z.string().min(1).max(1024),
    shape: z.array(z.int().nonnegative()).max(32),
    dtype: z.string(),
    offset: z.int().nonnegative(),
    length: z.int().nonnegative(),
  }),
);

/** `a.b[2].c` from a zod issue path. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, key) => (typeof key === 'number' ? `${s}[${key}]` : s === '' ? String(key) : `${s}.${String(key)}`), '');
}

/** Encodes one frame. Tensor names must already carry their wire prefix. Throws ProtocolError. */
export function writeFrame(type: MessageType, version: number, fields: Record<string, unknown>, tensors: readonly (WireTensor | NamedTensor)[], limits: MessageLimits): Uint8Array {
  assertLittleEndianHost();
  const table: TensorTableEntry[] = [];
  const seen = new Set<string>();
  let floats = 0;
  for (const t of tensors) {
    const dtype = dtypeOf(t.values);
    if (dtype === undefined) throw new ProtocolError(`cannot encode ${type}: tensor '${t.name}' values must be a Float32Array, Uint32Array or Uint8Array`);
    if (seen.has(t.name)) throw new ProtocolError(`cannot encode ${type}: tensor name '${t.name}' appears twice`);
    seen.add(t.name);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ProtocolError(`cannot encode ${type}: tensor '${t.name}' has an invalid shape ${formatShape(t.shape)}`);
    }
    if (shapeSize(t.shape) !== t.values.length) {
      throw new ProtocolError(`cannot encode ${type}: tensor '${t.name}' has ${t.values.length} values but shape ${formatShape(t.shape)} holds ${shapeSize(t.shape)}`);
    }
    table.push({ name: t.name, shape: [...t.shape], dtype, offset: floats, length: t.values.length });
    floats += wordsOf(dtype, t.values.length);
  }
  let json: string;
  try {
    json = JSON.stringify({ ...fields, tensors: table });
  } catch (err) {
    throw new ProtocolError(`cannot encode ${type}: header is not serializable as JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const header = new TextEncoder().encode(json);
  if (header.byteLength > limits.maxHeaderBytes) {
    throw new ProtocolError(`cannot encode ${type}: header of ${header.byteLength} bytes exceeds the limit of ${limits.maxHeaderBytes} bytes (maxHeaderBytes)`);
  }
  const payloadStart = align4(PREFIX_BYTES + header.byteLength);
  const total = payloadStart + floats * 4;
  if (total > limits.maxMessageBytes) {
    throw new ProtocolError(`cannot encode ${type}: message of ${total} bytes exceeds the limit of ${limits.maxMessageBytes} bytes (maxMessageBytes)`, 'the receiver refuses messages above its limit; use a smaller model or raise the limit on both sides');
  }
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint8(3, version);
  view.setUint8(4, MESSAGE_TYPE_CODES[type]);
  view.setUint8(5, 0);
  view.setUint16(6, 0, true);
  view.setUint32(8, header.byteLength, true);
  out.set(header, PREFIX_BYTES);
  // A fresh buffer and a 4-aligned payloadStart: native (little-endian) views write the payload.
  const payload = new Float32Array(out.buffer, payloadStart, floats);
  tensors.forEach((t, i) => {
    const at = table[i].offset;
    const v = t.values;
    if (v instanceof Float32Array) payload.set(v, at);
    else if (v instanceof Uint32Array) new Uint32Array(out.buffer, payloadStart + at * 4, v.length).set(v);
    else out.set(v, payloadStart + at * 4);
  });
  return out;
}

/** Decodes and checks one frame (everything but the per-type header schema). Throws ProtocolError. */
export function readFrame(bytes: Uint8Array, limits: MessageLimits): RawFrame {
  assertLittleEndianHost();
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError(`a message must be a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  const n = bytes.byteLength;
  if (n > limits.maxMessageBytes) {
    throw new ProtocolError(`message of ${n} bytes exceeds the limit of ${limits.maxMessageBytes} bytes (maxMessageBytes)`);
  }
  for (let i = 0; i < Math.min(n, MAGIC.length); i++) {
    if (bytes[i] !== MAGIC[i]) {
      const got = Array.from(bytes.subarray(0, Math.min(n, MAGIC.length)), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
      throw new ProtocolError(`bad magic ${got}: not a jointly message (frames start with 'JLY' = 0x4a 0x4c 0x59)`);
    }
  }
  if (n < PREFIX_BYTES) {
    throw new ProtocolError(`message truncated: ${n} bytes, shorter than the ${PREFIX_BYTES}-byte prefix (magic, version, type, flags, reserved, header length)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const version = view.getUint8(3);
  if (!SUPPORTED_FORMAT_VERSIONS.includes(version)) {
    throw new ProtocolError(`unsupported format version ${version}; this build reads version ${SUPPORTED_FORMAT_VERSIONS.join(', ')}`, 'use the same jointly version on the server and the clients');
  }
  const typeCode = view.getUint8(4);
  const type = TYPE_BY_CODE.get(typeCode);
  if (type === undefined) throw new ProtocolError(`unknown message type code ${typeCode}; known codes: ${KNOWN_CODES}`);
  const flags = view.getUint8(5);
  if (flags !== 0) throw new ProtocolError(`${type}: flags byte is ${flags} but must be 0 in format version ${version}`);
  const reserved = view.getUint16(6, true);
  if (reserved !== 0) throw new ProtocolError(`${type}: reserved bytes are ${reserved} but must be 0 in format version ${version}`);
  const headerLength = view.getUint32(8, true);
  if (headerLength > n - PREFIX_BYTES) {
    throw new ProtocolError(`${type}: header length ${headerLength} exceeds the message: only ${n - PREFIX_BYTES} bytes follow the ${PREFIX_BYTES}-byte prefix (truncated or corrupt)`);
  }
  if (headerLength > limits.maxHeaderBytes) {
    throw new ProtocolError(`${type}: header of ${headerLength} bytes exceeds the limit of ${limits.maxHeaderBytes} bytes (maxHeaderBytes)`);
  }
  const headerEnd = PREFIX_BYTES + headerLength;
  const payloadStart = align4(headerEnd);
  if (payloadStart > n) throw new ProtocolError(`${type}: message truncated in the padding after the header (${n} bytes, payload would start at ${payloadStart})`);
  for (let i = headerEnd; i < payloadStart; i++) {
    if (bytes[i] !== 0) throw new ProtocolError(`${type}: padding byte at ${i} is ${bytes[i]} but must be 0`);
  }
  const payloadBytes = n - payloadStart;
  if (payloadBytes % 4 !== 0) {
    throw new ProtocolError(`${type}: payload of ${payloadBytes} bytes is not a whole number of float32 values (truncated or corrupt)`);
  }
  const payloadFloats = payloadBytes / 4;

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX_BYTES, headerEnd));
  } catch {
    throw new ProtocolError(`${type}: header is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError(`${type}: header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new ProtocolError(`${type}: header must be a JSON object, got ${Array.isArray(header) ? 'an array' : header === null ? 'null' : typeof header}`);
  }
  const { tensors: rawTable, ...fields } = header as Record<string, unknown>;
  if (rawTable === undefined) throw new ProtocolError(`${type}: header field 'tensors' is missing (it is required, [] when the message has no tensors)`);
  const parsed = tableSchema.safeParse(rawTable);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProtocolError(`${type}: header field '${issuePath(['tensors', ...issue.path])}': ${issue.message}`);
  }
  const table = parsed.data;
  checkTable(type, table, payloadFloats);

  // Zero-copy when the payload is 4-aligned in its ArrayBuffer; one copy of the payload otherwise.
  // The copy is made explicitly: `bytes` may be a Node Buffer (ws hands messages over as Buffers
  // over the socket chunk they arrived in), whose slice() is a view on the same memory, so its
  // `.buffer` would be the whole chunk and offset 0 its first byte, not the payload's.
  const aligned = (bytes.byteOffset + payloadStart) % 4 === 0;
  const buffer = aligned ? bytes.buffer : new Uint8Array(bytes.subarray(payloadStart)).buffer;
  const base = aligned ? bytes.byteOffset + payloadStart : 0;
  const payload = new Float32Array(buffer, base, payloadFloats);
  const tensors = (table as TensorTableEntry[]).map((e): WireTensor => {
    if (e.dtype === 'float32') return { name: e.name, shape: e.shape, values: payload.subarray(e.offset, e.offset + e.length) };
    if (e.dtype === 'uint32') return { name: e.name, shape: e.shape, values: new Uint32Array(buffer, base + e.offset * 4, e.length) };
    const word = new Uint8Array(buffer, base + e.offset * 4, wordsOf('uint8', e.length) * 4);
    const values = word.subarray(0, e.length);
    for (let i = e.length; i < word.length; i++) {
      if (word[i] !== 0) throw new ProtocolError(`${type}: tensor '${e.name}' (uint8) is followed by a non-zero padding byte; a uint8 tensor is zero-padded to a whole 4-byte word`);
    }
    return { name: e.name, shape: e.shape, values };
  });
  return { version, type, fields, tensors };
}

/** Refuses a tensor table that is not an exact, non-overlapping cover of the payload's words by float32, uint32 and uint8 tensors. */
function checkTable(type: MessageType, table: readonly { name: string; shape: number[]; dtype: string; offset: number; length: number }[], payloadFloats: number): void {
  const firstIndex = new Map<string, number>();
  let covered = 0;
  table.forEach((e, i) => {
    const where = `tensor '${e.name}' (tensors[${i}])`;
    const earlier = firstIndex.get(e.name);
    if (earlier !== undefined) throw new ProtocolError(`${type}: ${where} has the same name as tensors[${earlier}]`);
    firstIndex.set(e.name, i);
    if (!(WIRE_DTYPES as readonly string[]).includes(e.dtype)) throw new ProtocolError(`${type}: ${where} has dtype '${e.dtype}'; format version 1 carries float32, uint32 and uint8 only`);
    const words = wordsOf(e.dtype as WireDtype, e.length);
    if (e.offset + words > payloadFloats) {
      throw new ProtocolError(`${type}: ${where} spans words [${e.offset}, ${e.offset + words}) past the payload's ${payloadFloats} 4-byte words`);
    }
    const size = shapeSize(e.shape);
    if (size !== e.length) throw new ProtocolError(`${type}: ${where} has length ${e.length} but shape ${formatShape(e.shape)} holds ${size} values`);
    covered += words;
  });
  const span = (e: { dtype: string; length: number }): number => wordsOf(e.dtype as WireDtype, e.length);
  const byOffset = table.filter((e) => e.length > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1];
    const cur = byOffset[i];
    if (cur.offset < prev.offset + span(prev)) {
      throw new ProtocolError(`${type}: tensors '${prev.name}' [${prev.offset}, ${prev.offset + span(prev)}) and '${cur.name}' [${cur.offset}, ${cur.offset + span(cur)}) overlap`);
    }
  }
  if (covered !== payloadFloats) {
    throw new ProtocolError(`${type}: the payload has ${payloadFloats} 4-byte words but the tensor table covers ${covered}; every payload word must belong to exactly one tensor`);
  }
}
