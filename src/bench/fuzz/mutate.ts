/**
 * The server fuzzer's seeded mutator: from a valid encoded frame, one mutated case (the bytes,
 * how they are delivered over WebSocket, and what was done), chosen by a seeded generator so
 * that a seed and a case number reproduce it. Byte-level mutations (bit flips, inserts,
 * deletes, truncation, the length field, the prefix bytes), header mutations that keep the
 * framing valid so the JSON reaches the schema (unknown fields, wrong types, huge numbers, NaN
 * strings, deep nesting, long strings, control characters, missing fields, the tensor table),
 * semantic ones (tensor values, round numbers, example counts), and WebSocket-level ones (text
 * frames, fragmentation, a declared length never reached, protocol violations). Pure.
 */
import type { Rng } from '../../engine/random.js';
import { PREFIX_BYTES } from '../../federated/protocol/frame.js';

/** What a case did to its frame. */
export const MUTATION_KINDS = [
  'valid',
  'bitFlip',
  'byteInsert',
  'byteDelete',
  'truncate',
  'headerLength',
  'prefixBytes',
  'typeSwap',
  'unknownField',
  'wrongType',
  'hugeNumber',
  'nanString',
  'deepNesting',
  'longString',
  'controlChars',
  'missingField',
  'tensorTable',
  'tensorValues',
  'roundNumber',
  'numExamples',
  'concatenated',
  'textFrame',
  'fragmented',
  'oversizedLength',
  'wsViolation',
] as const;

export type MutationKind = (typeof MUTATION_KINDS)[number];

/** How the case's bytes travel. */
export type Delivery =
  /** One binary WebSocket message. */
  | { mode: 'binary' }
  /** One text WebSocket message (jointly never uses them). */
  | { mode: 'text' }
  /** One binary message split into continuation frames. */
  | { mode: 'fragmented'; fragments: number }
  /** A frame header declaring `declaredLength` bytes, then only the case's bytes. */
  | { mode: 'oversized'; declaredLength: number }
  /** A frame breaking RFC 6455: reserved bits, an unknown opcode, no mask, a control frame over 125 bytes. */
  | { mode: 'wsViolation'; violation: 'rsv' | 'opcode' | 'unmasked' | 'bigControl' };

/** One fuzz case. */
export interface FuzzCase {
  kind: MutationKind;
  /** What exactly was changed, for the failure report. */
  detail: string;
  bytes: Uint8Array;
  delivery: Delivery;
}

/** Relative weights of the kinds; missing kinds weigh 1. */
export type MutationWeights = Partial<Record<MutationKind, number>>;

/** Weights that favour what can poison a fit reply. */
export const FIT_REPLY_WEIGHTS: MutationWeights = { valid: 3, tensorValues: 6, roundNumber: 3, numExamples: 4, tensorTable: 3, wrongType: 2, hugeNumber: 2, oversizedLength: 0.3, wsViolation: 0.3 };

/** A frame taken apart: its 12-byte prefix, its header parsed as JSON, and its payload bytes. */
export interface FrameParts {
  version: number;
  typeCode: number;
  header: Record<string, unknown>;
  payload: Uint8Array;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** Splits a valid frame (one made by encodeMessage). Throws on anything else. */
export function splitFrame(bytes: Uint8Array): FrameParts {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  const text = new TextDecoder().decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength));
  return { version: bytes[3], typeCode: bytes[4], header: JSON.parse(text) as Record<string, unknown>, payload: bytes.slice(align4(PREFIX_BYTES + headerLength)) };
}

