/**
 * The file side of a run's log (`server.log`): complete lines queued and appended by one
 * background loop, rotated by size (`server.log` → `server.log.1` → ... keeping `files` old
 * ones), suspended for a while after a write error (ENOSPC, EIO) instead of throwing, with the
 * count of lines it missed written when it can write again. File operations go through
 * `LogFileSystem`, the seam tests inject failures through.
 */
import { open, rename, stat } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { checkPositive } from './log-rate-limit.js';
import { safeLine } from '../federated/protocol/peer-text.js';

/** One open log file: appends bytes, resolving to how many were written (may be fewer: a short write). */
export interface LogFileHandle {
  write(data: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

/** The file operations the log uses: the seam through which tests inject ENOSPC and short writes. */
export interface LogFileSystem {
  /** Opens `path` for appending, creating it. */
  openAppend(path: string): Promise<LogFileHandle>;
  /** Size of `path` in bytes, 0 when it does not exist. */
  size(path: string): Promise<number>;
  /** Renames `from` to `to` (replacing `to`); rejects with code ENOENT when `from` does not exist. */
  rename(from: string, to: string): Promise<void>;
}

/** The real file system (node:fs/promises). */
export const nodeLogFileSystem: LogFileSystem = {
  openAppend: async (path) => {
    const handle = await open(path, 'a');
    return { write: async (data) => (await handle.write(data)).bytesWritten, close: () => handle.close() };
  },
  size: async (path) => {
    try {
      return (await stat(path)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  },
  rename: (from, to) => rename(from, to),
};


export interface RotatingLogFileOptions {
  path: string;
  maxBytes: number;
  files: number;
  retryMs: number;
  maxQueuedBytes: number;
  fs: LogFileSystem;
  now: () => number;
  /** Says something on the console (a failure, a recovery). */
  say: (text: string) => void;
}

/** Largest chunk handed to one write call. */
const MAX_CHUNK_BYTES = 1 << 20;

const NEWLINE = Buffer.from('\n');

/**
 * The file side: a queue of complete lines appended by one background loop, rotated by size,
 * suspended for `retryMs` after a failure. Lines that could not be written are counted, and the
 * count is written (as a JSON line) before the next lines that are.
 */
export class RotatingLogFile {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private handle: LogFileHandle | undefined;
  private size = 0;
  /** Whether the file's last byte is not a newline (a write failed mid-line). */
  private midLine = false;
  private pumping: Promise<void> | undefined;
  /** Set while file logging is suspended after a failure. */
  private failure: { reason: string; since: number; retryAt: number } | undefined;
  /** Lines not written since the last successful write, and why. */
  private lost = 0;
  private lostWhy = '';
  private closed = false;

  constructor(private readonly o: RotatingLogFileOptions) {
    checkPositive('maxBytes', o.maxBytes);
    if (!Number.isInteger(o.files) || o.files < 1) throw new ConfigError('log.files', `must be an integer of at least 1, got ${String(o.files)}`);
    checkPositive('maxQueuedBytes', o.maxQueuedBytes);
  }

  /** Queues one line (pino's output, ending in a newline). Never throws, never waits. */
  write(line: string): void {
    // After close the console has the line; the file is done.
    if (this.closed) return;
    if (this.failure !== undefined && this.o.now() < this.failure.retryAt) return this.drop(this.failure.reason);
    const bytes = Buffer.from(line, 'utf8');
    if (this.queuedBytes + bytes.byteLength > this.o.maxQueuedBytes) return this.drop(`more than ${this.o.maxQueuedBytes} bytes were waiting for the disk`);
    this.queue.push(bytes);
    this.queuedBytes += bytes.byteLength;
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  /** Resolves when the queue is empty (written, or dropped after a failure). */
  async flush(): Promise<void> {
    while (this.pumping !== undefined) await this.pumping;
  }

  /** Flushes and closes the file; says on the console how many lines the file is missing, if any. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    const handle = this.handle;
    this.handle = undefined;
    if (handle !== undefined) {
      try {
        await handle.close();
      } catch (err) {
        this.o.say(`${this.o.path}: closing the log file failed (${describe(err)}); its last lines may be missing`);
      }
    }
    if (this.lost > 0) this.o.say(`${this.o.path}: ${this.lost} line${this.lost === 1 ? ' was' : 's were'} not written to the log file (${this.lostWhy}); the console had them`);
  }

  private drop(why: string): void {
    this.lost++;
    this.lostWhy = why;
  }

  /** Appends queued lines until the queue is empty or a write fails. Never rejects. */
  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      // Byte lengths of the lines being written, and the bytes before them (newline, notice).
      let lines: number[] = [];
      let lead = 0;
      const written = { bytes: 0 };
      try {
        if (this.handle === undefined) {
          this.size = await this.o.fs.size(this.o.path);
          this.handle = await this.o.fs.openAppend(this.o.path);
        }
        const noticed = this.lost;
        const prefix = [...(this.midLine ? [NEWLINE] : []), ...(noticed > 0 ? [Buffer.from(this.lostNotice(noticed), 'utf8')] : [])];
        lead = prefix.reduce((n, b) => n + b.byteLength, 0);
        lines = this.take(this.o.maxBytes - this.size - lead);
        if (lines.length === 0) {
          await this.rotate();
          continue;
        }
        const chunk = this.queue.splice(0, lines.length);
        this.queuedBytes -= chunk.reduce((n, b) => n + b.byteLength, 0);
        await this.writeAll(Buffer.concat([...prefix, ...chunk]), written);
        this.lost -= noticed;
        if (this.failure !== undefined) {
          this.o.say(`${this.o.path}: writing the log file again after ${this.failure.reason}; it notes how many lines it missed`);
          this.failure = undefined;
        }
      } catch (err) {
        // Lines taken for this write but not completely written, and everything still queued.
        let end = lead;
        const whole = lines.filter((n) => (end += n) <= written.bytes).length;
        this.fail(err, lines.length - whole);
      }
    }
  }

  /** How many queued lines to write next (their byte lengths): those that fit in `room` (at least one into an empty file); none when the file must be rotated first. */
  private take(room: number): number[] {
    const out: number[] = [];
    let bytes = 0;
    for (const line of this.queue) {
      if (bytes + line.byteLength > Math.min(room, MAX_CHUNK_BYTES)) {
        // An empty file takes one line even when it is longer than maxBytes (a line is not split).
        if (out.length === 0 && this.size === 0) out.push(line.byteLength);
        break;
      }
      out.push(line.byteLength);
      bytes += line.byteLength;
    }
    return out;
  }

  /** Writes all of `data`, looping on short writes; `written.bytes` says how far it got. */
  private async writeAll(data: Buffer, written: { bytes: number }): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) throw new Error('the log file is not open');
    while (written.bytes < data.byteLength) {
      const n = await handle.write(data.subarray(written.bytes));
      if (!(Number.isInteger(n) && n > 0)) throw new Error(`a write of ${data.byteLength - written.bytes} bytes wrote ${n}`);
      written.bytes += n;
      this.size += n;
      this.midLine = data[written.bytes - 1] !== 0x0a;
    }
  }

  /** server.log.(files-1) → .files, ..., server.log → server.log.1, then a new server.log. */
  private async rotate(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle !== undefined) await handle.close();
    for (let i = this.o.files - 1; i >= 1; i--) await renameIfExists(this.o.fs, `${this.o.path}.${i}`, `${this.o.path}.${i + 1}`);
    await renameIfExists(this.o.fs, this.o.path, `${this.o.path}.1`);
    this.size = 0;
    this.midLine = false;
    this.handle = await this.o.fs.openAppend(this.o.path);
  }

