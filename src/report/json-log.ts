/**
 * A run's log as data: every line goes to the console (stderr) as `<ISO time> <line>`, for
 * people, and to a log file in the run folder (`server.log`) as one JSON object per line
 * (`level`, `time`, the caller's fields, `msg`), written by pino, for tools.
 *
 * The file side never stops or slows the caller: writes are asynchronous (lines are queued and
 * appended by one background loop; a stalled disk only fills a bounded queue); the file is
 * rotated by size (`server.log` → `server.log.1` → ... keeping `files` old ones); and a write
 * error (ENOSPC, EIO, a failed rename) never throws into the caller: it is said once on the
 * console, file logging is suspended while the console continues, and the file is tried again
 * `retrySeconds` later, where the first line written says how many lines it missed and why.
 *
 * Lines about a connection (`fields.remote`) pass a per-connection token bucket, so that one
 * peer cannot flood the log; the count of a connection's suppressed lines is logged when it
 * logs again, when its bucket is swept, and at `flush()`/`close()`. Lines without `remote` are
 * never dropped. `close()` (awaited by the CLI before it returns) puts the last lines on disk.
 */
import pino from 'pino';
import { safeLine } from '../federated/protocol/peer-text.js';
import { checkPositive, KeyedTokenBuckets, type RateLimit } from './log-rate-limit.js';
import type { LogFields, LogFn } from './log-fields.js';
import { nodeLogFileSystem, RotatingLogFile, type LogFileSystem } from './rotating-log-file.js';

export type { RateLimit } from './log-rate-limit.js';
export { nodeLogFileSystem, type LogFileHandle, type LogFileSystem } from './rotating-log-file.js';

export interface JsonLogOptions {
  /** The JSON-lines file, e.g. `<run folder>/server.log`; appended to when it exists. */
  file: string;
  /** The file is rotated before it would pass this size, in bytes. Default 16 MiB. */
  maxBytes?: number;
  /** Rotated files kept (`<file>.1` is the newest). Default 4. */
  files?: number;
  /** Per-connection limit on lines with `fields.remote`; `false` for none. Default 20 at once, 5 per second. */
  rateLimit?: RateLimit | false;
  /** Seconds after a write failure before the file is tried again. Default 30. */
  retrySeconds?: number;
  /** Longest line (and string field) kept, in characters; the rest is cut with a note. Default 8192. */
  maxLineChars?: number;
  /** Bytes of lines waiting for the disk before further lines are dropped (and counted). Default 4 MiB. */
  maxQueuedBytes?: number;
  /** Where the human-readable lines go. Default: process.stderr. */
  console?: (text: string) => void;
  /** File operations (tests inject failures here). Default: node:fs. */
  fs?: LogFileSystem;
  /** Clock in ms since the epoch (tests drive the rate limit and the retry with it). Default Date.now. */
  now?: () => number;
}

export interface JsonLog {
  /** Logs one line; never throws and never waits for the disk. */
  log: LogFn;
  /** Logs the pending suppressed-line counts and resolves when every line so far has been written (or given up on). */
  flush(): Promise<void>;
  /** Flushes and closes the file; later lines go to the console only. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_RATE_LIMIT: Readonly<RateLimit> = Object.freeze({ burst: 20, perSecond: 5 });

/** Opens the log (the file is opened by the first write). Throws ConfigError for invalid options. */
export function openJsonLog(opts: JsonLogOptions): JsonLog {
  const now = opts.now ?? Date.now;
  const toConsole = opts.console ?? ((text: string) => process.stderr.write(text));
  const maxLineChars = opts.maxLineChars ?? 8192;
  checkPositive('maxLineChars', maxLineChars);
  const rate = opts.rateLimit ?? DEFAULT_RATE_LIMIT;
  const limiter = rate === false ? undefined : new KeyedTokenBuckets(rate, now);

  const say = (text: string): void => {
    try {
      toConsole(`${new Date(now()).toISOString()} ${text}\n`);
    } catch {
      // The console is the last resort: if it cannot be written either, there is nowhere to say so.
    }
  };
  const file = new RotatingLogFile({
    path: opts.file,
    maxBytes: opts.maxBytes ?? 16 * 1024 * 1024,
    files: opts.files ?? 4,
    retryMs: (opts.retrySeconds ?? 30) * 1000,
    maxQueuedBytes: opts.maxQueuedBytes ?? 4 * 1024 * 1024,
    fs: opts.fs ?? nodeLogFileSystem,
    now,
    say,
  });

  // The time of the line being written, shared by the console line and pino's `time`.
  let stamp = '';
  const logger = pino(
    {
      level: 'info',
      base: null,
      messageKey: 'msg',
      timestamp: () => `,"time":"${stamp}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (json: string) => file.write(json) },
  );
  let closed: Promise<void> | undefined;

  const emit = (line: string, fields: LogFields = {}): void => {
    stamp = new Date(now()).toISOString();
    const text = safeLine(line, maxLineChars);
    try {
      toConsole(`${stamp} ${text}\n`);
    } catch {
      // A console that cannot be written must not stop the file log (nor the caller).
    }
    const { level = 'info', ...rest } = fields;
    const data: Record<string, string | number | boolean> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (value === undefined) continue;
      // Keys pino writes itself are kept under another name rather than written twice.
      data[RESERVED_KEYS.has(key) ? `field.${key}` : key] = typeof value === 'string' ? cut(value, maxLineChars) : value;
    }
    try {
      logger[level === 'warn' || level === 'error' ? level : 'info'](data, text);
    } catch {
      // Defence in depth: formatting a line must never throw into the server's handlers.
    }
  };

  const reportSuppressed = (remote: string, count: number): void => {
    if (rate === false) return;
    emit(`${count} line${count === 1 ? '' : 's'} from ${remote} suppressed (rate limit: ${rate.burst} at once, ${rate.perSecond} per second per connection)`, {
      level: 'warn',
      event: 'log-suppressed',
      remote,
      suppressed: count,
    });
  };

  const log: LogFn = (line, fields) => {
    if (limiter !== undefined) {
      for (const [remote, count] of limiter.sweep()) reportSuppressed(remote, count);
      const remote = fields?.remote;
      if (remote !== undefined && remote !== '') {
        const earlier = limiter.take(remote);
        if (earlier === undefined) return;
        if (earlier > 0) reportSuppressed(remote, earlier);
      }
    }
    emit(line, fields);
  };

  const drainSuppressed = (): void => {
    if (limiter !== undefined) for (const [remote, count] of limiter.drain()) reportSuppressed(remote, count);
  };

  return {
    log,
    flush: async () => {
      drainSuppressed();
      await file.flush();
    },
    close: () =>
      (closed ??= (async () => {
        drainSuppressed();
        await file.close();
      })()),
  };
}

/** Field names pino writes itself (`level` is taken from the fields as the line's level). */
const RESERVED_KEYS = new Set(['time', 'msg']);

/** `text` cut to `max` characters with a note of how many were left off. */
function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…(${text.length - max} more characters)` : text;
}
