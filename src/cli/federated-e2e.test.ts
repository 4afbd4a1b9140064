/**
 * End to end, with real processes on loopback: a `jointly server`, three `jointly client`s, a
 * client that sends malformed replies, and one with a wrong token. One client is killed in the
 * middle of round 2. Then the server is restarted with --resume for two more rounds, killed in
 * the middle of round 4, and resumed again: every restart must continue from exactly the
 * parameters its checkpoint holds, and no round may be lost or counted twice.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDirFactory } from '../engine/testing.js';
import { CLI, freePort, jointlySync, Proc, ROOT } from './testing/processes.js';
import type { RoundRecord } from '../federated/server/coordinator.js';

const MISBEHAVING = fileURLToPath(new URL('../federated/network/testing/misbehaving-client.js', import.meta.url));
const tempDir = tempDirFactory('jointly-fed-e2e-');

function readHistory(runDir: string): RoundRecord[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as RoundRecord);
}

test('server and client processes: 3 rounds despite a killed client, a malformed reply and a bad token; --resume continues exactly', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const tokensPath = join(dir, 'tokens.json');
  const tokens: Record<string, string> = {};
  for (const id of ['client-a', 'client-b', 'client-c', 'client-m']) tokens[id] = jointlySync('token', 'add', id, '--tokens', tokensPath, '--quiet');
  const serverConfig = join(dir, 'server.json');
  writeFileSync(
    serverConfig,
    JSON.stringify({
      mode: 'federated',
      name: 'e2e',
      seed: 3,
      backend: 'wasm',
      data: { dataset: 'mnist', maxTrainSamples: 1500 },
      model: { type: 'mlp', hidden: [32] },
      optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
      // Several local epochs, so that a round lasts long enough to kill a client in its middle.
      strategy: { name: 'fedavg', localEpochs: 8, batchSize: 16 },
      rounds: 3,
      sampling: { fraction: 1, minFit: 2, minAvailable: 4, roundTimeoutSeconds: 60 },
      server: { heartbeatSeconds: 2 },
    }),
  );
  const runDir = join(dir, 'run');
  const clientConfig = (id: string, index: number, port: number): string => {
    const path = join(dir, `${id}.json`);
    writeFileSync(path, JSON.stringify({ mode: 'client', server: `ws://127.0.0.1:${port}`, id, backend: 'wasm', data: { dataset: 'mnist', maxTrainSamples: 1500 }, shard: { of: 3, index }, maxRetries: 8 }));
    return path;
  };
  const procs: Proc[] = [];
  const start = (name: string, args: string[], env: Record<string, string> = {}): Proc => {
    const p = new Proc(name, args, env);
    procs.push(p);
    return p;
  };
  try {
    // Phase 1: three rounds.
    const server = start('server', [CLI, 'server', serverConfig, '--port', '0', '--tokens', tokensPath, '--out', runDir]);
    const port = Number(/listening on ws:\/\/127\.0\.0\.1:(\d+)/.exec(await server.waitFor(/listening on ws:/))?.[1]);
    assert.ok(port > 0);
    const clients = ['client-a', 'client-b', 'client-c'].map((id, i) => start(id, [CLI, 'client', clientConfig(id, i, port)], { JOINTLY_TOKEN: tokens[id] }));
    const misbehaving = start('client-m', [MISBEHAVING, `ws://127.0.0.1:${port}`, 'client-m', tokens['client-m'], 'wrong-shape']);
    const intruder = start('intruder', [CLI, 'client', clientConfig('client-x', 0, port)], { JOINTLY_TOKEN: 'not-a-token' });

    // The unauthenticated client is refused, before any parameters, and exits with AUTH_REFUSED.
    assert.equal(await intruder.exited, 10, intruder.lines.join('\n'));
    assert.ok(intruder.lines.some((l) => /AUTH_REFUSED/.test(l)));
    assert.ok(!intruder.lines.some((l) => /trained on/.test(l)));
    await server.waitFor(/refused .*client 'client-x' refused: unknown client/);

    // Kill client-a in the middle of round 2: after the round started, before it replied.
    await server.waitFor(/round 2 started/);
    clients[0].kill('SIGKILL');
    assert.equal(await server.exited, 0, server.lines.join('\n'));
    for (const c of clients.slice(1)) assert.equal(await c.exited, 0, c.lines.join('\n'));
    await misbehaving.exited;

    const history = readHistory(runDir);
    assert.deepEqual(history.map((r) => r.round), [1, 2, 3]);
    assert.deepEqual(history[0].replied, ['client-a', 'client-b', 'client-c']);
    for (const r of history) {
      // The malformed reply is refused every round, with the reason, and the round goes on.
      const bad = r.failures.find((f) => f.clientId === 'client-m');
      assert.ok(bad !== undefined && /refused reply: .*shape/.test(bad.reason), JSON.stringify(r.failures));
      assert.equal(r.refused, undefined);
      assert.ok((r.evaluation?.accuracy ?? 0) > 0.5, `round ${r.round} accuracy ${r.evaluation?.accuracy}`);
    }
    const killed = history[1].failures.find((f) => f.clientId === 'client-a');
    assert.ok(killed !== undefined && /disconnected during round 2/.test(killed.reason), JSON.stringify(history[1].failures));
    assert.deepEqual(history[1].replied, ['client-b', 'client-c']);
    assert.deepEqual(history[2].replied, ['client-b', 'client-c']);
    assert.ok(misbehaving.lines.some((l) => /received error: wrongShape/.test(l)), misbehaving.lines.join('\n'));
    assert.ok(server.lines.some((l) => /client-m: refused message \(wrongShape\)/.test(l)));

    // Phase 2: --resume for two more rounds, on a fixed port so that clients can reconnect;
    // the server is killed in the middle of round 4 and resumed again.
    const fixedPort = await freePort();
    const resumeArgs = [CLI, 'server', serverConfig, '--port', String(fixedPort), '--tokens', tokensPath, '--out', runDir, '--resume', '--rounds', '5'];
    const resumed = start('server-2', resumeArgs);
    await resumed.waitFor(/resumed from .* after round 3/);
    await resumed.waitFor(/listening on ws:/);
    const rejoined = ['client-a', 'client-b', 'client-c'].map((id, i) => start(`${id}-2`, [CLI, 'client', clientConfig(id, i, fixedPort)], { JOINTLY_TOKEN: tokens[id] }));
    start('client-m-2', [MISBEHAVING, `ws://127.0.0.1:${fixedPort}`, 'client-m', tokens['client-m'], 'nan']);
    const round4 = await resumed.waitFor(/round 4 started/);
    assert.match(round4, new RegExp(`\\(params ${history[2].paramsChecksum}\\)`), 'round 4 must start from the parameters round 3 ended with');
    assert.ok(!resumed.lines.some((l) => /round [123] started/.test(l)), 'no completed round may run again');
    resumed.kill('SIGKILL');
    await resumed.exited;

    const again = start('server-3', resumeArgs);
    await again.waitFor(/listening on ws:/);
    start('client-m-3', [MISBEHAVING, `ws://127.0.0.1:${fixedPort}`, 'client-m', tokens['client-m'], 'nan']);
    const round4again = await again.waitFor(/round 4 started/);
    assert.match(round4again, new RegExp(`\\(params ${history[2].paramsChecksum}\\)`), 'the killed round 4 restarts from the checkpoint');
    assert.equal(await again.exited, 0, again.lines.join('\n'));
    for (const c of rejoined) assert.equal(await c.exited, 0, c.lines.join('\n'));
    assert.ok(rejoined.every((c) => c.lines.some((l) => /connection lost/.test(l))), 'the clients reconnected to the restarted server');
    const after = readHistory(runDir);
    assert.deepEqual(after.map((r) => r.round), [1, 2, 3, 4, 5], 'no round lost or counted twice');
    assert.deepEqual(after.slice(0, 3), history, 'the resumed run keeps the first three rounds as they were');
    assert.deepEqual(after[3].replied, ['client-a', 'client-b', 'client-c']);
    const nan = after[3].failures.find((f) => f.clientId === 'client-m');
    assert.ok(nan !== undefined && /non-finite|NaN/i.test(nan.reason), JSON.stringify(after[3].failures));
  } finally {
    for (const p of procs) p.kill();
  }
});

test('simulate: SIGTERM checkpoints and exits 130; --resume finishes with exactly the clean run\'s rounds', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const config = join(dir, 'sim.json');
  writeFileSync(
    config,
    JSON.stringify({
      mode: 'federated',
      name: 'sim-e2e',
      seed: 5,
      data: { dataset: 'mnist', maxTrainSamples: 1200 },
      model: { type: 'mlp', hidden: [32] },
      optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
      strategy: { name: 'fedadam', localEpochs: 6, batchSize: 16 },
      rounds: 6,
      sampling: { fraction: 0.5, minFit: 2 },
      simulation: { clients: 6, partition: { method: 'dirichlet', alpha: 0.5 }, workers: 2, baselines: { localOnly: false, pooled: false } },
    }),
  );
  const clean = join(dir, 'clean');
  const stopped = join(dir, 'stopped');
  const cleanRun = new Proc('clean', [CLI, 'simulate', config, '--out', clean]);
  assert.equal(await cleanRun.exited, 0, cleanRun.lines.join('\n'));

  const interrupted = new Proc('interrupted', [CLI, 'simulate', config, '--out', stopped]);
  await interrupted.waitFor(/round 2\/6 .*test acc/);
  interrupted.kill('SIGTERM');
  assert.equal(await interrupted.exited, 130, interrupted.lines.join('\n'));
  assert.ok(interrupted.lines.some((l) => /SIGTERM: stopping/.test(l)));
  const done = readHistory(stopped).length;
  assert.ok(done >= 2 && done < 6, `rounds done before the stop: ${done}`);
  assert.ok(interrupted.lines.some((l) => new RegExp(`stopped after round ${done}; continue with: jointly simulate <config> --resume`).test(l)), interrupted.lines.join('\n'));

  const resumed = new Proc('resumed', [CLI, 'simulate', config, '--out', stopped, '--resume']);
  assert.equal(await resumed.exited, 0, resumed.lines.join('\n'));
  // Everything but wall-clock times must agree.
  const strip = (h: RoundRecord[]): unknown[] =>
    h.map(({ seconds: _s, overhead: _o, clientMetrics, aggregate: { 'fit.seconds': _a, 'fit.samplesPerSecond': _b, ...aggregate }, ...rest }) => ({
      ...rest,
      aggregate,
      clientMetrics: Object.fromEntries(Object.entries(clientMetrics).map(([id, { seconds: _t, samplesPerSecond: _r, ...m }]) => [id, m])),
    }));
  assert.deepEqual(strip(readHistory(stopped)), strip(readHistory(clean)), 'stopped + resumed = clean, round for round');

  // A different seed is another run: its checkpoint is not resumed.
  writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), seed: 6 }));
  const other = spawnSync(process.execPath, [CLI, 'simulate', config, '--out', stopped, '--resume', '--rounds', '7'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(other.status, 11, other.stderr);
  assert.match(other.stderr, /CHECKPOINT_INVALID.*other settings/);
});
