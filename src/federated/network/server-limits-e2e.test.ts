/**
 * End to end, with a real `jointly server` process on loopback and real `jointly client`s: the
 * server under the abuse issue 10 lists. Sockets holding partial 250 MiB frames before hello
 * cost it no memory; 1,100 idle sockets under a 1,024 descriptor limit do not lock registered
 * clients out; a revoked client is cut at once; a finished or signalled server exits within
 * seconds although an idle socket is held.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDirFactory } from '../../engine/testing.js';
import { jointlySync } from '../../cli/testing/processes.js';
import { federation as startFederation, type Federation } from './testing/federation-processes.js';
import type { RoundRecord } from '../server/coordinator.js';

const tempDir = tempDirFactory('jointly-limits-e2e-');
const federation = (ids: string[], config: Record<string, unknown>, server: Record<string, unknown>): Promise<Federation> => startFederation(tempDir(), ids, config, server);

function history(runDir: string): RoundRecord[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as RoundRecord);
}

/** Resident memory of a process, in MiB. */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

/** Open file descriptors of a process. */
function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** A TCP connection from `localAddress` (any 127.x.y.z works on Linux loopback); errors are kept, not thrown. */
function tcp(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress });
    s.once('connect', () => {
      s.on('error', () => undefined);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Upgrades a raw socket to WebSocket and starts a masked binary frame declaring `declared` bytes, then sends `bytes` of it. */
function partialFrame(socket: Socket, port: number, declared: number, bytes: number): void {
  socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const header = Buffer.alloc(14);
  header[0] = 0x82; // FIN, binary
  header[1] = 0x80 | 127; // masked, 64-bit length
  header.writeBigUInt64BE(BigInt(declared), 2);
  header.writeUInt32BE(0x01020304, 10); // mask key
  socket.write(header);
  const chunk = Buffer.alloc(64 * 1024, 7);
  for (let sent = 0; sent < bytes && !socket.destroyed; sent += chunk.length) socket.write(chunk);
}

test('20 sockets holding partial 250 MiB frames before hello leave the server under 500 MiB, and clients still finish', { timeout: 180_000 }, async () => {
  // Per-address cap raised so that all 20 get past the gate: this checks the pre-hello size limit itself.
  const fed = await federation(['a', 'b'], {}, { maxPendingPerAddress: 40 });
  const sockets: Socket[] = [];
  try {
    await fed.server.waitFor(/listening on ws:/);
    const pid = fed.server.child.pid ?? 0;
    const before = rssMiB(pid);
    const received: Buffer[][] = [];
    for (let i = 0; i < 20; i++) {
      const s = await tcp(fed.port);
      sockets.push(s);
      const got: Buffer[] = [];
      received.push(got);
      s.on('data', (b: Buffer) => got.push(b));
      partialFrame(s, fed.port, 250 * 1024 * 1024, 16 * 1024 * 1024);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const during = rssMiB(pid);
    // The server's close frame: 0x88, length 2+, status 1009 (message too big).
    const closedByServer = received.filter((chunks) => {
      const all = Buffer.concat(chunks);
      const at = all.indexOf(Buffer.from([0x88]), all.indexOf('\r\n\r\n'));
      return at >= 0 && all.readUInt16BE(at + 2) === 1009;
    }).length;
    const clients = [fed.client('a'), fed.client('b')];

    assert.equal(await fed.server.exited, 0, fed.server.lines.join('\n'));
    for (const c of clients) assert.equal(await c.exited, 0, c.lines.join('\n'));
    assert.ok(during < 500, `server RSS ${during.toFixed(0)} MiB (before: ${before.toFixed(0)} MiB)`);
    assert.ok(during - before < 150, `the partial frames cost ${(during - before).toFixed(0)} MiB`);
    assert.equal(closedByServer, 20, 'each connection is closed (1009) once its frame header declares more than server.maxHelloKiB');
    assert.deepEqual(history(fed.runDir).map((r) => r.replied), [['a', 'b'], ['a', 'b']]);
  } finally {
    for (const s of sockets) s.destroy();
    for (const p of fed.procs) p.kill();
  }
});

test('1,100 idle sockets from 20 addresses under a 1,024 descriptor limit: two real clients still finish their rounds', { timeout: 240_000 }, async (t) => {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
  } catch {
    t.skip('prlimit (util-linux) is not installed');
    return;
  }
  const fed = await federation(['a', 'b'], { rounds: 3 }, { handshakeTimeoutSeconds: 5 });
  const sockets: Socket[] = [];
  try {
    const pid = fed.server.child.pid ?? 0;
    execFileSync('prlimit', ['--pid', String(pid), '--nofile=1024:1024']);
    assert.match(readFileSync(`/proc/${pid}/limits`, 'utf8'), /Max open files\s+1024\s+1024/);
    await fed.server.waitFor(/listening on ws:/);
    // 55 idle sockets from each of 127.0.0.2 ... 127.0.0.21; they never send a byte.
    for (let a = 2; a <= 21; a++) {
      const opened = await Promise.allSettled(Array.from({ length: 55 }, () => tcp(fed.port, `127.0.0.${a}`)));
      for (const o of opened) if (o.status === 'fulfilled') sockets.push(o.value);
    }
    const fdsUnderAttack = openFds(pid);
    const clients = [fed.client('a'), fed.client('b')];

    assert.equal(await fed.server.exited, 0, fed.server.lines.join('\n'));
    for (const c of clients) assert.equal(await c.exited, 0, c.lines.join('\n'));
    assert.ok(sockets.length >= 1000, `${sockets.length} idle sockets connected`);
    assert.ok(fdsUnderAttack < 400, `the server held ${fdsUnderAttack} descriptors under the attack`);
    assert.deepEqual(history(fed.runDir).map((r) => r.replied), [['a', 'b'], ['a', 'b'], ['a', 'b']]);
    assert.ok(fed.server.lines.some((l) => /closing new connections.*server\.maxPending/.test(l)), 'the refusals at accept are logged');
  } finally {
    for (const s of sockets) s.destroy();
    for (const p of fed.procs) p.kill();
  }
});

test('revoking a connected client cuts its live connection at once; its replies are not aggregated again', { timeout: 180_000 }, async () => {
  // Rounds take milliseconds here: far more than can finish while the revocation is made; the server is stopped after.
  const fed = await federation(['a', 'b', 'c'], { rounds: 100_000, sampling: { fraction: 1, minFit: 2, minAvailable: 3, roundTimeoutSeconds: 60 } }, {});
  try {
    await fed.server.waitFor(/listening on ws:/);
    const clients = ['a', 'b', 'c'].map((id) => fed.client(id));
    await fed.server.waitFor(/round 2 done/);
    jointlySync('token', 'revoke', 'c', '--tokens', fed.tokensPath);
    const revokedAt = Date.now();
    const cExit = await clients[2].exited;
    const secondsToCut = (Date.now() - revokedAt) / 1000;

    assert.equal(cExit, 10, clients[2].lines.join('\n'));
    assert.ok(secondsToCut < 10, `the revoked client was cut after ${secondsToCut.toFixed(1)} s`);
    assert.ok(clients[2].lines.some((l) => /no longer authorized/.test(l)), clients[2].lines.join('\n'));
    const roundAtCut = Math.max(...fed.server.lines.map((l) => Number(/round (\d+) done/.exec(l)?.[1] ?? 0)));
    // A few more rounds without c, then stop the server (it checkpoints and exits 130).
    await fed.server.waitFor(new RegExp(`round ${roundAtCut + 5} done`));
    fed.server.kill('SIGTERM');
    assert.equal(await fed.server.exited, 130, fed.server.lines.join('\n'));
    const rounds = history(fed.runDir);
    const cutRound = rounds.findIndex((r) => !r.sampled.includes('c'));
    assert.ok(cutRound > 0, 'c stops being sampled');
    assert.ok(rounds.slice(cutRound).every((r) => !r.replied.includes('c') && !r.sampled.includes('c')), 'no round after the revocation includes c');
    assert.ok(fed.server.lines.some((l) => /client 'c' disconnected: .*revoked/.test(l)), fed.server.lines.join('\n'));
    assert.ok(rounds.length > cutRound + 3, 'the run went on with a and b');
  } finally {
    for (const p of fed.procs) p.kill();
  }
});

test('a finished server exits within 10 s while an idle socket and an idle HTTP connection are held, after writing its report', { timeout: 180_000 }, async () => {
  // A long handshake deadline, so that only shutdown can close the idle sockets.
  const fed = await federation(['a', 'b'], {}, { handshakeTimeoutSeconds: 600 });
  const held: Socket[] = [];
  try {
    await fed.server.waitFor(/listening on ws:/);
    held.push(await tcp(fed.port));
    const http = await tcp(fed.port);
    http.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
    held.push(http);
    const clients = [fed.client('a'), fed.client('b')];
    await fed.server.waitFor(/round 2 done/);
    const doneAt = Date.now();
    const code = await fed.server.exited;
    const seconds = (Date.now() - doneAt) / 1000;

    assert.equal(code, 0, fed.server.lines.join('\n'));
    assert.ok(seconds < 10, `exited ${seconds.toFixed(1)} s after its last round`);
    assert.ok(existsSync(join(fed.runDir, 'report.md')));
    for (const c of clients) assert.equal(await c.exited, 0, c.lines.join('\n'));
  } finally {
    for (const s of held) s.destroy();
    for (const p of fed.procs) p.kill();
  }
});

test('SIGTERM stops a waiting server within 10 s while an idle socket is held', { timeout: 120_000 }, async () => {
  const fed = await federation(['a', 'b'], {}, { handshakeTimeoutSeconds: 600 });
  let idle: Socket | undefined;
  try {
    await fed.server.waitFor(/listening on ws:/);
    idle = await tcp(fed.port);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stoppedAt = Date.now();
    fed.server.kill('SIGTERM');
    const code = await fed.server.exited;

    assert.equal(code, 130, fed.server.lines.join('\n'));
    assert.ok((Date.now() - stoppedAt) / 1000 < 10);
  } finally {
    idle?.destroy();
    for (const p of fed.procs) p.kill();
  }
});
