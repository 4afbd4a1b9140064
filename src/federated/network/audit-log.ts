/**
 * The server's audit log: an append-only JSON Lines file (default `<run folder>/audit.jsonl`)
 * with one line per event that says who took part and what was decided: joins (client id, how
 * it authenticated, from where), refusals (code and reason, never a secret), revocations noticed
 * in the token file, and rounds (sampled, aggregated, why a round was refused). Every line has
 * `seq` (from 1, continued across restarts) and `time` (ISO 8601). The file is opened with the
 * `a` flag and never truncated; each line is one write(2) of a whole line, and `sync` fsyncs it
 * (the server calls it at every round end and on close). Node-only (node:fs).
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { messageOf, OutputError } from '../../errors.js';

/** How a client authenticated, in `join` lines: `token`, `key`, `mtls`, or a combination such as `mtls+key`. */
export type JoinMethod = string;

/** One event of the audit log (its `seq` and `time` are added by the writer). */
export type AuditEvent =
  | { event: 'start'; runId: string; url: string; resumed: boolean }
  | { event: 'join'; clientId: string; method: JoinMethod; remote: string }
  | { event: 'refuse'; code: string; reason: string; remote: string; clientId?: string; authCode?: string }
  | { event: 'revoke'; clientId: string; reason: string; remote: string }
  | { event: 'round'; round: number; sampled: string[]; aggregated: string[]; failed: { clientId: string; reason: string }[] }
  | { event: 'round-refused'; round: number; reason: string }
  | { event: 'stop'; round: number; finished: boolean };

/** An open audit log. */
export interface AuditLog {
  /** The file's path. */
  readonly path: string;
  /** Appends one line. Never throws: a failed write is reported once through `onError`. */
  record(event: AuditEvent): void;
  /** Flushes the file to disk (fsync). */
  sync(): void;
  /** Syncs and closes the file (idempotent). */
  close(): void;
}

/** The `seq` of the last complete line of the file at `fd` (0 if none), and whether the file ends mid-line. */
function lastSeq(fd: number): { seq: number; partial: boolean } {
  const size = fstatSync(fd).size;
  if (size === 0) return { seq: 0, partial: false };
  const length = Math.min(size, 1 << 16);
  const buf = Buffer.alloc(length);
  readSync(fd, buf, 0, length, size - length);
  const text = buf.toString('utf8');
  const partial = !text.endsWith('\n');
  // A torn last line (partial) is not a line; the window's first line may be cut: it fails to parse.
  const lines = text.split('\n').slice(0, partial ? -1 : undefined).filter((l) => l.trim() !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const seq: unknown = (JSON.parse(lines[i]) as { seq?: unknown }).seq;
      if (typeof seq === 'number' && Number.isInteger(seq) && seq >= 0) return { seq, partial };
    } catch {
      // A torn or foreign line: look further back.
    }
  }
  return { seq: 0, partial };
}

/**
 * Opens (or creates, mode 0600) the audit log at `path` for appending, continuing the sequence
 * numbers of the lines already there. A line torn by a crash is closed with a newline first, so
 * that the next line stays parseable. OutputError if the file cannot be opened.
 */
export function openAuditLog(path: string, opts: { onError?: (message: string) => void; now?: () => Date } = {}): AuditLog {
  let fd: number;
  let seq: number;
  try {
    const existed = existsSync(path);
    fd = openSync(path, 'a+', 0o600);
    const last = existed ? lastSeq(fd) : { seq: 0, partial: false };
    seq = last.seq;
    if (last.partial) writeSync(fd, '\n');
  } catch (err) {
    throw new OutputError(`cannot open the audit log ${path}: ${messageOf(err)}`, 'check that the folder is writable, or set server.auditLog to another path');
  }
  let closed = false;
  let reported = false;
  const now = opts.now ?? (() => new Date());
  const fail = (err: unknown): void => {
    if (reported) return;
    reported = true;
    opts.onError?.(`audit log ${path}: ${messageOf(err)}`);
  };
  return {
    path,
    record(event: AuditEvent): void {
      if (closed) return;
      const line = `${JSON.stringify({ seq: seq + 1, time: now().toISOString(), ...event })}\n`;
      try {
        writeSync(fd, line);
        seq++;
      } catch (err) {
        fail(err);
      }
    },
    sync(): void {
      if (closed) return;
      try {
        fsyncSync(fd);
      } catch (err) {
        fail(err);
      }
    },
    close(): void {
      if (closed) return;
      this.sync();
      closed = true;
      try {
        closeSync(fd);
      } catch (err) {
        fail(err);
      }
    },
  };
}
