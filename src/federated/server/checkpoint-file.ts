/**
 * The checkpoint file: a JSON header and named float32 vectors in one file, written through the
 * durable layer (temporary file, every byte written, fsync, rename, fsync of the folder), so a
 * crash or a full disk leaves either the old checkpoint or the new one, never a torn one. A
 * SHA-256 over every byte of the file, header included, detects any corruption.
 *
 * Layout (written): `JLYCKPT2` (8 bytes) · u32 LE header length H · H bytes of UTF-8 JSON
 * `{ meta, vectors: [{ name, offset, length }] }` · zero padding to a multiple of 4 · the vectors
 * as little-endian float32, back to back, in table order · the 32-byte SHA-256 of all the bytes
 * before it.
 *
 * Also read (never written): `JLYCKPT1`, the format of older run folders, with the same layout up
 * to the payload, no trailer, and `sha256` (hex, of the payload only) in the header.
 *
 * Decoding any bytes either returns the contents or throws a CheckpointError; it checks the
 * structure (lengths, the vector table), not the meaning of `meta` (see checkpoint-meta.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CheckpointError, messageOf } from '../../errors.js';
import { writeFileAtomic } from '../../report/durable-file.js';

const MAGIC_V1 = 'JLYCKPT1';
const MAGIC_V2 = 'JLYCKPT2';
const MAGIC_LENGTH = 8;
/** Magic and header length. */
const PREFIX = MAGIC_LENGTH + 4;
const DIGEST_LENGTH = 32;

/** What a checkpoint file holds: JSON metadata `M` and named float vectors (the global parameters, strategy state). */
export interface CheckpointContents<M> {
  /** Anything JSON: round, history, registry, scalars. */
  meta: M;
  /** Named float32 vectors, stored in binary after the JSON header. */
  vectors: Record<string, Float32Array>;
}

const VectorEntrySchema = z.object({ name: z.string(), offset: z.number().int().min(0), length: z.number().int().min(0) }).strict();
const HeaderV2Schema = z.object({ meta: z.unknown(), vectors: z.array(VectorEntrySchema) }).strict();
const HeaderV1Schema = z.object({ meta: z.unknown(), vectors: z.array(VectorEntrySchema), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict();

/** JSON has no NaN or Infinity: they are written as `{ "$float": "NaN" }` and read back as numbers. */
function keepNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { $float: String(value) } : value;
}

function restoreNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 1) {
    const f = (value as { $float?: unknown }).$float;
    if (f === 'NaN' || f === 'Infinity' || f === '-Infinity') return Number(f);
  }
  return value;
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** Serializes a checkpoint to bytes (always the current format, JLYCKPT2). */
export function encodeCheckpoint<M>(contents: CheckpointContents<M>): Uint8Array {
  const entries = Object.entries(contents.vectors);
  let offset = 0;
  const table = entries.map(([name, v]) => {
    const e = { name, offset, length: v.length };
    offset += v.length;
    return e;
  });
  const payload = new Float32Array(offset);
  entries.forEach(([, v], i) => payload.set(v, table[i].offset));
  const headerBytes = new TextEncoder().encode(JSON.stringify({ meta: contents.meta, vectors: table }, keepNonFinite));
  const start = align4(PREFIX + headerBytes.length);
  const end = start + payload.byteLength;
  const out = new Uint8Array(end + DIGEST_LENGTH);
  out.set(new TextEncoder().encode(MAGIC_V2), 0);
  new DataView(out.buffer).setUint32(MAGIC_LENGTH, headerBytes.length, true);
  out.set(headerBytes, PREFIX);
  out.set(new Uint8Array(payload.buffer), start);
  out.set(sha256(out.subarray(0, end)), end);
  return out;
}

