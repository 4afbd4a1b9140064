/** The audit log writer: one JSON line per event with seq and time, appended, never truncated, sequence continued after a restart. */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDirFactory } from '../../engine/testing.js';
import { OutputError } from '../../errors.js';
import { openAuditLog } from './audit-log.js';

const tempDir = tempDirFactory('jointly-audit-');

function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('openAuditLog', () => {
  it('writes one line per event with seq from 1 and an ISO time, mode 0600', () => {
    const path = join(tempDir(), 'audit.jsonl');
    const log = openAuditLog(path, { now: () => new Date('2025-01-02T03:04:05.000Z') });

    log.record({ event: 'join', clientId: 'a', method: 'key', remote: '127.0.0.1:5' });
    log.record({ event: 'refuse', code: 'auth', authCode: 'badSignature', reason: 'no', remote: '127.0.0.1:6', clientId: 'b' });
    log.sync();
    log.close();

    assert.deepEqual(lines(path), [
      { seq: 1, time: '2025-01-02T03:04:05.000Z', event: 'join', clientId: 'a', method: 'key', remote: '127.0.0.1:5' },
      { seq: 2, time: '2025-01-02T03:04:05.000Z', event: 'refuse', code: 'auth', authCode: 'badSignature', reason: 'no', remote: '127.0.0.1:6', clientId: 'b' },
    ]);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('appends on reopen (a resumed run) and continues the sequence', () => {
    const path = join(tempDir(), 'audit.jsonl');
    const first = openAuditLog(path);
    first.record({ event: 'round', round: 1, sampled: ['a', 'b'], aggregated: ['a'], failed: [{ clientId: 'b', reason: 'late' }] });
    first.close();

    const second = openAuditLog(path);
    second.record({ event: 'round', round: 2, sampled: ['a'], aggregated: ['a'], failed: [] });
    second.close();

    const got = lines(path);
    assert.deepEqual(got.map((l) => [l.seq, l.round]), [[1, 1], [2, 2]]);
    assert.deepEqual(got[0].failed, [{ clientId: 'b', reason: 'late' }]);
  });

  it('closes a line torn by a crash and keeps counting from the last whole line', () => {
    const path = join(tempDir(), 'audit.jsonl');
    writeFileSync(path, `${JSON.stringify({ seq: 7, time: 't', event: 'stop', round: 3, finished: false })}\n{"seq":8,"ti`);

    const log = openAuditLog(path);
    log.record({ event: 'start', runId: 'r', url: 'ws://x', resumed: true });
    log.close();

    const text = readFileSync(path, 'utf8').split('\n');
    assert.equal(text[1], '{"seq":8,"ti', 'the torn line is kept, not truncated');
    assert.equal((JSON.parse(text[2]) as { seq: number }).seq, 8);
  });

  it('never throws on a failed write: it reports once (a full disk, /dev/full)', { skip: existsSync('/dev/full') ? false : 'no /dev/full' }, () => {
    const errors: string[] = [];
    const log = openAuditLog('/dev/full', { onError: (m) => errors.push(m) });

    log.record({ event: 'round-refused', round: 1, reason: 'x' });
    log.record({ event: 'round-refused', round: 2, reason: 'y' });
    log.close();

    assert.equal(errors.length, 1);
    assert.match(errors[0], /audit log \/dev\/full: .*ENOSPC/);
  });

  it('refuses a path it cannot open with an OutputError', () => {
    const dir = tempDir();
    chmodSync(dir, 0o500);
    try {
      if (process.getuid?.() === 0) return; // root writes anywhere
      assert.throws(() => openAuditLog(join(dir, 'audit.jsonl')), (e: unknown) => e instanceof OutputError && /cannot open the audit log/.test(e.message));
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});
