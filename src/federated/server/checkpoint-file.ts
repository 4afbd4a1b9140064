/**
 * The checkpoint file: a JSON header and named float32 vectors in one file, written atomically
 * (temporary file, fsync, rename, fsync of the folder), so a crash leaves either the old
 * checkpoint or the new one, never a torn one. A SHA-256 of the payload detects corruption.
 *
 * Layout: `JLYCKPT1` (8 bytes) · u32 LE header length H · H bytes of UTF-8 JSON
 * `{ meta, vectors: [{ name, offset, length }], sha256 }` · zero padding to a multiple of 4 ·
 * the vectors as little-endian float32, back to back.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, existsSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { CheckpointError, messageOf } from '../../errors.js';

const MAGIC = 'JLYCKPT1';

export interface CheckpointContents<M> {
  /** Anything JSON: round, history, registry, scalars. */
  meta: M;
  vectors: Record<string, Float32Array>;
}

interface Header<M> {
  meta: M;
  vectors: { name: string; offset: number; length: number }[];
  sha256: string;
}

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
  return (n + 3) & ~3;
}

/** Serializes a checkpoint to bytes. */
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
  const payloadBytes = new Uint8Array(payload.buffer);
  const sha256 = createHash('sha256').update(payloadBytes).digest('hex');
  const header: Header<M> = { meta: contents.meta, vectors: table, sha256 };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header, keepNonFinite));
  const start = align4(MAGIC.length + 4 + headerBytes.length);
  const out = new Uint8Array(start + payloadBytes.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, MAGIC.length + 4);
  out.set(payloadBytes, start);
  return out;
}

/** Parses checkpoint bytes; `source` names the file in errors. */
export function decodeCheckpoint<M>(bytes: Uint8Array, source: string): CheckpointContents<M> {
  const bad = (why: string): CheckpointError =>
    new CheckpointError(`${source} is not a valid checkpoint: ${why}`, 'restore it from a backup, or start a new run without --resume');
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw bad('it does not start with the checkpoint signature');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  if (MAGIC.length + 4 + headerLength > bytes.length) throw bad('it is truncated (header)');
  let header: Header<M>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)), restoreNonFinite) as Header<M>;
  } catch (err) {
    throw bad(`its header is not JSON (${messageOf(err)})`);
  }
  if (!Array.isArray(header.vectors) || typeof header.sha256 !== 'string') throw bad('its header lacks the vector table');
  const start = align4(MAGIC.length + 4 + headerLength);
  const total = header.vectors.reduce((s, v) => s + v.length, 0);
  if (start + total * 4 !== bytes.length) throw bad(`it holds ${bytes.length - start} payload bytes, ${total * 4} expected (truncated?)`);
  // A copy (a Buffer's slice would be a view, possibly unaligned for a Float32Array).
  const payloadBytes = new Uint8Array(bytes.subarray(start));
  if (createHash('sha256').update(payloadBytes).digest('hex') !== header.sha256) throw bad('its payload checksum does not match (corrupted)');
  const payload = new Float32Array(payloadBytes.buffer, payloadBytes.byteOffset, total);
  const vectors: Record<string, Float32Array> = {};
  for (const v of header.vectors) vectors[v.name] = payload.slice(v.offset, v.offset + v.length);
  return { meta: header.meta, vectors };
}

/** Writes a checkpoint atomically. */
export function writeCheckpointFile<M>(path: string, contents: CheckpointContents<M>): void {
  const bytes = encodeCheckpoint(contents);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch (err) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw new CheckpointError(`cannot write the checkpoint ${path}: ${messageOf(err)}`, 'check that the run folder is writable and the disk has space');
  }
}

/** Reads a checkpoint written by writeCheckpointFile. */
export function readCheckpointFile<M>(path: string): CheckpointContents<M> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new CheckpointError(`cannot read the checkpoint ${path}: ${messageOf(err)}`, 'check the --out folder, or start without --resume');
  }
  return decodeCheckpoint<M>(bytes, path);
}
