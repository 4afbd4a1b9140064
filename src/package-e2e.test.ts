/**
 * The package as a user gets it: `npm pack` of this repository, installed into a scratch project
 * in the OS temp folder, then `npx jointly info --json` and a library import that trains a small
 * model there, with tfjs-core loaded once (the user's `@tensorflow/tfjs-core` is jointly's `tf`).
 * Real processes throughout (npm, npx, node); the temp folders are removed afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/). */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** The environment of the child processes: without the npm_* variables of an enclosing `npm test`, which would point npm at this repository. */
function childEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_') || keep.has(k.toLowerCase())));
}

/** Runs a command to completion and fails the test with its output when it exits non-zero. */
function run(command: string, args: string[], cwd: string, timeout = 120_000): string {
  const r = spawnSync(command, args, { cwd, env: childEnv(), encoding: 'utf8', timeout });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} (in ${cwd}): exit ${r.status}${r.error ? ` (${r.error.message})` : ''}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const scratch = mkdtempSync(join(tmpdir(), 'jointly-package-'));
const project = join(scratch, 'project');
let tarball = '';

before(() => {
  // --ignore-scripts: `prepare` would rebuild dist/ under the running tests.
  const packed = JSON.parse(run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], ROOT)) as { filename: string }[];
  tarball = join(scratch, packed[0].filename);
  mkdirSync(project);
  run(NPM, ['init', '-y'], project);
  // --ignore-scripts skips the native addon's build (minutes on two cores); jointly then runs on
  // wasm and `jointly info` says why. The peer dependencies (tfjs-core, tfjs-layers) are installed.
  run(NPM, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], project, 240_000);
});

after(() => rmSync(scratch, { recursive: true, force: true }));

test('the tarball is jointly-ml with its command, its three entries and no tests', () => {
  const pkg = JSON.parse(readFileSync(join(project, 'node_modules', 'jointly-ml', 'package.json'), 'utf8')) as { name: string; bin: Record<string, string>; exports: Record<string, unknown> };
  assert.match(tarball, /jointly-ml-\d+\.\d+\.\d+\.tgz$/);
  assert.equal(pkg.name, 'jointly-ml');
  assert.deepEqual(Object.keys(pkg.bin), ['jointly']);
  assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './federated', './node', './package.json']);
  assert.ok(existsSync(join(project, 'node_modules', '.bin', 'jointly')), 'npx finds the jointly command');
  const dist = join(project, 'node_modules', 'jointly-ml', 'dist');
  const files = readdirSync(dist, { recursive: true }).map(String);
  assert.ok(files.includes('index.js') && files.includes(join('cli', 'bin.js')));
  assert.deepEqual(files.filter((f) => /\.test\.|testing/.test(f)), [], 'no test files are shipped');
});

test('npx jointly info --json in the scratch project names the backend and why', () => {
  const info = JSON.parse(run(NPX, ['--no', 'jointly', 'info', '--json'], project)) as { version: string; backend: { name: string; reason: string } };
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(info.version, own.version);
  // the install skipped the addon's build, so auto falls back to wasm and says so
  assert.equal(info.backend.name, 'wasm');
  assert.match(info.backend.reason, /native/);
});

test("a library import there trains on the user's own arrays, with one copy of tfjs-core", () => {
  const source = `
    import * as userTf from '@tensorflow/tfjs-core';
    import { makeDataset, tf, selectBackend, buildModel, createMember, createOptimizer, independentObjective, train, evaluate, datasetSource } from 'jointly-ml';
    import { createStrategy } from 'jointly-ml/federated';
    import { packageVersion } from 'jointly-ml/node';
    const backend = await selectBackend('auto');
    // 200 rows of 4 features; the class is whether the first two sum above 0.
    const n = 200, features = new Float32Array(n * 4), labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 4; j++) features[i * 4 + j] = Math.sin(i * 7.3 + j * 1.9);
      labels[i] = features[i * 4] + features[i * 4 + 1] > 0 ? 1 : 0;
    }
    const data = makeDataset({ features, sampleShape: [4], labels, numClasses: 2 }, 'my arrays');
    const member = createMember({ name: 'm', model: buildModel({ type: 'mlp', hidden: [16] }, { inputShape: [4], numClasses: 2, seed: 0 }), optimizer: createOptimizer({ name: 'adam', learningRate: 0.05 }) });
    await train({ members: [member], objective: independentObjective(), data: datasetSource(data), epochs: 15, batchSize: 32, seed: 0 });
    const scores = evaluate({ members: [member], data: datasetSource(data) });
    const out = member.model.predict(userTf.tensor2d(features.subarray(0, 8), [2, 4]));
    console.log(JSON.stringify({
      backend: backend.name, accuracy: scores.members[0].accuracy, sameModule: userTf === tf,
      sameClass: out instanceof userTf.Tensor && out instanceof tf.Tensor, strategy: createStrategy({ name: 'fedavg' }).name, version: packageVersion(),
    }));
  `;
  const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', source], project)) as { backend: string; accuracy: number; sameModule: boolean; sameClass: boolean; strategy: string; version: string };
  assert.equal(out.backend, 'wasm');
  assert.ok(out.accuracy > 0.8, `training accuracy ${out.accuracy} on a separable problem`);
  assert.equal(out.sameModule, true, "the project's @tensorflow/tfjs-core is jointly's tf");
  assert.equal(out.sameClass, true, "jointly's outputs are the user's tf.Tensor");
  assert.equal(out.strategy, 'fedavg');
  const copies = spawnSync(NPM, ['ls', '@tensorflow/tfjs-core', '--all', '--parseable'], { cwd: project, env: childEnv(), encoding: 'utf8' });
  assert.deepEqual(copies.stdout.trim().split('\n').filter((l) => l !== '' && l.endsWith('tfjs-core')).map((l) => relative(project, l)), [join('node_modules', '@tensorflow', 'tfjs-core')], 'one copy of tfjs-core is installed');
});
