/**
 * End to end, with real processes: `jointly run` on a multimodal config writes its run folder and
 * prints the fused-vs-alone and robustness tables with a verdict; bad multimodal configs exit with
 * the code of their error and a hint; `jointly simulate` runs the federated healthcare example;
 * `jointly info` lists the encoders and fusions.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_FASHION_MNIST_DIR } from '../data/files/fashion-mnist.js';
import { tempDirFactory } from '../engine/testing.js';
import { CLI, ROOT } from './testing/processes.js';

const tempDir = tempDirFactory('jointly-multimodal-e2e-');
const noFashion = !existsSync(DEFAULT_FASHION_MNIST_DIR) && 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)';

function jointly(...args: string[]): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000, env: { ...process.env, JOINTLY_THREADS: '1' } });
  assert.equal(r.error, undefined, `jointly ${args.join(' ')} did not finish: ${String(r.error)}`);
  return r;
}

function show(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

function config(dir: string, name: string, base: string, overrides: Record<string, unknown>): string {
  const raw = JSON.parse(readFileSync(join(ROOT, 'configs', base), 'utf8')) as Record<string, unknown>;
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ ...raw, ...overrides }));
  return path;
}

describe('jointly run with a multimodal config', { skip: noFashion }, () => {
  it('prints the fused-vs-alone and robustness tables with the verdict, and writes the run folder with loadable models', () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const r = jointly('run', join(ROOT, 'configs', 'multimodal-smoke.json'), '--out', out, '--backend', 'wasm');
    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout, /view1 alone \(mlp\)/);
    assert.match(r.stdout, /ensemble of the alone models/);
    assert.match(r.stdout, /fused: concat/);
    assert.match(r.stdout, /fused: late-mean/);
    assert.match(r.stdout, /without view1\s+without view2/);
    assert.match(r.stdout, /Fused \(concat\) (beat|lost to|is within noise of) the best single modality/);
    for (const f of ['config.json', 'metrics.jsonl', 'report.md', 'report.json', 'models/concat/model.json', 'models/concat/multimodal.json']) {
      assert.ok(existsSync(join(out, f)), `${f} in the run folder`);
    }
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.equal(metrics.length, 4, 'one epoch of four models');
  });

  it('refuses bad configs with their exit codes and hints', () => {
    const dir = tempDir();
    const cases: [string, Record<string, unknown>, number, RegExp][] = [
      ['fusion', { fusions: ['gmuu'] }, 2, /fusions\[0\]\.name: unknown fusion; use one of: concat, late-mean/],
      ['option', { fusions: [{ name: 'gmu', width: 3 }] }, 2, /unknown option\(s\) "width" for fusion 'gmu'; its options are/],
      ['modality', { modalities: { view1: {}, caption: {} } }, 2, /modality 'caption' is named in the config but the data has no such modality \(it has view1, view2\)/],
      ['widths', { modalities: { view1: { encoder: { type: 'mlp', hidden: [16] } }, view2: { encoder: { type: 'mlp', hidden: [8] } } }, fusions: ['sum'] }, 4, /'sum' fusion needs embeddings of equal sizes/],
      ['encoder', { modalities: { view1: { encoder: { type: 'tabular' } }, view2: {} } }, 2, /encoder 'tabular' reads tabular data, and modality 'view1' is image/],
    ];
    for (const [name, overrides, code, message] of cases) {
      const r = jointly('run', config(dir, name, 'multimodal-smoke.json', overrides), '--out', join(dir, `run-${name}`), '--backend', 'cpu');
      assert.equal(r.status, code, `${name}: ${JSON.stringify(overrides)}\n${show(r)}`);
      assert.match(r.stderr, message, show(r));
      assert.match(r.stderr, /hint|use one of|fix|give|use /i, 'a hint');
    }
  });
});

describe('jointly simulate with the federated healthcare config', () => {
  it('runs image-only, record-only and fused federations through the simulation and prints the per-site table', () => {
    const dir = tempDir();
    const path = config(dir, 'healthcare', 'federated-healthcare.json', { rounds: 3, data: { sites: 3, testPatientsPerSite: 40, imageSize: 8, noise: 0.4, patientsPerSite: [80, 60, 50] }, backend: 'wasm' });
    const r = jointly('simulate', path, '--out', join(dir, 'run'));
    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout, /site-0/);
    assert.match(r.stdout, /image-only/);
    assert.match(r.stdout, /record-only/);
    assert.ok(existsSync(join(dir, 'run', 'report.md')), 'report.md');
  });
});

describe('jointly info', () => {
  it('lists the multimodal encoders, preprocessing, fusions and alignment losses', () => {
    const r = jointly('info', '--backend', 'cpu');
    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout, /multimodal encoders \(modalities\.<name>\.encoder\.type\):\n {2}mlp \[image, signal\]: /);
    for (const name of ['cnn', 'tabular', 'signal-conv', 'concat', 'late-mean', 'late-weighted', 'gmu', 'attention', 'tensor', 'low-rank', 'film', 'cross-attention', 'clip', 'siglip', 'log-mel']) assert.match(r.stdout, new RegExp(`\\n {2}${name}`), name);
  });
});
