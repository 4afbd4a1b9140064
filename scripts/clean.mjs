// Removes dist/ before a build, so that deleted sources (and their tests) leave nothing behind.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
