/**
 * The package's three entries: `jointly-ml` and `jointly-ml/federated` bundle for the browser with no
 * Node built-ins (esbuild, platform browser), `jointly-ml/node` does not (the control); the core on
 * its own has no native backend and says where to get it; importing the CLI runs nothing; and
 * the package name resolves to each entry (package.json `exports`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const DIST = fileURLToPath(new URL('./', import.meta.url));
const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Compiled files that need Node: none of them may end up in a browser bundle. */
const NODE_ONLY = [/engine\/native\//, /engine\/model-io\.js$/, /engine\/predict-saved-model\.js$/, /engine\/node-io\.js$/, /engine\/backend\.js$/, /data\/files\//, /federated\/network\//, /federated\/simulation\//, /federated\/auth\/tokens\.js$/, /federated\/server\/(checkpoint-file|coordinator)\.js$/, /federated\/config\.js$/, /report\/(run-folder|durable-file|json-log|rotating-log-file)\.js$/, /mutual\/experiment\.js$/, /multitask\/experiment\.js$/, /data\/multitask\/load\.js$/, /data\/multimodal\/(load|spam-assassin|manifest|png|image-descriptions-load)\.js$/, /multimodal\/(experiment|saved-model)\.js$/, /multimodal\/federated\/run-healthcare\.js$/, /cli\//, /node\.js$/];

async function bundle(entry: string): Promise<esbuild.BuildResult<{ write: false; metafile: true }>> {
  return esbuild.build({ entryPoints: [`${DIST}${entry}`], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
}

for (const entry of ['index.js', 'federated/index.js']) {
  test(`${entry} bundles for the browser with no Node built-ins and none of jointly's Node files`, async () => {
    const result = await bundle(entry);
    assert.deepEqual(result.errors, []);
    const inputs = Object.keys(result.metafile.inputs);
    const own = inputs.filter((i) => !i.startsWith('node_modules/'));
    assert.ok(own.length > 20, `bundled ${own.length} of jointly's files`);
    const nodeFiles = own.filter((i) => NODE_ONLY.some((p) => p.test(i)));
    assert.deepEqual(nodeFiles, [], 'no Node-only file is reachable from the entry');
    assert.deepEqual(inputs.filter((i) => /^node_modules\/ws\//.test(i)), [], 'no ws');
    const code = new TextDecoder().decode(result.outputFiles[0].contents);
    assert.doesNotMatch(code, /\b(?:require\(|from\s*)["']node:/, 'no node: import survives');
  });
}

test('jointly-ml/node does not bundle for the browser (the check can fail)', async () => {
  await assert.rejects(bundle('node.js'), (err: unknown) => {
    const errors = (err as { errors?: { text: string }[] }).errors ?? [];
    assert.ok(errors.some((e) => /node:|"fs"|"ws"/.test(e.text)), errors.map((e) => e.text).join('\n'));
    return true;
  });
});

/** Runs an ES module snippet in a fresh Node process from the package root. */
function runModule(source: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', source], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the core alone: native needs jointly-ml/node (said so), auto picks wasm; with jointly-ml/node imported, native is there', () => {
  const core = runModule(`
    import { selectBackend } from 'jointly-ml';
    const choice = await selectBackend('auto');
    let refusal = '';
    try { await selectBackend('native'); } catch (err) { refusal = err.code + ': ' + err.message + ' | ' + err.hint; }
    console.log(JSON.stringify({ auto: choice.name, refusal }));
  `);
  assert.equal(core.status, 0, core.stderr);
  const out = JSON.parse(core.stdout) as { auto: string; refusal: string };
  assert.equal(out.auto, 'wasm');
  assert.match(out.refusal, /^BACKEND_UNAVAILABLE: the native backend needs Node\.js: it is added by importing 'jointly-ml\/node'/);
  const node = runModule(`
    import { selectBackend } from 'jointly-ml';
    import 'jointly-ml/node';
    try { console.log((await selectBackend('native')).name); } catch (err) { console.log(err.code); }
  `);
  assert.equal(node.status, 0, node.stderr);
  // native when the addon is built here, else the backend's own reason (never "needs jointly-ml/node")
  assert.match(node.stdout.trim(), /^(native|BACKEND_UNAVAILABLE)$/);
});

test("importing the CLI's main module runs nothing; the package's entries resolve by name", () => {
  const r = runModule(`
    const cli = await import('./dist/cli/main.js');
    const core = await import('jointly-ml');
    const fed = await import('jointly-ml/federated');
    const node = await import('jointly-ml/node');
    console.log(JSON.stringify([typeof cli.main, typeof core.createMember, typeof fed.createStrategy, typeof fed.ClientSession, typeof node.runSimulation, typeof node.main]));
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), ['function', 'function', 'function', 'function', 'function', 'function']);
  assert.equal(r.stderr, '');
});