/** "vectors[2].offset" from a zod issue path. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** Parses checkpoint bytes (JLYCKPT2, or the older JLYCKPT1); `source` names the file in errors. */
export function decodeCheckpoint<M>(bytes: Uint8Array, source: string): CheckpointContents<M> {
  const bad = (why: string): CheckpointError =>
    new CheckpointError(`${source} is not a valid checkpoint: ${why}`, 'restore it from a backup, or start a new run without --resume');
  const magic = bytes.length < MAGIC_LENGTH ? '' : String.fromCharCode(...bytes.subarray(0, MAGIC_LENGTH));
  if (magic !== MAGIC_V1 && magic !== MAGIC_V2) throw bad('it does not start with the checkpoint signature');
  const v2 = magic === MAGIC_V2;
  // The bytes the header and payload occupy: in JLYCKPT2 all but the digest trailer.
  const end = v2 ? bytes.length - DIGEST_LENGTH : bytes.length;
  if (end < PREFIX) throw bad('it is truncated (before the header)');
  if (v2 && !sha256(bytes.subarray(0, end)).equals(bytes.subarray(end))) throw bad('its SHA-256 does not match its contents (the file is truncated or corrupted)');

  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC_LENGTH, true);
  if (PREFIX + headerLength > end) throw bad(`it is truncated (the header of ${headerLength} bytes does not fit)`);
  let raw: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength));
    raw = JSON.parse(text, restoreNonFinite);
  } catch (err) {
    throw bad(`its header is not JSON (${messageOf(err)})`);
  }
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && !Object.hasOwn(raw, 'meta')) throw bad("its header has no 'meta'");
  const parsed = (v2 ? HeaderV2Schema : HeaderV1Schema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bad(`${issue.path.length === 0 ? 'its header' : `its header's ${fieldName(issue.path)}`} is wrong: ${issue.message}`);
  }
  const table = parsed.data.vectors;

  const start = align4(PREFIX + headerLength);
  if (start > end) throw bad('it is truncated (the padding after the header)');
  for (let i = PREFIX + headerLength; i < start; i++) if (bytes[i] !== 0) throw bad(`the padding byte at ${i} is not zero`);
  const available = (end - start) / 4;
  const names = new Set<string>();
  let total = 0;
  for (const [i, v] of table.entries()) {
    if (names.has(v.name)) throw bad(`its vector table names '${v.name.slice(0, 100)}' twice`);
    names.add(v.name);
    if (v.offset !== total) throw bad(`vectors[${i}].offset is ${v.offset}, but the vectors are back to back, so it must be ${total}`);
    total += v.length;
    if (total > available) throw bad(`its vectors need ${total * 4} payload bytes or more, but ${end - start} are there (truncated?)`);
  }
  if (total !== available) throw bad(`it holds ${end - start} payload bytes, ${total * 4} expected (truncated?)`);
  // A copy (a Buffer's slice would be a view, possibly unaligned for a Float32Array).
  const payloadBytes = new Uint8Array(bytes.subarray(start, end));
  if (!v2 && sha256(payloadBytes).toString('hex') !== (parsed.data as z.infer<typeof HeaderV1Schema>).sha256) throw bad('its payload checksum does not match (corrupted)');
  const payload = new Float32Array(payloadBytes.buffer, payloadBytes.byteOffset, total);
  // fromEntries defines own properties, so even a vector named `__proto__` stays a plain entry.
  const vectors = Object.fromEntries(table.map((v) => [v.name, payload.slice(v.offset, v.offset + v.length)])) as Record<string, Float32Array>;
  return { meta: (raw as { meta: M }).meta, vectors };
}

/**
 * Writes a checkpoint completely or not at all (mode 0600). OutputError (exit 7) when it cannot be
 * written: the previous checkpoint is then kept as it was.
 */
export function writeCheckpointFile<M>(path: string, contents: CheckpointContents<M>): void {
  writeFileAtomic(path, encodeCheckpoint(contents), { mode: 0o600, retry: 'run again with --resume to continue from the last saved round' });
}

/** Reads a checkpoint written by writeCheckpointFile (or an older JLYCKPT1 one). */
export function readCheckpointFile<M>(path: string): CheckpointContents<M> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new CheckpointError(`cannot read the checkpoint ${path}: ${messageOf(err)}`, 'check the --out folder, or start without --resume');
  }
  return decodeCheckpoint<M>(bytes, path);
}
