/**
 * The README's library examples, run verbatim: every ```ts block of its "Library API" section is
 * compiled (esbuild strips the types) and run in its own Node process, from a folder inside the
 * package so that `jointly`, `jointly/federated` and `jointly/node` resolve to this build.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Library API'), readme.indexOf('\n## ', readme.indexOf('## Library API') + 1));
const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const dir = mkdtempSync(join(ROOT, '.build-readme-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the README has its six library examples', () => {
  assert.equal(blocks.length, 6);
  assert.match(blocks[0], /from 'jointly'/);
  assert.match(blocks[1], /from 'jointly\/node'/);
  assert.match(blocks[2], /from 'jointly\/federated'/);
  assert.match(blocks[3], /serveFederation/);
  assert.match(blocks[4], /runMultitask/);
  assert.match(blocks[5], /runMultimodal/);
});

blocks.forEach((source, i) => {
  test(`README library example ${i + 1} runs as written`, async () => {
    const { code } = await esbuild.transform(source, { loader: 'ts', format: 'esm' });
    const file = join(dir, `example-${i + 1}.mjs`);
    writeFileSync(file, code);
    const run = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
    assert.equal(run.status, 0, `exit ${run.status}\n${run.stderr}`);
    assert.ok(run.stdout.trim().length > 0, 'it prints its results');
    assert.doesNotMatch(run.stderr, /Error|warn/i, run.stderr);
  });
});
