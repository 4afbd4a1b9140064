/** The installed jointly package's version, read from its package.json (Node). */
import { readFileSync } from 'node:fs';

/** The version in jointly's package.json, e.g. `0.4.0`. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
