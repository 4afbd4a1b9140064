/** The run folder: names, whole-file replacement, JSON lines, and durable writes through short writes and a full disk. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { OutputError } from '../errors.js';
import { withFileSystem } from './durable-file.js';
import { faultyFileSystem } from './testing.js';
import { createRunFolder, openRunFolder } from './run-folder.js';
import { errorLike, tempDirFactory } from '../engine/testing.js';

const tempDir = tempDirFactory('jointly-runs-');

test('createRunFolder makes <parent>/<name>-<timestamp> and a new folder each time, even in the same second', () => {
  const parent = join(tempDir(), 'runs', 'nested');
  const now = new Date(2025, 0, 2, 3, 4, 5);

  const a = createRunFolder(parent, 'exp', now);
  const b = createRunFolder(parent, 'exp', now);
  const c = createRunFolder(parent, 'exp', now);

  assert.equal(basename(a.dir), 'exp-20250102-030405');
  assert.equal(basename(b.dir), 'exp-20250102-030405-2');
  assert.equal(basename(c.dir), 'exp-20250102-030405-3');
  assert.deepEqual(readdirSync(parent).sort(), ['exp-20250102-030405', 'exp-20250102-030405-2', 'exp-20250102-030405-3']);
});

test('writeJson and writeText replace the file whole and leave no temporary file', () => {
  const folder = openRunFolder(join(tempDir(), 'run'));

  folder.writeJson('report.json', { a: 1, nested: { b: [1, 2] } });
  folder.writeJson('report.json', { a: 2 });
  folder.writeText('sub/dir/report.md', '# hi\n');

  assert.deepEqual(JSON.parse(readFileSync(join(folder.dir, 'report.json'), 'utf8')), { a: 2 });
  assert.ok(readFileSync(join(folder.dir, 'report.json'), 'utf8').endsWith('}\n'));
  assert.equal(readFileSync(join(folder.dir, 'sub', 'dir', 'report.md'), 'utf8'), '# hi\n');
  assert.deepEqual(readdirSync(folder.dir).sort(), ['report.json', 'sub']);
  assert.deepEqual(readdirSync(join(folder.dir, 'sub', 'dir')), ['report.md']);
});

test('appendJsonl adds one JSON document per line', () => {
  const folder = openRunFolder(join(tempDir(), 'run'));

  folder.appendJsonl('metrics.jsonl', { epoch: 1, loss: 0.5 });
  folder.appendJsonl('metrics.jsonl', { epoch: 2, text: 'line\nbreak' });
  folder.appendJsonl('metrics.jsonl', { epoch: 3 });

  const text = readFileSync(join(folder.dir, 'metrics.jsonl'), 'utf8');
  assert.ok(text.endsWith('\n'));
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.map((l) => JSON.parse(l)), [{ epoch: 1, loss: 0.5 }, { epoch: 2, text: 'line\nbreak' }, { epoch: 3 }]);
});

test('path() names a file inside the folder and creates its parent folders', () => {
  const folder = openRunFolder(join(tempDir(), 'run'));

  const p = folder.path('models', 'seed-0', 'joint', 'mlp-1');

  assert.equal(p, join(folder.dir, 'models', 'seed-0', 'joint', 'mlp-1'));
  assert.ok(existsSync(join(folder.dir, 'models', 'seed-0', 'joint')));
});

test('writes are whole through short writes of 2 bytes', () => {
  const folder = openRunFolder(join(tempDir(), 'run'));
  const report = { rounds: [1, 2, 3], name: 'ü'.repeat(50) };

  withFileSystem(faultyFileSystem({ maxBytesPerWrite: 2 }), () => {
    folder.writeJson('report.json', report);
    folder.appendJsonl('metrics.jsonl', { round: 1 });
    folder.appendJsonl('metrics.jsonl', { round: 2 });
  });

  assert.deepEqual(JSON.parse(readFileSync(join(folder.dir, 'report.json'), 'utf8')), report);
  assert.equal(readFileSync(join(folder.dir, 'metrics.jsonl'), 'utf8'), '{"round":1}\n{"round":2}\n');
});

test('a full disk keeps the previous report and metrics whole and throws an OutputError naming the file', () => {
  const folder = openRunFolder(join(tempDir(), 'run'));
  folder.writeJson('report.json', { round: 1 });
  folder.appendJsonl('metrics.jsonl', { round: 1 });
  let writes = 0;
  // The first write call stores 4 bytes, the next finds the disk full.
  const full = faultyFileSystem({ maxBytesPerWrite: 4, fail: (call) => (call === 'writeSync' && ++writes % 2 === 0 ? 'ENOSPC' : undefined) });

  withFileSystem(full, () => {
    assert.throws(() => folder.writeJson('report.json', { round: 2, long: 'x'.repeat(100) }), errorLike(OutputError, /cannot write .*report\.json: no space left on device \(ENOSPC\); the previous file is kept/));
    assert.throws(() => folder.appendJsonl('metrics.jsonl', { round: 2 }), errorLike(OutputError, /cannot append to .*metrics\.jsonl: no space left on device/));
  });

  assert.deepEqual(JSON.parse(readFileSync(join(folder.dir, 'report.json'), 'utf8')), { round: 1 });
  assert.equal(readFileSync(join(folder.dir, 'metrics.jsonl'), 'utf8'), '{"round":1}\n');
  assert.deepEqual(readdirSync(folder.dir).sort(), ['metrics.jsonl', 'report.json']);
});

test('a folder that cannot be created is an OutputError naming it', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'file'), 'x');

  assert.throws(() => openRunFolder(join(dir, 'file', 'run')), errorLike(OutputError, /cannot create the folder .*file.run/));
  assert.throws(() => createRunFolder(join(dir, 'file'), 'exp'), errorLike(OutputError, /cannot create the folder/));
  const folder = openRunFolder(join(dir, 'run'));
  writeFileSync(join(folder.dir, 'sub'), 'x');
  assert.throws(() => folder.writeText('sub/report.md', 'x'), errorLike(OutputError, /cannot create the folder/));
});
