/**
 * Tests of the JSON-lines log: the line format on the console and in the file, escaping and
 * cutting, size rotation, write failures injected through the file-system seam (ENOSPC with a
 * short write, a failed rename, a stalled disk) and a real ENOSPC from /dev/full, and the
 * per-connection rate limit with its suppressed-line counts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDirFactory } from '../engine/testing.js';
import { nodeLogFileSystem, openJsonLog, type JsonLogOptions, type LogFileHandle, type LogFileSystem } from './json-log.js';

const tempDir = tempDirFactory('jointly-json-log-');
const T0 = Date.parse('2026-03-01T10:00:00.000Z');

type Entry = Record<string, unknown> & { msg: string; level: string; time: string };

/** A log on a fresh folder with a settable clock and a captured console. */
function setup(extra: Partial<JsonLogOptions> = {}): { file: string; clock: { t: number }; console: string[]; log: ReturnType<typeof openJsonLog> } {
  const file = join(tempDir(), 'server.log');
  const clock = { t: T0 };
  const console: string[] = [];
  const log = openJsonLog({ file, now: () => clock.t, console: (text) => console.push(text), ...extra });
  return { file, clock, console, log };
}

function fileLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(0, -1) : [];
}

function entries(path: string): Entry[] {
  return fileLines(path).map((l) => JSON.parse(l) as Entry);
}

