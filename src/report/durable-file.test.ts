/**
 * Durable writes: whole files or nothing, through short writes and a failure at every single fs
 * call (injected through the FileSystem seam), with an OutputError naming the file, the cause and the fix.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { OutputError } from '../errors.js';
import { errorLike, tempDirFactory } from '../engine/testing.js';
import { appendToFile, withFileSystem, writeFileAtomic } from './durable-file.js';
import { faultyFileSystem, type FileSystemCall } from './testing.js';

const tempDir = tempDirFactory('jointly-durable-');

/** Bytes that differ at every position, so a misplaced or missing chunk shows. */
function pattern(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17 + (i >> 8)) & 0xff);
}

/** The calls a successful writeFileAtomic makes, in order. */
function callsOfOneWrite(dir: string, bytes: Uint8Array): FileSystemCall[] {
  const fake = faultyFileSystem({});
  withFileSystem(fake, () => writeFileAtomic(join(dir, 'probe.bin'), bytes));
  return fake.calls.map((c) => c.call);
}

describe('writeFileAtomic', () => {
  it('writes a string or bytes whole, replaces the previous file, and leaves no temporary file', () => {
    const dir = tempDir();
    const path = join(dir, 'report.json');

    writeFileAtomic(path, '{"a":1}\n');
    writeFileAtomic(path, 'ü\n');
    writeFileAtomic(join(dir, 'w.bin'), pattern(5000, 1));

    assert.equal(readFileSync(path, 'utf8'), 'ü\n');
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'w.bin'))), pattern(5000, 1));
    assert.deepEqual(readdirSync(dir).sort(), ['report.json', 'w.bin']);
  });

  it('creates the file with the mode asked for', { skip: process.platform === 'win32' }, () => {
    const path = join(tempDir(), 'tokens.json');

    writeFileAtomic(path, 'secret', { mode: 0o600 });

    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('fsyncs the file before the rename and the folder after it', () => {
    const calls = callsOfOneWrite(tempDir(), pattern(10, 2));

    assert.deepEqual(calls, ['openSync', 'writeSync', 'fsyncSync', 'closeSync', 'renameSync', 'openSync', 'fsyncSync', 'closeSync']);
  });

  for (const k of [1, 7, 4096]) {
    it(`loops on short writes of at most ${k} bytes until every byte is written`, () => {
      const dir = tempDir();
      const path = join(dir, 'checkpoint.bin');
      const bytes = pattern(10_000, 3);
      const fake = faultyFileSystem({ maxBytesPerWrite: k });

      withFileSystem(fake, () => writeFileAtomic(path, bytes));

      assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
      assert.equal(fake.calls.filter((c) => c.call === 'writeSync').length, Math.ceil(bytes.length / k));
      assert.deepEqual(readdirSync(dir), ['checkpoint.bin']);
    });
  }

  it('refuses a write that stores nothing instead of looping, and keeps the previous file', () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoint.bin');
    writeFileSync(path, 'previous');

    assert.throws(
      () => withFileSystem(faultyFileSystem({ maxBytesPerWrite: 0 }), () => writeFileAtomic(path, pattern(100, 4))),
      errorLike(OutputError, /cannot write .*checkpoint\.bin: a write stored nothing after 0 of 100 bytes/, /the previous file is kept/),
    );
    assert.equal(readFileSync(path, 'utf8'), 'previous');
    assert.deepEqual(readdirSync(dir), ['checkpoint.bin']);
  });

  it('ENOSPC at any one call: before the rename the previous file is byte-identical; after it the new one is whole; an OutputError either way', () => {
    const dir = tempDir();
    const path = join(dir, 'checkpoint.bin');
    const previous = pattern(3000, 5);
    const next = pattern(2500, 6);
    // Short writes, so that the failure also hits a write in the middle of the file.
    const calls = (() => {
      const fake = faultyFileSystem({ maxBytesPerWrite: 1000 });
      withFileSystem(fake, () => writeFileAtomic(join(dir, 'probe.bin'), next));
      return fake.calls.map((c) => c.call);
    })();
    const renameAt = calls.indexOf('renameSync') + 1;
    assert.equal(calls.filter((c) => c === 'writeSync').length, 3);

    for (let i = 1; i <= calls.length; i++) {
      writeFileSync(path, previous);
      const fake = faultyFileSystem({ maxBytesPerWrite: 1000, fail: (_call, n) => (n === i ? 'ENOSPC' : undefined) });

      assert.throws(
        () => withFileSystem(fake, () => writeFileAtomic(path, next, { retry: 'run again with --resume' })),
        (err: unknown) => {
          assert.ok(err instanceof OutputError, `call ${i} (${calls[i - 1]}): ${String(err)}`);
          assert.match(err.message, /^cannot write .*checkpoint\.bin: no space left on device \(ENOSPC\); /);
          assert.match(err.message, i <= renameAt ? /the previous file is kept$/ : /the new file is in place but its folder could not be flushed/);
          assert.match(err.hint ?? '', /^free disk space on the device holding .*, then run again with --resume$/);
          assert.equal(err.exitCode, 7);
          return true;
        },
      );
      assert.deepEqual(new Uint8Array(readFileSync(path)), i <= renameAt ? previous : next, `call ${i} (${calls[i - 1]})`);
      assert.deepEqual(readdirSync(dir).sort(), ['checkpoint.bin', 'probe.bin'], `no temporary file after a failure at call ${i}`);
    }
  });

  it('names the fix for each kind of cause', () => {
    const dir = tempDir();
    const path = join(dir, 'x.json');
    for (const [code, message, hint] of [
      ['EACCES', /permission denied \(EACCES\); nothing was written/, /check that .* is writable by this user/],
      ['EROFS', /read-only file system \(EROFS\)/, /read-only mount/],
      ['EDQUOT', /disk quota exceeded/, /free disk space/],
      ['EIO', /input\/output error \(EIO\)/, /check the disk/],
      ['EMFILE', /too many open files/, /ulimit -n/],
    ] as const) {
      const fake = faultyFileSystem({ fail: (call) => (call === 'openSync' ? code : undefined) });

      assert.throws(() => withFileSystem(fake, () => writeFileAtomic(path, 'x')), (err: unknown) => {
        assert.ok(err instanceof OutputError);
        assert.match(err.message, message);
        assert.match(err.hint ?? '', hint);
        assert.match(err.hint ?? '', /, then run again$/);
        return true;
      });
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  it('a missing folder or a folder in the way is an OutputError with no temporary file left', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'report.json', 'inside'), { recursive: true });

    assert.throws(() => writeFileAtomic(join(dir, 'missing', 'r.json'), 'x'), errorLike(OutputError, /no such file or folder \(ENOENT\); nothing was written/));
    assert.throws(() => writeFileAtomic(join(dir, 'report.json'), 'x'), errorLike(OutputError, /cannot write .*report\.json/, /the previous file is kept/));
    assert.deepEqual(readdirSync(dir), ['report.json']);
  });

  it('names what the file is before its path when told', () => {
    const path = join(tempDir(), 'missing', 'tokens.json');

    assert.throws(() => writeFileAtomic(path, '{}', { what: 'token file' }), errorLike(OutputError, /^cannot write token file .*tokens\.json: no such file or folder \(ENOENT\)/));
  });

  it('says so when the temporary file cannot be removed after a failure', () => {
    const dir = tempDir();
    const fake = faultyFileSystem({ fail: (call) => (call === 'fsyncSync' ? 'EIO' : call === 'unlinkSync' ? 'EACCES' : undefined) });

    assert.throws(() => withFileSystem(fake, () => writeFileAtomic(join(dir, 'r.json'), 'x')), errorLike(OutputError, /input\/output error \(EIO\); nothing was written \(the temporary file .*\.tmp could not be removed: permission denied/));
  });
});

