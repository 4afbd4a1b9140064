/**
 * Durable file writes: every file jointly writes (checkpoints, reports, metrics, models, token
 * files) is written completely or not at all. `writeFileAtomic` writes a temporary file in the
 * same folder, loops until every byte is written, fsyncs, closes, renames it over the target and
 * fsyncs the folder; `appendToFile` loops the same way and, on failure, cuts the file back to
 * its previous length. Any failure (ENOSPC, EIO, a write that stores nothing, a failed rename)
 * leaves the previous file as it was, removes the temporary file, and throws an OutputError
 * (exit 7) naming the file, the cause and the fix.
 *
 * The seam for tests: the few fs calls used are the `FileSystem` interface; `withFileSystem(fs, fn)`
 * runs `fn` (and everything it awaits) with another implementation, scoped by AsyncLocalStorage so
 * that nothing leaks into other code or other tests. `faultyFileSystem` (report/testing.ts) wraps one to inject
 * short writes and errno failures. Node-only.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OutputError, messageOf } from '../errors.js';

/** The fs calls durable writes make (the node:fs signatures, narrowed to what is used). */
export interface FileSystem {
  openSync(path: string, flags: string, mode?: number): number;
  /** Writes up to `length` bytes of `buffer` from `offset` at the file's position; returns how many were written. */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  fstatSync(fd: number): { size: number };
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

/** The real file system. */
export const nodeFileSystem: FileSystem = {
  openSync: (path, flags, mode) => fs.openSync(path, flags, mode),
  writeSync: (fd, buffer, offset, length) => fs.writeSync(fd, buffer, offset, length),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  fstatSync: (fd) => fs.fstatSync(fd),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
};

const scoped = new AsyncLocalStorage<FileSystem>();

/** Runs `fn` with durable writes going through `fileSystem` (also in everything `fn` awaits); returns what `fn` returns. */
export function withFileSystem<T>(fileSystem: FileSystem, fn: () => T): T {
  return scoped.run(fileSystem, fn);
}

function currentFileSystem(): FileSystem {
  return scoped.getStore() ?? nodeFileSystem;
}

export interface DurableWriteOptions {
  /** Mode of a new file (before the umask). Default 0o666. */
  mode?: number;
  /** What the file is, named before its path in errors (e.g. 'token file'). */
  what?: string;
  /** What to do once the cause is fixed, ending the hint. Default "run again". */
  retry?: string;
}

/** What the errno codes mean, in words. */
export const CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'the temporary file already exists',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBADF: 'bad file descriptor',
  EINVAL: 'invalid argument',
  EXDEV: 'cross-device rename',
};

function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** "no space left on device (ENOSPC)", or the error's message when it has no known code. */
function causeOf(err: unknown): string {
  const code = errnoCode(err);
  return code !== undefined && CAUSES[code] !== undefined ? `${CAUSES[code]} (${code})` : messageOf(err);
}

function hintFor(err: unknown, path: string, retry: string): string {
  const dir = dirname(path);
  const fix = ((): string => {
    switch (errnoCode(err)) {
      case 'ENOSPC':
      case 'EDQUOT':
      case 'EFBIG':
      case undefined: // a write that stored nothing: a full device, in practice
        return `free disk space on the device holding ${dir} (or write elsewhere)`;
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
        return `check that ${dir} is writable by this user (permissions, a read-only mount)`;
      case 'ENOENT':
      case 'ENOTDIR':
        return `check that the folder ${dir} exists`;
      case 'EISDIR':
        return `${path} is a folder: move it away`;
      case 'EMFILE':
      case 'ENFILE':
        return 'raise the open-file limit (ulimit -n) or close other programs';
      default:
        return `check the disk (dmesg) and that ${dir} is writable`;
    }
  })();
  return `${fix}, then ${retry}`;
}

/** A write call that stored nothing: retrying it would loop for ever. */
function noProgress(written: number, total: number): Error {
  return new Error(`a write stored nothing after ${written} of ${total} bytes (the device may be full)`);
}

/** Writes every byte of `bytes` at the file's position, looping on short writes. */
function writeAll(fsys: FileSystem, fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    const n = fsys.writeSync(fd, bytes, written, bytes.length - written);
    if (!(n > 0)) throw noProgress(written, bytes.length);
    written += n;
  }
}

