/**
 * The README's library examples, run verbatim: every ```ts block of its "Library API" section is
 * compiled (esbuild strips the types) and run in its own Node process, from a folder inside the
 * package so that `jointly-ml`, `jointly-ml/federated` and `jointly-ml/node` resolve to this build
 * (the package's self-reference by name).
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

test('the README has its seven library examples', () => {
  assert.equal(blocks.length, 7);
  assert.match(blocks[0], /makeDataset\(\{ features, sampleShape: \[5\], labels, numClasses: 3/);
  assert.match(blocks[0], /from 'jointly-ml'/);
  assert.match(blocks[1], /from 'jointly-ml'/);
  assert.match(blocks[2], /from 'jointly-ml\/node'/);
  assert.match(blocks[3], /from 'jointly-ml\/federated'/);
  assert.match(blocks[4], /serveFederation/);
  assert.match(blocks[5], /runMultitask/);
  assert.match(blocks[6], /runMultimodal/);
  assert.deepEqual(blocks.filter((b) => /from 'jointly['/]/.test(b)), [], 'no example imports the old package name');
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
