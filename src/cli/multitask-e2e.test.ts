/**
 * End to end, with real processes: `jointly run` on a multi-task config writes its run folder and
 * prints the multi-task vs single-task table with Δm and a verdict; bad multi-task configs exit
 * with the code of their error and a hint; `jointly info` lists the architectures and weightings.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDirFactory } from '../engine/testing.js';
import { CLI, ROOT } from './testing/processes.js';

const tempDir = tempDirFactory('jointly-multitask-e2e-');

function jointly(...args: string[]): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000, env: { ...process.env, JOINTLY_THREADS: '1' } });
  assert.equal(r.error, undefined, `jointly ${args.join(' ')} did not finish: ${String(r.error)}`);
  return r;
}

function show(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

function config(dir: string, overrides: Record<string, unknown>): string {
  const base = JSON.parse(readFileSync(join(ROOT, 'configs', 'multitask-smoke.json'), 'utf8')) as Record<string, unknown>;
  const path = join(dir, `config-${Object.keys(overrides).join('-') || 'base'}.json`);
  writeFileSync(path, JSON.stringify({ ...base, ...overrides }));
  return path;
}

describe('jointly run with a multi-task config', () => {
  it('prints the table with Δm and the verdict, and writes the run folder', () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const r = jointly('run', join(ROOT, 'configs', 'multitask-smoke.json'), '--out', out, '--backend', 'wasm');
    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout, /pcgrad on hard-sharing: multi-task vs single-task \(MultiFashion: 400 train \/ 100 validation \/ 200 test/);
    assert.match(r.stdout, /topLeft\s+accuracy % ↑/);
    assert.match(r.stdout, /bottomRight\s+accuracy % ↑/);
    assert.match(r.stdout, /Δm \(Maninis et al\. 2019.*\): [+-]\d+\.\d\d% \(1 seed\)/);
    assert.match(r.stdout, /1 seed: no noise estimate/);
    for (const f of ['config.json', 'metrics.jsonl', 'report.md', 'report.json', 'curves.svg', 'models/seed-0/multitask/model.json', 'models/seed-0/single-topLeft/model.json']) {
      assert.ok(existsSync(join(out, f)), `${f} in the run folder`);
    }
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { seeds: unknown[] };
    assert.equal(report.seeds.length, 1);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.equal(metrics.length, 6, 'two epochs of three models');
    const json = jointly('run', join(ROOT, 'configs', 'multitask-smoke.json'), '--out', join(dir, 'json'), '--backend', 'wasm', '--epochs', '1', '--json');
    assert.equal(json.status, 0, show(json));
    const parsed = JSON.parse(json.stdout) as { verdict: string; comparison: { deltaM: unknown } };
    assert.match(parsed.verdict, /Δm/);
  });

  it('refuses bad configs with their exit codes and hints', () => {
    const dir = tempDir();
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ weighting: { name: 'pcgard' } }, 2, /weighting\.name: unknown weighting; use one of: ew, uw, gls/],
      [{ architecture: { name: 'mmoe' }, weighting: { name: 'mgda', representation: true } }, 2, /weighting\.representation: architecture 'mmoe' has no single representation/],
      [{ tasks: [{ name: 'topLeft' }, { name: 'middle' }] }, 3, /task 'middle': the data has no such field \(targets: topLeft, bottomRight\)/],
      [{ tasks: [{ name: 'topLeft', loss: 'mse' }, { name: 'bottomRight' }] }, 2, /task 'topLeft' is a classes target but its loss is 'mse'/],
      [{ tasks: [{ name: 'topLeft' }], weighting: { name: 'cagrad' } }, 2, /gradient method 'cagrad' needs two or more tasks/],
    ];
    for (const [overrides, code, message] of cases) {
      const r = jointly('run', config(dir, overrides), '--out', join(dir, `run-${code}-${Object.keys(overrides).join('-')}`));
      assert.equal(r.status, code, `${JSON.stringify(overrides)}\n${show(r)}`);
      assert.match(r.stderr, message, show(r));
      assert.match(r.stderr, /hint|use one of|fix/i, 'a hint');
    }
  });

  it('jointly info lists the multi-task architectures and weightings', () => {
    const r = jointly('info', '--backend', 'cpu');
    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout, /multi-task architectures \(architecture\.name\):\n {2}hard-sharing: /);
    for (const name of ['mmoe', 'cgc', 'ple', 'cross-stitch', 'mtan', 'ew', 'uw', 'famo', 'mgda\\*', 'pcgrad\\*', 'nash-mtl\\*', 'upgrad\\*']) assert.match(r.stdout, new RegExp(`\\n {2}${name}`), name);
  });
});
