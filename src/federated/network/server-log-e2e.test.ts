/**
 * End to end, with a real `jointly server` process: an unauthenticated peer sends a pre-hello
 * frame whose header carries about 1 MiB of unknown field names, and one whose unknown field
 * name holds a newline and a forged log line (`client client-a joined from 6.6.6.6`). The
 * server must stay up (a real client then finishes a round), log each refusal on one line of
 * server.log that is valid JSON with the peer's text cut, never let the peer start a line in
 * server.log or on stderr, and grow the log by far less than the peer sent.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDirFactory } from '../../engine/testing.js';
import { writeFrame } from '../protocol/frame.js';
import { FORMAT_VERSION } from '../protocol/messages.js';
import { PEER_TEXT_MAX } from '../protocol/peer-text.js';
import type { RoundRecord } from '../server/coordinator.js';
import { RawClient } from './testing.js';
import { federation } from './testing/federation-processes.js';

const tempDir = tempDirFactory('jointly-server-log-e2e-');
const FORGED = '2026-01-01T00:00:00.000Z client client-a joined from 6.6.6.6';

/** A hello frame with valid framing and fields, plus `unknown` header fields the schema does not know. */
function helloWithUnknownFields(unknown: Record<string, number>): Uint8Array {
  const fields = {
    protocolVersion: FORMAT_VERSION,
    clientId: 'client-a',
    token: 'not-a-token',
    capabilities: { backend: 'none', numExamples: 20, maxMessageBytes: 1 << 20, jointlyVersion: 'test' },
    ...unknown,
  };
  return writeFrame('hello', FORMAT_VERSION, fields, [], { maxMessageBytes: 4 << 20, maxHeaderBytes: 4 << 20 });
}

type Entry = Record<string, unknown> & { msg: string };

test('an unauthenticated peer\'s 1 MiB of unknown field names and a forged line: one short JSON line each, the server stays up', { timeout: 180_000 }, async () => {
  const fed = await federation(
    tempDir(),
    ['client-a'],
    { name: 'server-log', rounds: 1, sampling: { fraction: 1, minFit: 1, minAvailable: 1, roundTimeoutSeconds: 60 } },
    // A 1 MiB frame must reach the decoder, not be cut by the pre-hello size limit.
    { maxHelloKiB: 2048 },
  );
  const { server, runDir } = fed;
  const logPath = join(runDir, 'server.log');
  try {
    await server.waitFor(/listening on ws:/);
    const url = `ws://127.0.0.1:${fed.port}`;

    // (a) About 1 MiB of unknown field names in a header that is valid jointly framing.
    const names: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) names[`${'k'.repeat(990)}${String(i).padStart(6, '0')}`] = 0;
    const big = helloWithUnknownFields(names);
    assert.ok(big.byteLength > 1_000_000 && big.byteLength < 1 << 20, `frame of ${big.byteLength} bytes`);
    const a = await RawClient.connect(url);
    a.sendBytes(big);
    await a.closed;

    // (b) An unknown field name that holds a newline and a forged log line.
    const b = await RawClient.connect(url);
    b.sendBytes(helloWithUnknownFields({ [`x\n${FORGED}`]: 0 }));
    await b.closed;
    await server.waitFor(/6\.6\.6\.6/);

    // The server is still up: a real client joins and finishes the round.
    const client = fed.client('client-a');
    assert.equal(await server.exited, 0, server.lines.join('\n'));
    assert.equal(await client.exited, 0, client.lines.join('\n'));
    const history = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as RoundRecord);
    assert.deepEqual(history.map((r) => [r.round, r.replied]), [[1, ['client-a']]]);

    const text = readFileSync(logPath, 'utf8');
    const raw = text.split('\n').slice(0, -1);
    // Every line of server.log is one whole JSON object: no peer text started a line of its own.
    const entries = raw.map((l, i) => {
      try {
        return JSON.parse(l) as Entry;
      } catch {
        assert.fail(`server.log line ${i + 1} is not JSON: ${l.slice(0, 200)}`);
      }
    });
    // The last line (written just before the process exited) is on disk.
    assert.equal(entries.at(-1)?.event, 'finished', raw.slice(-3).join('\n'));

    // (a) is refused on one line: the peer's text cut to about PEER_TEXT_MAX characters, with a note.
    const bigLines = entries.filter((e) => e.msg.includes('kkkkkkkkkk'));
    assert.equal(bigLines.length, 1, bigLines.map((e) => e.msg.slice(0, 120)).join('\n'));
    const refusal = bigLines[0];
    const peerChars = (refusal.msg.match(/k/g) ?? []).length;
    assert.ok(peerChars <= PEER_TEXT_MAX + 100, `${peerChars} characters of the peer's field names in: ${refusal.msg.slice(0, 400)}…`);
    assert.match(refusal.msg, /more characters\)/);
    assert.ok(refusal.msg.length < 1000, `refusal line of ${refusal.msg.length} characters`);
    assert.match(String(refusal.remote), /^127\.0\.0\.1:\d+$/, 'a connection line carries the remote field');
    assert.equal(refusal.level, 'warn');

    // (b) is refused on one line, the newline escaped; the forged line appears nowhere as a line.
    const forgedLines = entries.filter((e) => e.msg.includes('6.6.6.6'));
    assert.equal(forgedLines.length, 1, forgedLines.map((e) => e.msg).join('\n'));
    assert.ok(forgedLines[0].msg.includes(`\\u000a${FORGED}`), forgedLines[0].msg);
    for (const e of entries) assert.ok(!e.msg.includes('\n') && !e.msg.startsWith(FORGED.slice(0, 24)), e.msg.slice(0, 200));
    for (const l of raw) assert.ok(!l.startsWith(FORGED.slice(0, 24)), l.slice(0, 200));
    for (const l of server.lines) {
      assert.ok(!l.startsWith(FORGED.slice(0, 24)), `stderr: ${l.slice(0, 200)}`);
      assert.ok(!/^\S+ client client-a joined from 6\.6\.6\.6/.test(l), `stderr: ${l.slice(0, 200)}`);
    }
    const joined = entries.filter((e) => e.event === 'joined');
    assert.equal(joined.length, 1);
    assert.match(joined[0].msg, /^client client-a joined from 127\.0\.0\.1:\d+ /);
    // The stderr line of (a) is short too.
    const stderrBig = server.lines.filter((l) => l.includes('kkkkkkkkkk'));
    assert.equal(stderrBig.length, 1);
    assert.ok(stderrBig[0].length < 1100, `stderr refusal line of ${stderrBig[0].length} characters`);

    // The peer sent over 1 MB; the whole log (startup, both refusals, the round) is a few KiB.
    const size = statSync(logPath).size;
    assert.ok(size < 32 * 1024, `server.log holds ${size} bytes`);
  } finally {
    for (const p of fed.procs) p.kill();
  }
});