  /** Suspends file logging after `err`: the queue is dropped (and counted), the console told once per failure. */
  private fail(err: unknown, unwritten: number): void {
    const reason = describe(err);
    this.lost += unwritten + this.queue.length;
    this.lostWhy = reason;
    this.queue = [];
    this.queuedBytes = 0;
    const handle = this.handle;
    this.handle = undefined;
    // The next attempt reopens the file; closing this handle may fail too, which changes nothing.
    handle?.close().catch(() => undefined);
    const first = this.failure === undefined;
    this.failure = { reason, since: this.failure?.since ?? this.o.now(), retryAt: this.o.now() + this.o.retryMs };
    if (first) {
      this.o.say(
        `${this.o.path}: cannot write the log file (${reason}); logging to the file is suspended and the console continues; trying the file again in ${Math.round(this.o.retryMs / 1000)} s`,
      );
    }
  }

  /** The JSON line that says how many lines the file missed and why (written before the next ones). */
  private lostNotice(count: number): string {
    const since = this.failure === undefined ? '' : ` since ${new Date(this.failure.since).toISOString()}`;
    const msg = `${count} line${count === 1 ? ' was' : 's were'} not written to this file${since} (${this.lostWhy}); the console had them`;
    return `${JSON.stringify({ level: 'warn', time: new Date(this.o.now()).toISOString(), event: 'log-lines-lost', lost: count, msg: safeLine(msg) })}\n`;
  }
}

async function renameIfExists(fs: LogFileSystem, from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** `ENOSPC: no space left on device, write` from an error (or a reason already described). */
function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
