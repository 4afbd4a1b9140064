// Fails when an exported name of the package's entries lacks a doc comment, or when TypeDoc warns
// about anything else (a broken link). The names that lacked docs when the check was introduced
// are listed in docs/undocumented-api.txt: they may only be removed from it (document one, then
// run `node scripts/check-api-docs.mjs --update`), never added to.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const baselineFile = `${root}docs/undocumented-api.txt`;
const run = spawnSync(process.execPath, [`${root}node_modules/typedoc/bin/typedoc`, '--emit', 'none', '--treatWarningsAsErrors', 'false', '--logLevel', 'Warn'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
// eslint-disable-next-line no-control-regex
const output = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
if (run.status !== 0 && !/warning/.test(output)) {
  process.stderr.write(output);
  process.exit(run.status ?? 1);
}
const undocumented = [...output.matchAll(/\[warning\] (\S+ \(\w+\)), defined in \S+?([^/\s]*\/src\/\S+|src\/\S+), does not have any documentation/g)]
  .map((m) => `${m[1]} ${m[2].slice(m[2].indexOf('src/'))}`)
  .sort();
const otherWarnings = output.split('\n').filter((l) => /\[warning\]/.test(l) && !/does not have any documentation/.test(l) && !/Found \d+ errors and \d+ warnings/.test(l));
if (process.argv.includes('--update')) {
  writeFileSync(baselineFile, `${[...new Set(undocumented)].join('\n')}\n`);
  process.stdout.write(`check-api-docs: ${undocumented.length} undocumented name(s) written to docs/undocumented-api.txt\n`);
  process.exit(0);
}
const baseline = new Set(readFileSync(baselineFile, 'utf8').split('\n').filter((l) => l !== ''));
const added = undocumented.filter((name) => !baseline.has(name));
const fixed = [...baseline].filter((name) => !undocumented.includes(name));
let failed = false;
if (otherWarnings.length > 0) {
  process.stderr.write(`check-api-docs: TypeDoc warnings:\n${otherWarnings.join('\n')}\n`);
  failed = true;
}
if (added.length > 0) {
  process.stderr.write(`check-api-docs: ${added.length} exported name(s) without a doc comment (add a /** ... */ comment):\n  ${added.join('\n  ')}\n`);
  failed = true;
}
if (fixed.length > 0) process.stdout.write(`check-api-docs: ${fixed.length} name(s) of docs/undocumented-api.txt are documented now: run node scripts/check-api-docs.mjs --update\n`);
if (!failed) process.stdout.write(`check-api-docs: ok (${undocumented.length} older undocumented name(s) listed in docs/undocumented-api.txt)\n`);
process.exit(failed ? 1 : 0);
