/**
 * A run folder: everything one run leaves behind, written as it goes (node:fs only). Every write
 * goes through the durable layer (durable-file.ts): a file is replaced whole or not at all, a line
 * is appended whole or not at all, and a failure is an OutputError (exit 7) naming the file.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf, OutputError } from '../errors.js';
import { appendToFile, writeFileAtomic } from './durable-file.js';

/**
 * A writer for one run's folder (from {@link createRunFolder} or {@link openRunFolder}): paths
 * inside it, and durable writes of whole files and whole JSON lines; a failed write is an
 * OutputError.
 */
export interface RunFolder {
  /** Absolute or relative path of the folder. */
  readonly dir: string;
  /** Path of a file inside the folder (sub-folders are created). */
  path(...parts: string[]): string;
  /** Writes JSON atomically and durably (temp file, fsync, rename, fsync of the folder). */
  writeJson(name: string, value: unknown): void;
  /** Writes text atomically and durably. */
  writeText(name: string, text: string): void;
  /** Appends one JSON line to `name`, whole or not at all. */
  appendJsonl(name: string, value: unknown): void;
}

function timestamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** mkdir, with an OutputError naming the folder when it cannot be made. */
function makeFolder(dir: string, recursive: boolean): void {
  try {
    mkdirSync(dir, { recursive });
  } catch (err) {
    if (!recursive && (err as NodeJS.ErrnoException).code === 'EEXIST') throw err;
    throw new OutputError(`cannot create the folder ${dir}: ${messageOf(err)}`, 'check that its parent is writable and the disk has space, or pass another --out');
  }
}

/** Creates `<parent>/<name>-<timestamp>` (with a suffix if it exists) and returns its writer. */
export function createRunFolder(parent: string, name: string, now: Date = new Date()): RunFolder {
  makeFolder(parent, true);
  const base = join(parent, `${name}-${timestamp(now)}`);
  for (let i = 1; ; i++) {
    const dir = i === 1 ? base : `${base}-${i}`;
    try {
      // Not recursive: fails with EEXIST when another run took the name, even at the same instant.
      makeFolder(dir, false);
      return openRunFolder(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** A writer for an existing (or new) folder. */
export function openRunFolder(dir: string): RunFolder {
  makeFolder(dir, true);
  const path = (...parts: string[]): string => {
    const p = join(dir, ...parts);
    makeFolder(join(p, '..'), true);
    return p;
  };
  const writeText = (name: string, text: string): void => writeFileAtomic(path(name), text);
  return {
    dir,
    path,
    writeText,
    writeJson: (name, value) => writeText(name, `${JSON.stringify(value, null, 2)}\n`),
    appendJsonl: (name, value) => appendToFile(path(name), `${JSON.stringify(value)}\n`),
  };
}
