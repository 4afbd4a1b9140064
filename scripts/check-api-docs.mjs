// Fails when an exported name of the package's entries (or an exported member of one) lacks a doc
// comment, or when TypeDoc warns about anything else (a broken link).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
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
let failed = false;
if (otherWarnings.length > 0) {
  process.stderr.write(`check-api-docs: TypeDoc warnings:\n${otherWarnings.join('\n')}\n`);
  failed = true;
}
if (undocumented.length > 0) {
  process.stderr.write(`check-api-docs: ${undocumented.length} exported name(s) without a doc comment (add a /** ... */ comment above each):\n  ${undocumented.join('\n  ')}\n`);
  failed = true;
}
if (!failed) process.stdout.write('check-api-docs: ok (every exported name has a doc comment, no TypeDoc warnings)\n');
process.exit(failed ? 1 : 0);