/** Builds a frame with a correct prefix and padding around any header text and payload. */
export function assembleFrame(version: number, typeCode: number, headerText: string, payload: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const payloadStart = align4(PREFIX_BYTES + header.byteLength);
  const out = new Uint8Array(payloadStart + payload.byteLength);
  out.set([0x4a, 0x4c, 0x59, version, typeCode, 0, 0, 0], 0);
  new DataView(out.buffer).setUint32(8, header.byteLength, true);
  out.set(header, PREFIX_BYTES);
  out.set(payload, payloadStart);
  return out;
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

function pickKind(rng: Rng, weights: MutationWeights): MutationKind {
  const w = MUTATION_KINDS.map((k) => weights[k] ?? 1);
  let r = rng.next() * w.reduce((s, x) => s + x, 0);
  for (let i = 0; i < w.length; i++) {
    r -= w[i];
    if (r < 0) return MUTATION_KINDS[i];
  }
  return MUTATION_KINDS[MUTATION_KINDS.length - 1];
}

/** A path to a value inside the header: keys and indices. */
type Path = (string | number)[];

/** Every path in `value` (objects and arrays, to depth 6), the root excluded. */
function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length >= 6 || typeof value !== 'object' || value === null) return out;
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    out.push([...prefix, k]);
    paths(v, [...prefix, k], out);
  }
  return out;
}

function getAt(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return v;
}

function setAt(root: unknown, path: Path, value: unknown): void {
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]] = value;
}

function deleteAt(root: unknown, path: Path): void {
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown> | unknown[];
  const key = path[path.length - 1];
  if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
  else delete (parent as Record<string | number, unknown>)[key];
}

const PLACEHOLDER = '\u0000fuzz-literal\u0000';

/** JSON text of `header` with the placeholder string replaced by raw JSON text (e.g. `1e400`, `NaN`). */
function withLiteral(header: unknown, literal: string): string {
  return JSON.stringify(header).replace(JSON.stringify(PLACEHOLDER), literal);
}

const CONTROL_STRINGS = [
  'a\nb',
  '\r\n2026-01-01T00:00:00.000Z client client-a joined from 6.6.6.6\n',
  '\u0000\u0001\u0002\u001f\u007f',
  '\u001b[31mred\u001b[0m',
  '\u2028\u2029',
  '\ud800',
  '\ufeffbom',
  'tab\there',
  '%s%n%x${process.exit()}',
];

