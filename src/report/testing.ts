/**
 * Test helpers of the report layer: a file system that fails as told, to test what a full or
 * broken disk does to durable writes (`withFileSystem` in durable-file.ts). Not part of the
 * package's API.
 */
import { CAUSES, nodeFileSystem, type FileSystem } from './durable-file.js';

/** The FileSystem methods, as the call names `faultyFileSystem` reports. */
export type FileSystemCall = keyof FileSystem;

export interface Faults {
  /** Each write call stores at most this many bytes (0: none, a write that makes no progress). */
  maxBytesPerWrite?: number;
  /**
   * The errno code (e.g. 'ENOSPC') to fail a call with, or undefined to run it. `n` counts every
   * call of this file system from 1; `path` is the file the call is about (for fd calls, the one opened).
   */
  fail?: (call: FileSystemCall, n: number, path: string) => string | undefined;
}

/** A file system that fails as told (for tests of what a full or broken disk does). */
export interface FaultyFileSystem extends FileSystem {
  /** Every call made so far, in order. */
  readonly calls: { call: FileSystemCall; path: string }[];
}

/**
 * Wraps `base` (default the real file system) to inject faults: a failing call throws an error
 * like node's (`code`, `syscall`, the message node would give) without running; the others run on `base`.
 */
export function faultyFileSystem(faults: Faults, base: FileSystem = nodeFileSystem): FaultyFileSystem {
  const paths = new Map<number, string>();
  const calls: { call: FileSystemCall; path: string }[] = [];
  const check = (call: FileSystemCall, path: string): void => {
    calls.push({ call, path });
    const code = faults.fail?.(call, calls.length, path);
    if (code === undefined) return;
    const syscall = call.replace(/Sync$/, '');
    throw Object.assign(new Error(`${code}: ${CAUSES[code] ?? 'injected failure'}, ${syscall} '${path}'`), { code, syscall, path });
  };
  const pathOf = (fd: number): string => paths.get(fd) ?? `fd ${fd}`;
  return {
    calls,
    openSync: (path, flags, mode) => {
      check('openSync', path);
      const fd = base.openSync(path, flags, mode);
      paths.set(fd, path);
      return fd;
    },
    writeSync: (fd, buffer, offset, length) => {
      check('writeSync', pathOf(fd));
      return base.writeSync(fd, buffer, offset, Math.min(length, faults.maxBytesPerWrite ?? length));
    },
    fsyncSync: (fd) => {
      check('fsyncSync', pathOf(fd));
      base.fsyncSync(fd);
    },
    fstatSync: (fd) => {
      check('fstatSync', pathOf(fd));
      return base.fstatSync(fd);
    },
    ftruncateSync: (fd, length) => {
      check('ftruncateSync', pathOf(fd));
      base.ftruncateSync(fd, length);
    },
    closeSync: (fd) => {
      const path = pathOf(fd);
      paths.delete(fd);
      try {
        check('closeSync', path);
      } catch (err) {
        base.closeSync(fd); // as on Linux, a failed close still frees the descriptor
        throw err;
      }
      base.closeSync(fd);
    },
    renameSync: (from, to) => {
      check('renameSync', to);
      base.renameSync(from, to);
    },
    unlinkSync: (path) => {
      check('unlinkSync', path);
      base.unlinkSync(path);
    },
  };
}
