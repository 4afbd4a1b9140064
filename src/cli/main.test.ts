/**
 * End to end: the compiled CLI in real processes, on the tiny configs/smoke.json experiment.
 * The CLI runs from bin.js; main.js only exports main (importing it runs nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparisonText, type Comparison } from '../report/joint-vs-alone.js';
import { applyOverrides } from './commands/run.js';
import { validateConfig } from './config-file.js';
import { tempDirFactory } from '../engine/testing.js';
import { ROOT, runJointly as jointly, showRun as show } from './testing/processes.js';

const SMOKE = join(ROOT, 'configs', 'smoke.json');

const tempDir = tempDirFactory('jointly-e2e-');


function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const STACK = /\n\s+at .+:\d+:\d+/;

test('run configs/smoke.json --quiet prints the joint-vs-alone table and writes the whole run folder', () => {
  const out = tempDir();

  const r = jointly('run', SMOKE, '--out', out, '--quiet');

  assert.equal(r.status, 0, show(r));
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^model\s+alone acc %\s+joint acc %\s+Δ \(pp\)$/);
  assert.deepEqual(lines.slice(2, 5).map((l) => l.split(/\s+/)[0]), ['mlp-1', 'mlp-2', 'ensemble']);
  for (const l of lines.slice(2, 5)) assert.match(l, /\s\d{1,3}\.\d\s+\d{1,3}\.\d\s+[+-]\d+\.\d$/);
  assert.match(lines[5], /^Jointly: [+-]\d+\.\d pp per model on average vs alone \(1 seed: no noise estimate/);
  assert.equal(lines.length, 6, 'quiet prints only the table and the verdict');
  assert.ok(!/epoch|seed 0/.test(r.stderr), `quiet must hide progress:\n${r.stderr}`);

  // --out is the run folder itself (operator-errors.test.ts checks the default <output.dir>/<name>-<timestamp>).
  const run = out;
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(config.name, 'smoke');
  assert.deepEqual(config.method, { name: 'dml', temperature: 1, klWeight: 1, rampUpEpochs: 0 });
  assert.deepEqual(config.output, { dir: 'runs', saveModels: true });
  const smoke = JSON.parse(readFileSync(SMOKE, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(validateConfig(config, 'config.json'), applyOverrides(smoke, { out }, SMOKE), 'config.json reruns the same experiment');

  const metrics = readJsonl(join(run, 'metrics.jsonl'));
  assert.deepEqual(metrics.map((m) => `${m.seed}/${m.phase}/${m.epoch}`), ['0/alone/1', '0/alone/2', '0/joint/1', '0/joint/2']);
  for (const m of metrics) {
    assert.ok(Object.keys(m.losses as object).length >= 2, JSON.stringify(m.losses));
    assert.equal((m.validation as { members: unknown[] }).members.length, 2);
  }
  assert.deepEqual(Object.keys(metrics[2].losses as object).sort(), ['ce/mlp-1', 'ce/mlp-2', 'kl/mlp-1', 'kl/mlp-2']);

  const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as { method: string; comparison: Comparison; seeds: unknown[] };
  assert.equal(report.method, 'dml');
  assert.equal(report.seeds.length, 1);
  assert.equal(comparisonText(report.comparison), lines.slice(0, 5).join('\n'), 'the printed table is the one in report.json');
  const md = readFileSync(join(run, 'report.md'), 'utf8');
  assert.match(md, /^# jointly: dml, joint vs alone/);
  assert.match(md, /\| model \| alone acc % \| joint acc % \| Δ \(pp\) \|/);
  assert.ok(md.includes(lines[5]), 'report.md has the verdict');
  const svg = readFileSync(join(run, 'curves.svg'), 'utf8');
  assert.match(svg, /^<svg [^>]*>[\s\S]*<\/svg>$/);
  for (const label of ['mlp-1 joint', 'mlp-1 alone', 'mlp-2 joint', 'mlp-2 alone']) assert.ok(svg.includes(`>${label}<`), label);

  for (const phase of ['alone', 'joint']) {
    for (const name of ['mlp-1', 'mlp-2']) {
      const model = join(run, 'models', 'seed-0', phase, name, 'model.json');
      assert.ok(existsSync(model), model);
      const parsed = JSON.parse(readFileSync(model, 'utf8')) as { modelTopology?: unknown; weightsManifest?: unknown[] };
      assert.ok(parsed.modelTopology !== undefined && (parsed.weightsManifest?.length ?? 0) > 0, `${model} is a tfjs layers model`);
    }
  }
});

test('run --json prints one JSON document with the comparison rows; overrides apply', () => {
  const out = tempDir();

  const r = jointly('run', SMOKE, '--out', out, '--json', '--epochs', '1', '--seeds', '1', '--no-save-models');

  assert.equal(r.status, 0, show(r));
  const doc = JSON.parse(r.stdout) as { backend: string; runDir: string; verdict: string; comparison: Comparison; seeds: { seed: number }[] };
  assert.deepEqual(doc.comparison.rows.map((row) => `${row.name}:${row.kind}`), ['mlp-1:model', 'mlp-2:model', 'ensemble:ensemble']);
  for (const row of doc.comparison.rows) {
    assert.equal(row.alone.n, 1);
    assert.ok(row.alone.mean > 0.1 && row.alone.mean <= 1, `${row.name} alone ${row.alone.mean}`);
    assert.ok(Math.abs(row.delta.mean - (row.joint.mean - row.alone.mean)) < 1e-12);
  }
  assert.deepEqual(doc.comparison.seeds, [1]);
  assert.deepEqual(doc.seeds.map((s) => s.seed), [1]);
  assert.ok(['native', 'wasm', 'cpu', 'tensorflow'].includes(doc.backend), doc.backend);
  assert.equal(doc.runDir, out);
  assert.equal(readJsonl(join(doc.runDir, 'metrics.jsonl')).length, 2, '1 epoch x 2 phases');
  assert.ok(!existsSync(join(doc.runDir, 'models')), '--no-save-models');
});

test('a config with a bad field exits 2 naming the field and the allowed values, without a stack trace', () => {
  const dir = tempDir();
  const path = join(dir, 'bad.json');
  const smoke = JSON.parse(readFileSync(SMOKE, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify({ ...smoke, method: { name: 'dmll' } }));

  const r = jointly('run', path, '--out', dir);
  const asJson = jointly('run', path, '--out', dir, '--json');

  assert.equal(r.status, 2, show(r));
  assert.match(r.stderr, /^jointly: error \[CONFIG_INVALID\]: method\.name: .*"dml"\|"co-teaching"\|"distillation"/);
  assert.match(r.stderr, /hint: fix the field in .*bad\.json/);
  assert.doesNotMatch(r.stderr, STACK);
  assert.equal(r.stdout, '');
  assert.equal(asJson.status, 2, show(asJson));
  const doc = JSON.parse(asJson.stdout) as { error: { code: string; message: string } };
  assert.equal(doc.error.code, 'CONFIG_INVALID');
  assert.match(doc.error.message, /^method\.name: /);
  assert.deepEqual(readdirSync(dir), ['bad.json'], 'no run folder for an invalid config');
});

test('fashion-mnist with an empty --data-dir exits 3 with the apt-get hint', () => {
  const dir = tempDir();
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const path = join(dir, 'fashion.json');
  const smoke = JSON.parse(readFileSync(SMOKE, 'utf8')) as { data: Record<string, unknown> };
  writeFileSync(path, JSON.stringify({ ...smoke, data: { ...smoke.data, dataset: 'fashion-mnist' } }));

  const r = jointly('run', path, '--data-dir', empty, '--out', join(dir, 'runs'), '--quiet');

  assert.equal(r.status, 3, show(r));
  assert.match(r.stderr, /error \[DATA_MISSING\]: Fashion-MNIST files missing in .*empty/);
  assert.match(r.stderr, /hint: .*apt-get install dataset-fashion-mnist/);
  assert.doesNotMatch(r.stderr, STACK);
});

test('bad usage exits 2: unknown command, unknown flag, run without a config, bad --epochs', () => {
  const unknown = jointly('frobnicate');
  const flag = jointly('info', '--frobnicate');
  const noConfig = jointly('run');
  const epochs = jointly('run', SMOKE, '--epochs', '0');
  const seeds = jointly('run', SMOKE, '--seeds', '1,,2', '--out', tempDir());

  assert.equal(unknown.status, 2, show(unknown));
  assert.match(unknown.stderr, /error \[USAGE\]: unknown command 'frobnicate'/);
  assert.match(unknown.stderr, /hint: use one of: demo, run, simulate, server, client, token, key, evaluate, predict, info/);
  assert.equal(flag.status, 2, show(flag));
  assert.match(flag.stderr, /frobnicate/);
  assert.equal(noConfig.status, 2, show(noConfig));
  assert.match(noConfig.stderr, /jointly run needs a config file/);
  assert.equal(epochs.status, 2, show(epochs));
  assert.match(epochs.stderr, /--epochs must be a positive integer, got '0'/);
  assert.equal(seeds.status, 2, show(seeds));
  assert.match(seeds.stderr, /--seeds must be a comma-separated list of integers from 0 to 4294967295, got '1,,2'/);
  for (const r of [unknown, flag, noConfig, epochs, seeds]) assert.doesNotMatch(r.stderr, STACK);
});

test('--backend nope exits 2 naming the valid backends, for run and info', () => {
  const out = tempDir();

  const run = jointly('run', SMOKE, '--backend', 'nope', '--out', out);
  const info = jointly('info', '--backend', 'nope');

  for (const r of [run, info]) {
    assert.equal(r.status, 2, show(r));
    assert.match(r.stderr, /error \[USAGE\]: --backend must be one of auto, tensorflow, native, wasm, cpu, got 'nope'/);
    assert.doesNotMatch(r.stderr, STACK);
  }
  assert.deepEqual(readdirSync(out), []);
});

test('info --json reports the version, backend, datasets and methods', () => {
  const empty = tempDir();

  const r = jointly('info', '--json', '--data-dir', empty);

  assert.equal(r.status, 0, show(r));
  const info = JSON.parse(r.stdout) as { version: string; backend: { name: string; reason: string }; datasets: Record<string, string>; modes: { mutual: { name: string }[] } };
  assert.match(info.version, /^\d+\.\d+\.\d+/);
  assert.ok(['native', 'wasm', 'cpu', 'tensorflow'].includes(info.backend.name), info.backend.name);
  assert.ok(info.backend.reason.length > 0);
  assert.match(info.datasets.mnist, /^found/);
  assert.match(info.datasets['fashion-mnist'], /^not found in .*apt-get install dataset-fashion-mnist/);
  assert.deepEqual(info.modes.mutual.map((m) => m.name), ['dml', 'co-teaching', 'distillation']);
});

test('did you mean: a misspelt command, a misspelt flag, a flag of another command, a misspelt config field, enum value and registry name', () => {
  const dir = tempDir();
  const smoke = JSON.parse(readFileSync(SMOKE, 'utf8')) as { data: Record<string, unknown> };
  const field = join(dir, 'field.json');
  writeFileSync(field, JSON.stringify({ ...smoke, data: { ...smoke.data, delimter: ';' } }));
  const method = join(dir, 'method.json');
  writeFileSync(method, JSON.stringify({ ...smoke, method: { name: 'dmll' } }));
  const partition = join(dir, 'partition.json');
  writeFileSync(
    partition,
    JSON.stringify({ mode: 'federated', backend: 'cpu', model: { type: 'mlp', hidden: [4] }, rounds: 1, simulation: { clients: 2, partition: { method: 'dirichlett' } } }),
  );

  const command = jointly('simulte', 'configs/federated-smoke.json');
  const flag = jointly('run', SMOKE, '--epoch', '1');
  const other = jointly('token', 'list', '--rounds', '3');
  const badField = jointly('run', field, '--out', dir);
  const badMethod = jointly('run', method, '--out', dir);
  const badPartition = jointly('simulate', partition, '--out', join(dir, 'p'));

  for (const r of [command, flag, other, badField, badMethod, badPartition]) {
    assert.equal(r.status, 2, show(r));
    assert.doesNotMatch(r.stderr, STACK);
  }
  assert.match(command.stderr, /error \[USAGE\]: unknown command 'simulte'; did you mean 'simulate'\?/);
  assert.match(flag.stderr, /error \[USAGE\]: unknown option --epoch for jointly run; did you mean --epochs\?/);
  assert.match(other.stderr, /error \[USAGE\]: --rounds is not an option of jointly token \(it is for simulate, server, run\)/);
  assert.match(other.stderr, /hint: jointly token --help lists its options/);
  assert.match(badField.stderr, /error \[CONFIG_INVALID\]: data: unknown field\(s\) "delimter" \("delimter": did you mean "delimiter"\?\)/);
  assert.match(badMethod.stderr, /method\.name: .*\(got "dmll"; did you mean "dml"\?\)/);
  assert.match(badPartition.stderr, /dirichlett.*did you mean 'dirichlet'\?|dirichlett.*did you mean "dirichlet"\?/);
});

test('jointly <command> --help prints that command\'s own help for every command, with only its flags', () => {
  for (const command of ['demo', 'run', 'simulate', 'server', 'client', 'token', 'evaluate', 'predict', 'info']) {
    const r = jointly(command, '--help');

    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout, new RegExp(`^usage: jointly ${command}`));
    assert.match(r.stdout, /\noptions:\n/);
    assert.match(r.stdout, /\nexample:\n/);
  }
  const predict = jointly('help', 'predict');
  assert.match(predict.stdout, /--top <k>/);
  assert.doesNotMatch(predict.stdout, /--epochs|--rounds|--data-dir/);
});
