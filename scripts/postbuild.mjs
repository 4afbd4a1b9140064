// Makes the compiled CLI entry point executable (tsc does not keep file modes).
import { chmodSync, existsSync } from 'node:fs';

const entry = new URL('../dist/cli/bin.js', import.meta.url);
if (existsSync(entry)) chmodSync(entry, 0o755);
