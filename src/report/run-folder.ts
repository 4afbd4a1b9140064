/** A run folder: everything one run leaves behind, written as it goes (node:fs only). */
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunFolder {
  /** Absolute or relative path of the folder. */
  readonly dir: string;
  /** Path of a file inside the folder (sub-folders are created). */
  path(...parts: string[]): string;
  /** Writes JSON atomically (temp file, then rename). */
  writeJson(name: string, value: unknown): void;
  /** Writes text atomically. */
  writeText(name: string, text: string): void;
  /** Appends one JSON line to `name`. */
  appendJsonl(name: string, value: unknown): void;
}

function timestamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Creates `<parent>/<name>-<timestamp>` (with a suffix if it exists) and returns its writer. */
export function createRunFolder(parent: string, name: string, now: Date = new Date()): RunFolder {
  mkdirSync(parent, { recursive: true });
  const base = join(parent, `${name}-${timestamp(now)}`);
  for (let i = 1; ; i++) {
    const dir = i === 1 ? base : `${base}-${i}`;
    try {
      // Not recursive: fails with EEXIST when another run took the name, even at the same instant.
      mkdirSync(dir);
      return openRunFolder(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** A writer for an existing (or new) folder. */
export function openRunFolder(dir: string): RunFolder {
  mkdirSync(dir, { recursive: true });
  const path = (...parts: string[]): string => {
    const p = join(dir, ...parts);
    mkdirSync(join(p, '..'), { recursive: true });
    return p;
  };
  const writeText = (name: string, text: string): void => {
    const target = path(name);
    const tmp = `${target}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, target);
  };
  return {
    dir,
    path,
    writeText,
    writeJson: (name, value) => writeText(name, `${JSON.stringify(value, null, 2)}\n`),
    appendJsonl: (name, value) => appendFileSync(path(name), `${JSON.stringify(value)}\n`),
  };
}