function errno(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected failure, ${syscall}`), { code, syscall });
}

/**
 * The real file system with faults a test switches on: a disk that takes `spaceLeft` more
 * bytes (a write beyond it is short, the next one fails with ENOSPC), failing renames, and
 * writes that wait for `stall` to resolve.
 */
class FaultyFs implements LogFileSystem {
  spaceLeft: number | undefined;
  renameError: string | undefined;
  stall: Promise<void> | undefined;
  writeCalls = 0;

  async openAppend(path: string): Promise<LogFileHandle> {
    const real = await nodeLogFileSystem.openAppend(path);
    return {
      write: async (data) => {
        this.writeCalls++;
        if (this.stall !== undefined) await this.stall;
        if (this.spaceLeft === undefined) return real.write(data);
        if (this.spaceLeft === 0) throw errno('ENOSPC', 'write');
        const n = await real.write(data.subarray(0, Math.min(data.byteLength, this.spaceLeft)));
        this.spaceLeft -= n;
        return n;
      },
      close: () => real.close(),
    };
  }

  size(path: string): Promise<number> {
    return nodeLogFileSystem.size(path);
  }

  async rename(from: string, to: string): Promise<void> {
    if (this.renameError !== undefined) throw errno(this.renameError, 'rename');
    return nodeLogFileSystem.rename(from, to);
  }
}

test('each line is one JSON object (level, time, fields, msg) in the file and `<time> <line>` on the console', async () => {
  const { file, clock, console, log } = setup();

  log.log('listening on ws://127.0.0.1:8765');
  clock.t += 1500;
  log.log('round 1 started with 2 client(s)', { event: 'round-start', round: 1 });
  log.log('refused 10.0.0.1:5000: unknown client', { level: 'warn', event: 'refused', remote: '10.0.0.1:5000', clientId: 'x', time: 'peer says', ok: false });
  await log.close();

  assert.deepEqual(console, [
    '2026-03-01T10:00:00.000Z listening on ws://127.0.0.1:8765\n',
    '2026-03-01T10:00:01.500Z round 1 started with 2 client(s)\n',
    '2026-03-01T10:00:01.500Z refused 10.0.0.1:5000: unknown client\n',
  ]);
  const lines = fileLines(file);
  assert.equal(lines.length, 3);
  assert.deepEqual(JSON.parse(lines[0]), { level: 'info', time: '2026-03-01T10:00:00.000Z', msg: 'listening on ws://127.0.0.1:8765' });
  assert.deepEqual(JSON.parse(lines[1]), { level: 'info', time: '2026-03-01T10:00:01.500Z', event: 'round-start', round: 1, msg: 'round 1 started with 2 client(s)' });
  // A field named like one pino writes is kept under another name, not written twice.
  assert.deepEqual(JSON.parse(lines[2]), {
    level: 'warn',
    time: '2026-03-01T10:00:01.500Z',
    event: 'refused',
    remote: '10.0.0.1:5000',
    clientId: 'x',
    'field.time': 'peer says',
    ok: false,
    msg: 'refused 10.0.0.1:5000: unknown client',
  });
  assert.equal((lines[2].match(/"time"/g) ?? []).length, 1);

  // After close the console still has the lines; nothing throws.
  log.log('late line');
  assert.equal(console.at(-1), '2026-03-01T10:00:01.500Z late line\n');
  assert.equal(fileLines(file).length, 3);
});

test('control characters cannot start a line on the console or in the file, and a huge line is cut', async () => {
  const { file, console, log } = setup({ maxLineChars: 1000 });
  const forged = 'refused: unknown field(s) \'x\n2026-01-01T00:00:00.000Z client client-a joined from 6.6.6.6\r\u2028\'';

  log.log(forged, { remote: '6.6.6.6:1', reason: 'a\nb' });
  log.log(`refused: ${'y'.repeat(50_000)}`, { detail: 'z'.repeat(5000) });
  await log.close();

  assert.equal(console.length, 2);
  for (const text of console) assert.equal(text.indexOf('\n'), text.length - 1, JSON.stringify(text.slice(0, 120)));
  assert.match(console[0], /'x\\u000a2026-01-01T00:00:00\.000Z client client-a joined from 6\.6\.6\.6\\u000d\\u2028'/);
  const [first, second] = entries(file);
  assert.equal(fileLines(file).length, 2);
  assert.equal(first.msg, console[0].slice(25, -1), 'the file has the console line');
  assert.ok(!first.msg.includes('\n') && !first.msg.includes('\r'));
  // String fields are data: JSON escapes them in the file, the reader gets the value back.
  assert.equal(first.reason, 'a\nb');
  assert.equal(second.msg, `refused: ${'y'.repeat(991)}…(49009 more characters)`);
  assert.equal(second.detail, `${'z'.repeat(1000)}…(4000 more characters)`);
  assert.ok(statSync(file).size < 3000, `file of ${statSync(file).size} bytes`);
});

test('the file is rotated before it passes maxBytes, keeping `files` old ones with the newest lines', async () => {
  const { file, log } = setup({ maxBytes: 1000, files: 2 });

  for (let i = 0; i < 60; i++) log.log(`line ${i} ${'.'.repeat(i % 7)}`, { event: 'test', i });
  await log.close();

  assert.ok(existsSync(`${file}.1`) && existsSync(`${file}.2`));
  assert.ok(!existsSync(`${file}.3`), 'only 2 old files are kept');
  for (const f of [file, `${file}.1`, `${file}.2`]) assert.ok(statSync(f).size <= 1000, `${f}: ${statSync(f).size} bytes`);
  // Oldest to newest, the kept lines are consecutive and end with the last one.
  const kept = [`${file}.2`, `${file}.1`, file].flatMap((f) => entries(f)).map((e) => e.i as number);
  assert.ok(kept.length >= 20, `${kept.length} lines kept`);
  assert.deepEqual(kept, Array.from({ length: kept.length }, (_, k) => 60 - kept.length + k));

  // A log reopened on the same file (a resumed run) appends, counting the bytes already there.
  const before = statSync(file).size;
  const again = openJsonLog({ file, maxBytes: 1000, files: 2, console: () => undefined });
  again.log('resumed');
  await again.close();
  const after = statSync(file).size;
  assert.ok(after <= 1000, `${after} bytes`);
  if (after > before) assert.equal(entries(file).at(-1)?.msg, 'resumed');
  else assert.deepEqual(entries(file).map((e) => e.msg), ['resumed'], 'rotated because the line did not fit');
});

test('ENOSPC after a short write: no throw, said once on the console, the console continues, the file is retried and notes what it missed', async () => {
  const fs = new FaultyFs();
  const { file, clock, console, log } = setup({ fs, retrySeconds: 30 });
  for (let i = 0; i < 3; i++) log.log(`before ${i}`);
  await log.flush();

  // The disk takes 40 more bytes: the next line is torn, the one after fails outright.
  fs.spaceLeft = 40;
  assert.doesNotThrow(() => log.log('this line is cut by the full disk'));
  await log.flush();
  const notices = console.filter((l) => /cannot write/.test(l));
  assert.equal(notices.length, 1, console.join(''));
  assert.ok(notices[0].includes(file) && /ENOSPC/.test(notices[0]) && /suspended/.test(notices[0]) && /console continues/.test(notices[0]) && /again in 30 s/.test(notices[0]), notices[0]);

  // While suspended, lines reach the console only and the disk is left alone.
  const calls = fs.writeCalls;
  clock.t += 10_000;
  for (let i = 0; i < 5; i++) log.log(`during ${i}`);
  await log.flush();
  assert.equal(fs.writeCalls, calls);
  assert.equal(console.filter((l) => /during \d/.test(l)).length, 5);

  // At the retry time the disk is still full: the file is tried, and the failure not said again.
  clock.t += 30_000;
  log.log('retry while full');
  await log.flush();
  assert.ok(fs.writeCalls > calls, 'the file was tried again');
  assert.equal(console.filter((l) => /cannot write/.test(l)).length, 1);

  // Space is freed; after the next retry time the next line is written, after a note of what was missed.
  fs.spaceLeft = undefined;
  clock.t += 30_000;
  log.log('after');
  await log.close();
  assert.equal(console.filter((l) => /cannot write/.test(l)).length, 1, 'the failure is said once');
  assert.equal(console.filter((l) => /writing the log file again after ENOSPC/.test(l)).length, 1, console.join(''));

  const lines = fileLines(file);
  assert.equal(lines.length, 6, lines.join('\n'));
  assert.deepEqual(lines.slice(0, 3).map((l) => (JSON.parse(l) as Entry).msg), ['before 0', 'before 1', 'before 2']);
  // The torn line ends where the disk did, on a line of its own; every other line is whole JSON.
  assert.equal(Buffer.byteLength(lines[3]), 40);
  assert.throws(() => JSON.parse(lines[3]) as unknown);
  const notice = JSON.parse(lines[4]) as Entry;
  assert.equal(notice.event, 'log-lines-lost');
  assert.equal(notice.lost, 7, 'the torn line, the 5 lines during the failure and the failed retry');
  assert.match(notice.msg, /7 lines were not written to this file since 2026-03-01T10:00:00\.000Z \(ENOSPC: injected failure, write\)/);
  assert.equal((JSON.parse(lines[5]) as Entry).msg, 'after');
});

test('a failed rotation (rename refused) suspends the file like a failed write, and the next retry rotates', async () => {
  const fs = new FaultyFs();
  const { file, clock, console, log } = setup({ fs, maxBytes: 400, files: 1, retrySeconds: 5 });
  fs.renameError = 'EIO';

  for (let i = 0; i < 10; i++) assert.doesNotThrow(() => log.log(`line ${i} ${'-'.repeat(40)}`));
  await log.flush();
  assert.equal(console.filter((l) => /cannot write the log file \(EIO: injected failure, rename\)/.test(l)).length, 1, console.join(''));
  assert.ok(statSync(file).size <= 400);
  assert.ok(!existsSync(`${file}.1`));

  fs.renameError = undefined;
  clock.t += 5000;
  log.log('after the retry');
  await log.close();
  assert.ok(existsSync(`${file}.1`), 'rotated at the retry');
  const current = entries(file);
  const written = entries(`${file}.1`).length;
  assert.equal(current[0].event, 'log-lines-lost');
  assert.equal(current[0].lost, 10 - written, 'every line is in a file or counted');
  assert.equal(current.at(-1)?.msg, 'after the retry');
});

test('a stalled disk never blocks the caller: lines beyond the queue bound are dropped and counted', async () => {
  const fs = new FaultyFs();
  let release = (): void => undefined;
  fs.stall = new Promise((resolve) => (release = resolve));
  const { file, console, log } = setup({ fs, maxQueuedBytes: 2000 });

  for (let i = 0; i < 100; i++) log.log(`line ${i} ${'.'.repeat(60)}`);
  // The first chunk is being written (the write is stalled) while the caller goes on.
  for (let waited = 0; fs.writeCalls === 0 && waited < 10_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(fs.writeCalls, 1);
  for (let i = 100; i < 105; i++) log.log(`line ${i} ${'.'.repeat(60)}`);
  assert.equal(console.length, 105, 'the console has every line at once');
  release();
  await log.close();

  const lines = entries(file);
  const notice = lines.find((e) => e.event === 'log-lines-lost');
  assert.ok(notice !== undefined, lines.map((e) => e.msg).join('\n'));
  assert.match(notice.msg, /more than 2000 bytes were waiting for the disk/);
  const written = lines.filter((e) => e.event === undefined);
  assert.ok(written.length > 10, `${written.length} lines written`);
  assert.equal(written.length + (notice.lost as number), 105, 'every line is written or counted');
  assert.deepEqual(written.slice(-5).map((e) => e.msg.split(' ')[1]), ['100', '101', '102', '103', '104'], 'lines after the stall are written');
});

test('a real ENOSPC (/dev/full) is said once and never reaches the caller', { skip: !existsSync('/dev/full') }, async () => {
  const console: string[] = [];
  const log = openJsonLog({ file: '/dev/full', console: (t) => console.push(t) });

  for (let i = 0; i < 50; i++) assert.doesNotThrow(() => log.log(`line ${i}`, { remote: `127.0.0.1:${i}` }));
  await log.close();

  assert.equal(console.filter((l) => /\/dev\/full: cannot write the log file \(ENOSPC/.test(l)).length, 1, console.join(''));
  assert.equal(console.filter((l) => /line \d+\n$/.test(l)).length, 50);
  assert.match(console.at(-1) ?? '', /\/dev\/full: \d+ lines were not written to the log file \(ENOSPC/);
});

test('lines of one connection are rate limited (burst, then per second), with the suppressed count logged; other lines never', async () => {
  const { file, clock, console, log } = setup({ rateLimit: { burst: 20, perSecond: 5 } });

  for (let i = 0; i < 100; i++) log.log(`from a ${i}`, { remote: '6.6.6.6:1' });
  for (let i = 0; i < 50; i++) log.log(`server ${i}`);
  for (let i = 0; i < 20; i++) log.log(`from b ${i}`, { remote: '6.6.6.6:2' });
  assert.equal(console.filter((l) => / from a /.test(l)).length, 20);
  assert.equal(console.filter((l) => / server /.test(l)).length, 50, 'lines without remote are never dropped');
  assert.equal(console.filter((l) => / from b /.test(l)).length, 20, 'each connection has its own bucket');

  clock.t += 1000;
  for (let i = 100; i < 110; i++) log.log(`from a ${i}`, { remote: '6.6.6.6:1' });
  await log.close();

  const a = console.filter((l) => /6\.6\.6\.6:1|from a/.test(l)).map((l) => l.slice(25, -1));
  assert.deepEqual(a.slice(20), [
    '80 lines from 6.6.6.6:1 suppressed (rate limit: 20 at once, 5 per second per connection)',
    'from a 100',
    'from a 101',
    'from a 102',
    'from a 103',
    'from a 104',
    '5 lines from 6.6.6.6:1 suppressed (rate limit: 20 at once, 5 per second per connection)',
  ]);
  // The file has exactly the console's lines.
  const inFile = entries(file);
  assert.deepEqual(inFile.map((e) => e.msg), console.map((l) => l.slice(25, -1)));
  const summary = inFile.find((e) => e.event === 'log-suppressed');
  assert.deepEqual({ ...summary, time: undefined }, { level: 'warn', time: undefined, event: 'log-suppressed', remote: '6.6.6.6:1', suppressed: 80, msg: summary?.msg });
});

test('a connection that went quiet has its suppressed count logged by the next sweep, and flush reports the rest', async () => {
  const { clock, console, log } = setup({ rateLimit: { burst: 2, perSecond: 1 } });

  for (let i = 0; i < 7; i++) log.log(`flood ${i}`, { remote: 'q:1' });
  for (let i = 0; i < 4; i++) log.log(`other ${i}`, { remote: 'q:2' });
  clock.t += 11_000;
  log.log('a later server line');
  assert.deepEqual(console.slice(-3).map((l) => l.slice(25, -1)), [
    '5 lines from q:1 suppressed (rate limit: 2 at once, 1 per second per connection)',
    '2 lines from q:2 suppressed (rate limit: 2 at once, 1 per second per connection)',
    'a later server line',
  ]);

  for (let i = 0; i < 3; i++) log.log(`again ${i}`, { remote: 'q:1' });
  await log.flush();
  assert.equal(console.at(-1)?.slice(25, -1), '1 line from q:1 suppressed (rate limit: 2 at once, 1 per second per connection)');
  await log.close();
});
