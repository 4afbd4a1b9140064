// Builds the optional native addon (native/, node-gyp, oneDNN + OpenBLAS). Run by `npm ci` /
// `npm install` (the package's install script) and by `npm run build:native`.
//
// It never fails the install: when the addon cannot be built (no compiler, no libdnnl-dev or
// libopenblas-dev, no node headers), it prints one line saying why and how to get it, and exits 0;
// jointly then falls back to the wasm backend. Set JOINTLY_SKIP_NATIVE=1 to skip the build.
// `npm run build:native` passes --strict: then a failed build exits 1 and shows node-gyp's log.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const strict = process.argv.includes('--strict');
const FIX = 'to get it: apt-get install -y libdnnl-dev libopenblas-dev g++ make python3, then npm run build:native';

function done(reason) {
  if (reason === null) {
    process.stdout.write('jointly: native backend built (native/build/Release/jointly_native.node)\n');
    process.exit(0);
  }
  process.stderr.write(`jointly: native backend not built (${reason}); jointly will use wasm. ${FIX}\n`);
  process.exit(strict ? 1 : 0);
}

if (process.env.JOINTLY_SKIP_NATIVE === '1' || process.env.JOINTLY_SKIP_NATIVE === 'true') done('JOINTLY_SKIP_NATIVE is set');
if (!existsSync(join(nativeDir, 'binding.gyp'))) done('native/binding.gyp is missing from this copy of jointly');

/** node-gyp: the one npm runs scripts with, else npm's bundled copy next to this node, else on PATH. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return [process.execPath, c];
  return ['node-gyp'];
}

/** The missing library (by its header), checked up front so the one-line reason can name it. */
function missingLibrary() {
  const includeDirs = ['/usr/include', '/usr/local/include', ...(process.env.CPATH ?? '').split(':').filter(Boolean)];
  if (!includeDirs.some((d) => existsSync(join(d, 'dnnl.hpp')))) return 'oneDNN headers (dnnl.hpp) not found: libdnnl-dev is not installed';
  return null;
}

const missing = missingLibrary();
if (missing !== null) done(missing);

// Offline builds: use the running node's own headers when npm has not named a nodedir.
const args = ['rebuild', '--directory', nativeDir];
const prefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const [cmd, ...pre] = nodeGyp();
const result = spawnSync(cmd, [...pre, ...args], { cwd: root, encoding: 'utf8', stdio: strict ? 'inherit' : 'pipe' });
if (result.error) done(`could not run node-gyp: ${result.error.message}`);
if (result.status !== 0) {
  const log = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  const firstError =
    log.split('\n').find((l) => /fatal error|cannot find -l|undefined reference|error:/.test(l)) ??
    log.split('\n').find((l) => /gyp ERR!/.test(l)) ??
    `node-gyp exited with status ${result.status}`;
  done(`build failed: ${firstError.trim().slice(0, 200)}`);
}
done(null);