/** Makes a rename or a new file in `dir` durable (not possible, nor needed, on Windows). */
function syncFolder(fsys: FileSystem, dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fsys.openSync(dir, 'r');
  try {
    fsys.fsyncSync(fd);
  } finally {
    fsys.closeSync(fd);
  }
}

function closeQuietly(fsys: FileSystem, fd: number): void {
  try {
    fsys.closeSync(fd);
  } catch {
    // Already failing: the first error is the one reported; Linux frees the descriptor anyway.
  }
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/**
 * Replaces `path` with `data`, completely or not at all: a temporary file beside it (created
 * exclusively, with `opts.mode`), every byte written, fsync, close, rename over `path`, fsync of
 * the folder. OutputError on any failure; before the rename the previous file is untouched and
 * the temporary file removed.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, opts: DurableWriteOptions = {}): void {
  const fsys = currentFileSystem();
  const bytes = toBytes(data);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const existed = fs.existsSync(path);
  let fd: number | undefined;
  let created = false;
  let renamed = false;
  try {
    fd = fsys.openSync(tmp, 'wx', opts.mode ?? 0o666);
    created = true;
    writeAll(fsys, fd, bytes);
    fsys.fsyncSync(fd);
    const open = fd;
    fd = undefined;
    fsys.closeSync(open);
    fsys.renameSync(tmp, path);
    renamed = true;
    syncFolder(fsys, dirname(path));
  } catch (err) {
    if (fd !== undefined) closeQuietly(fsys, fd);
    let leftover = '';
    if (created && !renamed) {
      try {
        fsys.unlinkSync(tmp);
      } catch (unlinkErr) {
        if (errnoCode(unlinkErr) !== 'ENOENT') leftover = ` (the temporary file ${tmp} could not be removed: ${causeOf(unlinkErr)})`;
      }
    }
    const state = renamed
      ? 'the new file is in place but its folder could not be flushed to disk, so it may not survive a power failure'
      : existed
        ? 'the previous file is kept'
        : 'nothing was written';
    throw new OutputError(`cannot write ${opts.what === undefined ? '' : `${opts.what} `}${path}: ${causeOf(err)}; ${state}${leftover}`, hintFor(err, path, opts.retry ?? 'run again'));
  }
}

export interface DurableAppendOptions {
  /** fsync the file (and, when it was new, its folder) before returning. Default false. */
  fsync?: boolean;
  /** Mode of the file when it is created (before the umask). Default 0o666. */
  mode?: number;
  /** What to do once the cause is fixed, ending the hint. Default "run again". */
  retry?: string;
}

/**
 * Appends `data` to `path` (created if missing), completely or not at all: loops on short writes,
 * and on failure cuts the file back to its length before the call. OutputError on any failure.
 */
export function appendToFile(path: string, data: string | Uint8Array, opts: DurableAppendOptions = {}): void {
  const fsys = currentFileSystem();
  const bytes = toBytes(data);
  const existed = fs.existsSync(path);
  let fd: number | undefined;
  let before = 0;
  // Only a measured length may be cut back to (before that, nothing was written).
  let measured = false;
  let appended = false;
  try {
    fd = fsys.openSync(path, 'a', opts.mode ?? 0o666);
    before = fsys.fstatSync(fd).size;
    measured = true;
    writeAll(fsys, fd, bytes);
    if (opts.fsync === true) fsys.fsyncSync(fd);
    appended = true;
    const open = fd;
    fd = undefined;
    fsys.closeSync(open);
    if (opts.fsync === true && !existed) syncFolder(fsys, dirname(path));
  } catch (err) {
    let state = appended ? 'the data was appended whole, but the file could not be closed or its folder flushed' : existed ? 'the file is left as it was' : 'nothing was written';
    if (fd !== undefined && measured) {
      try {
        fsys.ftruncateSync(fd, before);
      } catch (truncErr) {
        state = `the file could not be cut back to its previous ${before} bytes (${causeOf(truncErr)}): its end may be partial`;
      }
    }
    if (fd !== undefined) closeQuietly(fsys, fd);
    throw new OutputError(`cannot append to ${path}: ${causeOf(err)}; ${state}`, hintFor(err, path, opts.retry ?? 'run again'));
  }
}