function longString(rng: Rng): string {
  const length = pick(rng, [300, 4097, 70_000, 600_000, 1_100_000]);
  const unit = pick(rng, ['A', 'é', '\u{1F600}', '\n', 'x"\\']);
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

/** The bytes of a float32 payload with some values replaced by hostile ones. */
function tamperValues(payload: Uint8Array, rng: Rng): { payload: Uint8Array; detail: string } {
  const floats = new Float32Array(payload.slice().buffer);
  if (floats.length === 0) return { payload, detail: 'no payload' };
  const value = pick(rng, [Number.NaN, Infinity, -Infinity, 1e30, -1e30, 3e38, -3.4e38, 1e-45, -0, 1e10]);
  const everywhere = rng.next() < 0.4;
  if (everywhere) floats.fill(value);
  else for (let i = 0, n = 1 + rng.int(4); i < n; i++) floats[rng.int(floats.length)] = value;
  return { payload: new Uint8Array(floats.buffer), detail: `${everywhere ? 'every value' : 'some values'} set to ${value}` };
}

/** A hostile value for a header field of another type than the usual. */
function wrongTypeValue(rng: Rng, current: unknown): unknown {
  const candidates: unknown[] = [null, true, 'x', 0, -1, [], {}, [1, 2], { a: 1 }, '1', 1.5];
  return pick(
    rng,
    candidates.filter((c) => typeof c !== typeof current || Array.isArray(c) !== Array.isArray(current)),
  );
}

/** Tampers with the tensor table (mutating `header.tensors`); returns what was done. */
function tamperTable(header: Record<string, unknown>, rng: Rng): string {
  const table = header.tensors as Record<string, unknown>[];
  if (!Array.isArray(table) || table.length === 0) {
    header.tensors = [{ name: 'param/x', shape: [1], dtype: 'float32', offset: 0, length: 1 }];
    return 'tensor entry added without payload';
  }
  const i = rng.int(table.length);
  const e = table[i];
  const choice = rng.int(14);
  switch (choice) {
    case 0:
      e.shape = [...(e.shape as number[]).slice(0, -1), ((e.shape as number[]).at(-1) ?? 1) + 1];
      return `tensors[${i}].shape last dim + 1`;
    case 1:
      e.offset = (e.offset as number) + 1;
      return `tensors[${i}].offset + 1`;
    case 2:
      e.length = (e.length as number) - 1;
      return `tensors[${i}].length - 1`;
    case 3:
      e.dtype = pick(rng, ['float64', 'int32', 'float16', '']);
      return `tensors[${i}].dtype = ${String(e.dtype)}`;
    case 4:
      table.push({ ...e });
      return `tensors[${i}] duplicated`;
    case 5:
      table.splice(i, 1);
      return `tensors[${i}] removed`;
    case 6:
      e.name = pick(rng, ['param/', 'weird/x', 'param/../../etc', `param/${'n'.repeat(1025)}`, 'extra/1bad', 'extra/controlDelta', '']);
      return `tensors[${i}].name = ${JSON.stringify(e.name).slice(0, 40)}`;
    case 7:
      e.offset = pick(rng, [-1, 2 ** 32, 2 ** 53, 1.5]);
      return `tensors[${i}].offset = ${String(e.offset)}`;
    case 8:
      e.shape = Array.from({ length: 33 }, () => 1);
      return `tensors[${i}].shape has 33 dims`;
    case 9:
      e.shape = [1e9, 1e9];
      e.length = 1e18;
      return `tensors[${i}] shape [1e9, 1e9]`;
    case 10:
      e.shape = [0];
      e.length = 0;
      return `tensors[${i}] emptied (shape [0])`;
    case 11:
      table.reverse();
      return 'table reversed';
    case 12:
      if (table.length > 1) {
        const j = (i + 1) % table.length;
        [table[i].name, table[j].name] = [table[j].name, table[i].name];
        return `names of tensors[${i}] and [${j}] swapped`;
      }
      e.shape = [...(e.shape as number[]), 1];
      return `tensors[${i}].shape gets a trailing 1`;
    default:
      e.extra = 1;
      return `tensors[${i}] gets an unknown field`;
  }
}

/**
 * One mutated case of `frame` (a valid encoded frame). `weights` biases the choice of mutation;
 * a kind that cannot apply to this frame (e.g. `roundNumber` on a hello) falls back to a header
 * field mutation, and the case says which kind it actually is.
 */
export function mutateFrame(frame: Uint8Array, rng: Rng, weights: MutationWeights = {}): FuzzCase {
  const kind = pickKind(rng, weights);
  const binary = (bytes: Uint8Array, detail: string, k: MutationKind = kind): FuzzCase => ({ kind: k, detail, bytes, delivery: { mode: 'binary' } });
  const parts = splitFrame(frame);
  const rebuild = (headerText: string, payload = parts.payload, typeCode = parts.typeCode): Uint8Array => assembleFrame(parts.version, typeCode, headerText, payload);
  const header = structuredClone(parts.header);
  const fieldPaths = paths(header).filter((p) => p[0] !== 'tensors');
  const anyPath = (): Path => (fieldPaths.length > 0 ? pick(rng, fieldPaths) : ['x']);
  switch (kind) {
    case 'valid':
      return binary(frame, 'unchanged');
    case 'bitFlip': {
      const out = frame.slice();
      const n = 1 + rng.int(16);
      // Half the flips land in the prefix and header, where they matter most.
      const headerEnd = Math.min(out.byteLength, PREFIX_BYTES + new DataView(out.buffer).getUint32(8, true));
      for (let i = 0; i < n; i++) {
        const at = rng.next() < 0.5 ? rng.int(headerEnd) : rng.int(out.byteLength);
        out[at] ^= 1 << rng.int(8);
      }
      return binary(out, `${n} bit(s) flipped`);
    }
    case 'byteInsert': {
      const at = rng.int(frame.byteLength + 1);
      const extra = randomBytes(rng, 1 + rng.int(64));
      const out = new Uint8Array(frame.byteLength + extra.byteLength);
      out.set(frame.subarray(0, at), 0);
      out.set(extra, at);
      out.set(frame.subarray(at), at + extra.byteLength);
      return binary(out, `${extra.byteLength} byte(s) inserted at ${at}`);
    }
    case 'byteDelete': {
      const at = rng.int(frame.byteLength);
      const n = Math.min(frame.byteLength - at, 1 + rng.int(64));
      const out = new Uint8Array(frame.byteLength - n);
      out.set(frame.subarray(0, at), 0);
      out.set(frame.subarray(at + n), at);
      return binary(out, `${n} byte(s) deleted at ${at}`);
    }
    case 'truncate': {
      const n = rng.int(frame.byteLength);
      return binary(frame.slice(0, n), `truncated to ${n} of ${frame.byteLength} bytes`);
    }
    case 'headerLength': {
      const out = frame.slice();
      const view = new DataView(out.buffer);
      const h = view.getUint32(8, true);
      const value = pick(rng, [0, 1, h - 1, h + 1, h + 4, out.byteLength, 0x7fffffff, 0xffffffff, rng.int(0x100000)]) >>> 0;
      view.setUint32(8, value, true);
      return binary(out, `header length ${h} -> ${value}`);
    }
    case 'prefixBytes': {
      const out = frame.slice();
      const at = rng.int(8);
      const value = pick(rng, [0, 1, 2, 11, 127, 255, rng.int(256)]);
      out[at] = value;
      return binary(out, `prefix byte ${at} = ${value}`);
    }
    case 'typeSwap': {
      const code = 1 + rng.int(10);
      return binary(rebuild(JSON.stringify(header), parts.payload, code), `type code ${parts.typeCode} -> ${code}`);
    }
    case 'unknownField': {
      const objects = [[], ...fieldPaths.filter((p) => { const v = getAt(header, p); return typeof v === 'object' && v !== null && !Array.isArray(v); })];
      const at = pick(rng, objects) as Path;
      const name = pick(rng, ['x', 'constructor', 'toString', 'hasOwnProperty', 'tensors2', 'k'.repeat(1 + rng.int(300)), 'a\nb', '']);
      const target = getAt(header, at) as Record<string, unknown>;
      // defineProperty: a plain assignment to '__proto__'-like names would not create an own key.
      Object.defineProperty(target, name, { value: pick(rng, [1, 'x', null, {}, []]), enumerable: true, configurable: true, writable: true });
      if (rng.next() < 0.3) Object.defineProperty(target, '__proto__', { value: { polluted: true }, enumerable: true, configurable: true, writable: true });
      return binary(rebuild(JSON.stringify(header)), `unknown field ${JSON.stringify(name).slice(0, 40)} at '${at.join('.')}'`);
    }
    case 'wrongType': {
      const at = anyPath();
      const value = wrongTypeValue(rng, getAt(header, at));
      setAt(header, at, value);
      return binary(rebuild(JSON.stringify(header)), `'${at.join('.')}' = ${JSON.stringify(value)}`);
    }
    case 'hugeNumber': {
      const at = anyPath();
      const literal = pick(rng, ['1e400', '-1e400', '1e308', '9007199254740993', '4294967296', '-0', '0.5', '1e-400', '123456789012345678901234567890']);
      setAt(header, at, PLACEHOLDER);
      return binary(rebuild(withLiteral(header, literal)), `'${at.join('.')}' = ${literal}`);
    }
    case 'nanString': {
      const at = anyPath();
      const literal = pick(rng, ['"NaN"', '"Infinity"', '"-Infinity"', 'NaN', 'Infinity', 'undefined', '"1e400"']);
      setAt(header, at, PLACEHOLDER);
      return binary(rebuild(withLiteral(header, literal)), `'${at.join('.')}' = ${literal}`);
    }
    case 'deepNesting': {
      const at = anyPath();
      const depth = pick(rng, [100, 1000, 10_000, 30_000]);
      const open = rng.next() < 0.5 ? '[' : '{"a":';
      const close = open === '[' ? ']' : '}';
      setAt(header, at, PLACEHOLDER);
      return binary(rebuild(withLiteral(header, `${open.repeat(depth)}1${close.repeat(depth)}`)), `'${at.join('.')}' nested ${depth} deep`);
    }
    case 'longString': {
      const at = anyPath();
      const s = longString(rng);
      setAt(header, at, s);
      return binary(rebuild(JSON.stringify(header)), `'${at.join('.')}' = string of ${s.length} chars`);
    }
    case 'controlChars': {
      const at = anyPath();
      const s = pick(rng, CONTROL_STRINGS);
      setAt(header, at, s);
      return binary(rebuild(JSON.stringify(header)), `'${at.join('.')}' = ${JSON.stringify(s)}`);
    }
    case 'missingField': {
      const at = pick(rng, [...fieldPaths, ['tensors']]);
      deleteAt(header, at);
      return binary(rebuild(JSON.stringify(header)), `'${at.join('.')}' removed`);
    }
    case 'tensorTable': {
      const detail = tamperTable(header, rng);
      return binary(rebuild(JSON.stringify(header)), detail);
    }
    case 'tensorValues': {
      if (parts.payload.byteLength === 0) break;
      const t = tamperValues(parts.payload, rng);
      return binary(rebuild(JSON.stringify(header), t.payload), t.detail);
    }
    case 'roundNumber': {
      if (typeof header.round !== 'number') break;
      const r = header.round;
      const value = pick(rng, [r - 1, r + 1, r + 100, 0, -1, 1.5, r + 0.5, 2 ** 31, 2 ** 53 + 2, `${r}`, null]);
      header.round = value;
      return binary(rebuild(JSON.stringify(header)), `round ${r} -> ${JSON.stringify(value)}`);
    }
    case 'numExamples': {
      if (typeof header.numExamples !== 'number') break;
      const n = header.numExamples;
      const value = pick(rng, [0, -1, 1, n + 1, n * 2, 10_000_000, 1e300, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER]);
      header.numExamples = value;
      return binary(rebuild(JSON.stringify(header)), `numExamples ${n} -> ${value}`);
    }
    case 'concatenated':
      return binary(new Uint8Array([...frame, ...frame]), 'the frame twice in one message');
    case 'textFrame':
      return { kind, detail: 'sent as a text message', bytes: rng.next() < 0.5 ? frame : new TextEncoder().encode(JSON.stringify(header)), delivery: { mode: 'text' } };
    case 'fragmented': {
      const fragments = 2 + rng.int(19);
      return { kind, detail: `${fragments} fragments`, bytes: frame, delivery: { mode: 'fragmented', fragments } };
    }
    case 'oversizedLength': {
      const declaredLength = pick(rng, [frame.byteLength + 1, frame.byteLength + 4096, 70 * 1024, 2 ** 20 + 1, 250 * 2 ** 20, 2 ** 31, 2 ** 53 - 1]);
      return { kind, detail: `declares ${declaredLength} bytes, sends ${frame.byteLength}`, bytes: frame, delivery: { mode: 'oversized', declaredLength } };
    }
    case 'wsViolation': {
      const violation = pick(rng, ['rsv', 'opcode', 'unmasked', 'bigControl'] as const);
      return { kind, detail: violation, bytes: frame, delivery: { mode: 'wsViolation', violation } };
    }
  }
  // The chosen kind does not apply to this frame: mutate a header field's type instead.
  const at = anyPath();
  const value = wrongTypeValue(rng, getAt(header, at));
  setAt(header, at, value);
  return binary(rebuild(JSON.stringify(header)), `'${at.join('.')}' = ${JSON.stringify(value)} (${kind} does not apply)`, 'wrongType');
}