describe('appendToFile', () => {
  it('appends whole through short writes, creating the file', () => {
    const path = join(tempDir(), 'metrics.jsonl');
    const fake = faultyFileSystem({ maxBytesPerWrite: 3 });

    withFileSystem(fake, () => {
      appendToFile(path, '{"round":1}\n');
      appendToFile(path, '{"round":2,"ü":true}\n');
    });

    assert.equal(readFileSync(path, 'utf8'), '{"round":1}\n{"round":2,"ü":true}\n');
  });

  it('fsyncs only when asked, and the folder too when the file is new', () => {
    const dir = tempDir();
    const path = join(dir, 'a.log');
    const fake = faultyFileSystem({});

    withFileSystem(fake, () => {
      appendToFile(path, 'a\n');
      appendToFile(path, 'b\n', { fsync: true });
      appendToFile(join(dir, 'new.log'), 'c\n', { fsync: true });
    });

    const syncs = fake.calls.filter((c) => c.call === 'fsyncSync').map((c) => c.path);
    assert.deepEqual(syncs, [path, join(dir, 'new.log'), dir]);
  });

  it('ENOSPC after a partial write cuts the file back to what it held before', () => {
    const path = join(tempDir(), 'metrics.jsonl');
    writeFileSync(path, '{"round":1}\n');
    let writes = 0;
    const fake = faultyFileSystem({ maxBytesPerWrite: 5, fail: (call) => (call === 'writeSync' && ++writes === 3 ? 'ENOSPC' : undefined) });

    assert.throws(
      () => withFileSystem(fake, () => appendToFile(path, '{"round":2,"loss":0.5}\n')),
      errorLike(OutputError, /cannot append to .*metrics\.jsonl: no space left on device \(ENOSPC\); the file is left as it was/),
    );
    assert.equal(readFileSync(path, 'utf8'), '{"round":1}\n');
  });

  it('a failure at any one call leaves the file as it was, or with the data appended whole', () => {
    const dir = tempDir();
    const path = join(dir, 'metrics.jsonl');
    const probe = faultyFileSystem({ maxBytesPerWrite: 4 });
    writeFileSync(join(dir, 'probe.jsonl'), '{"round":1}\n');
    withFileSystem(probe, () => appendToFile(join(dir, 'probe.jsonl'), '{"round":2}\n', { fsync: true }));

    for (let i = 1; i <= probe.calls.length; i++) {
      writeFileSync(path, '{"round":1}\n');
      const fake = faultyFileSystem({ maxBytesPerWrite: 4, fail: (_call, n) => (n === i ? 'EIO' : undefined) });

      assert.throws(() => withFileSystem(fake, () => appendToFile(path, '{"round":2}\n', { fsync: true })), errorLike(OutputError, /input\/output error \(EIO\)/));
      const text = readFileSync(path, 'utf8');
      assert.ok(text === '{"round":1}\n' || text === '{"round":1}\n{"round":2}\n', `call ${i} (${probe.calls[i - 1].call}): ${JSON.stringify(text)}`);
    }
  });

  it('says the end may be partial when even the cut fails', () => {
    const path = join(tempDir(), 'metrics.jsonl');
    writeFileSync(path, 'a\n');
    let writes = 0;
    const fake = faultyFileSystem({ maxBytesPerWrite: 2, fail: (call) => (call === 'ftruncateSync' ? 'EIO' : call === 'writeSync' && ++writes === 2 ? 'ENOSPC' : undefined) });

    assert.throws(() => withFileSystem(fake, () => appendToFile(path, 'bbbb\n')), errorLike(OutputError, /ENOSPC.*could not be cut back to its previous 2 bytes \(input\/output error \(EIO\)\): its end may be partial/));
    assert.equal(readFileSync(path, 'utf8'), 'a\nbb');
  });
});

describe('withFileSystem', () => {
  it('applies inside its function and what that awaits, and nowhere else, even when two run at once', async () => {
    const dir = tempDir();
    const a = faultyFileSystem({});
    const b = faultyFileSystem({});
    const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

    const run = (fake: typeof a, name: string) =>
      withFileSystem(fake, async () => {
        await tick();
        writeFileAtomic(join(dir, `${name}-1`), name);
        await tick();
        appendToFile(join(dir, `${name}-2`), name);
      });
    await Promise.all([run(a, 'a'), run(b, 'b')]);
    writeFileAtomic(join(dir, 'outside'), 'x');

    const files = (fake: typeof a): string[] => [...new Set(fake.calls.filter((c) => c.call === 'renameSync' || c.call === 'fstatSync').map((c) => c.path))];
    assert.deepEqual(files(a), [join(dir, 'a-1'), join(dir, 'a-2')]);
    assert.deepEqual(files(b), [join(dir, 'b-1'), join(dir, 'b-2')]);
    assert.equal(readFileSync(join(dir, 'outside'), 'utf8'), 'x');
  });
});
