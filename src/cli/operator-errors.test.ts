/**
 * End to end, with real processes: the mistakes a site operator makes on the first day get
 * their exit code and a hint that names the fix (issue 9, items 4-7). A server that cannot
 * listen (port in use, address not on this machine, host name that does not resolve, port below
 * 1024 without the privilege), a simulation whose pooled baseline diverges, TLS and URL mistakes
 * of a client (not retried), a config given to the wrong command, per-command help, --out as the
 * run folder itself, a client's stop message, and the networked report's backend.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRng } from '../engine/random.js';
import { tempDirFactory } from '../engine/testing.js';
import { COMMAND_HELP } from './help.js';
import { CLI, jointlySync, Proc, ROOT } from './testing/processes.js';

const tempDir = tempDirFactory('jointly-operator-');
const STACK = /\n\s+at .+:\d+:\d+/;
const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).error === undefined;

/** Runs `jointly <args>` to the end. */
function jointly(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> & { ms: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.error, undefined, `jointly ${args.join(' ')} did not finish: ${String(r.error)}`);
  return { ...r, ms: performance.now() - t0 };
}

function show(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** A small 3-class CSV with text labels: 4 features, each class high on "its" feature. */
function writeTinyCsv(path: string, rows = 90): void {
  const rng = createRng(7);
  const lines = ['f0,f1,f2,f3,label'];
  for (let i = 0; i < rows; i++) {
    const y = i % 3;
    lines.push(`${Array.from({ length: 4 }, (_, j) => ((j === y ? 1 : 0) + (rng.next() - 0.5)).toFixed(3)).join(',')},${['a', 'b', 'c'][y]}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** A federated config on `csv`: 1 round, 1 client, the cpu backend (the fastest to start). */
function serverConfig(dir: string, csv: string, extra: Record<string, unknown> = {}): string {
  const path = join(dir, `server-${readdirSync(dir).length}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      mode: 'federated',
      name: 'operator',
      seed: 1,
      backend: 'cpu',
      data: { dataset: 'csv', train: csv },
      model: { type: 'mlp', hidden: [4] },
      optimizer: { name: 'sgd', learningRate: 0.1 },
      strategy: { name: 'fedavg', localEpochs: 1, batchSize: 16 },
      rounds: 1,
      sampling: { fraction: 1, minFit: 1, minAvailable: 1, roundTimeoutSeconds: 60 },
      ...extra,
    }),
  );
  return path;
}

function clientConfig(dir: string, csv: string, server: string, extra: Record<string, unknown> = {}): string {
  const path = join(dir, `client-${readdirSync(dir).length}.json`);
  writeFileSync(path, JSON.stringify({ mode: 'client', server, id: 'site-a', backend: 'cpu', data: { dataset: 'csv', train: csv }, ...extra }));
  return path;
}

/** Listens on a free loopback port, so that the port is in use. */
function holdPort(): Promise<{ port: number; server: Server }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, server }));
  });
}

/** The port in a server's "listening on ws(s)://host:port" line. */
async function listeningPort(server: Proc, scheme: 'ws' | 'wss'): Promise<number> {
  const line = await server.waitFor(new RegExp(`listening on ${scheme}://127\\.0\\.0\\.1:\\d+`));
  return Number(new RegExp(`${scheme}://127\\.0\\.0\\.1:(\\d+)`).exec(line)?.[1]);
}

describe('jointly server that cannot listen exits 12 with the fix', () => {
  it('a port another process holds (EADDRINUSE), also with --json', async () => {
    const dir = tempDir();
    const csv = join(dir, 'data.csv');
    writeTinyCsv(csv);
    const held = await holdPort();
    try {
      const r = jointly(['server', serverConfig(dir, csv), '--port', String(held.port), '--out', join(dir, 'run')]);
      const asJson = jointly(['server', serverConfig(dir, csv), '--port', String(held.port), '--out', join(dir, 'run-json'), '--json']);

      assert.equal(r.status, 12, show(r));
      assert.match(r.stderr, new RegExp(`jointly: error \\[NETWORK\\]: cannot listen on 127\\.0\\.0\\.1:${held.port}: another process already holds port ${held.port} \\(EADDRINUSE\\)`));
      assert.match(r.stderr, /hint: pick another port with server\.port in the config or --port \(0 picks a free one\), or stop the process that holds it/);
      assert.doesNotMatch(r.stderr, STACK);
      assert.equal(asJson.status, 12, show(asJson));
      const doc = JSON.parse(asJson.stdout) as { error: { code: string; message: string; hint: string } };
      assert.equal(doc.error.code, 'NETWORK');
      assert.match(doc.error.message, /EADDRINUSE/);
      assert.match(doc.error.hint, /--port/);
    } finally {
      held.server.close();
    }
  });

  it('an address that is not on this machine (EADDRNOTAVAIL) and a host name that does not resolve', () => {
    const dir = tempDir();
    const csv = join(dir, 'data.csv');
    writeTinyCsv(csv);
    // TEST-NET-3 (RFC 5737): documentation only, never a local address.
    const foreign = '203.0.113.77';
    const local = Object.values(networkInterfaces()).flatMap((l) => l ?? []).map((a) => a.address);
    assert.ok(!local.includes(foreign), `precondition: ${foreign} must not be on this machine`);

    const notHere = jointly(['server', serverConfig(dir, csv), '--host', foreign, '--port', '0', '--out', join(dir, 'a')]);
    const noName = jointly(['server', serverConfig(dir, csv), '--host', 'no-such-host.invalid', '--port', '0', '--out', join(dir, 'b')]);

    assert.equal(notHere.status, 12, show(notHere));
    assert.match(notHere.stderr, /error \[NETWORK\]: cannot listen on 203\.0\.113\.77:0: 203\.0\.113\.77 is not an address of this machine \(EADDRNOTAVAIL\)/);
    assert.match(notHere.stderr, /hint: set server\.host \(or --host\) to 127\.0\.0\.1 \(this machine only\), 0\.0\.0\.0 \(every interface\) or one of this machine's addresses \(.*127\.0\.0\.1/);
    assert.equal(noName.status, 12, show(noName));
    assert.match(noName.stderr, /error \[NETWORK\]: cannot listen on no-such-host\.invalid:0: the host name 'no-such-host\.invalid' does not resolve \((ENOTFOUND|EAI_AGAIN|EAI_NONAME)\)/);
    assert.match(noName.stderr, /hint: set server\.host \(or --host\) to 127\.0\.0\.1/);
    for (const r of [notHere, noName]) assert.doesNotMatch(r.stderr, STACK);
  });

  const unprivilegedStart = ((): number => {
    try {
      return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    } catch {
      return 1024;
    }
  })();
  const canRunUnprivileged = process.getuid?.() !== 0 || spawnSync('id', ['nobody'], { stdio: 'ignore' }).status === 0;
  it(
    'a port below 1024 without the privilege (EACCES)',
    { skip: unprivilegedStart <= 80 ? `this kernel lets every user bind port 80 (ip_unprivileged_port_start ${unprivilegedStart})` : canRunUnprivileged ? false : 'running as root with no nobody user' },
    () => {
      const dir = tempDir();
      // Run as nobody when the test runs as root: root may bind any port.
      chmodSync(dir, 0o777);
      const csv = join(dir, 'data.csv');
      writeTinyCsv(csv);
      const config = serverConfig(dir, csv);
      const asRoot = process.getuid?.() === 0;
      const nobody = asRoot ? Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })) : undefined;
      const group = asRoot ? Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })) : undefined;

      const r = spawnSync(process.execPath, [CLI, 'server', config, '--port', '80', '--out', join(dir, 'run')], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
        ...(nobody === undefined ? {} : { uid: nobody, gid: group }),
      });

      assert.equal(r.status, 12, show(r));
      assert.match(r.stderr, /error \[NETWORK\]: cannot listen on 127\.0\.0\.1:80: permission denied; ports below 1024 need root or the CAP_NET_BIND_SERVICE capability \(EACCES\)/);
      assert.match(r.stderr, /hint: use a port from 1024 up with server\.port or --port/);
      assert.doesNotMatch(r.stderr, STACK);
    },
  );
});

/** Rows whose features span 1 to 10^4 (like unscaled clinical measurements): SGD on them diverges at a high enough rate. */
function writeUnscaledCsv(path: string): void {
  const rng = createRng(11);
  const lines = ['a,b,c,d,e,label'];
  for (let i = 0; i < 600; i++) {
    const y = i % 2;
    lines.push(`${[0, 1, 2, 3, 4].map((j) => ((rng.next() + y * 0.5) * 10 ** j).toFixed(3)).join(',')},${y === 1 ? 'yes' : 'no'}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('jointly simulate with a baseline that diverges', () => {
  it('reports the pooled baseline as diverged, writes the report, warns with the fix and exits 0; at a lower rate it does not diverge', { timeout: 180_000 }, () => {
    const dir = tempDir();
    const csv = join(dir, 'unscaled.csv');
    writeUnscaledCsv(csv);
    // 16 clients of 30 rows take 2 steps per round; the pooled baseline takes 30 in a row on all
    // 480 rows and, through a deep linear net at this rate, overflows to NaN within them.
    const config = (learningRate: number): string => {
      const path = join(dir, `sim-${learningRate}.json`);
      writeFileSync(
        path,
        JSON.stringify({
          mode: 'federated',
          name: 'diverge',
          seed: 0,
          backend: 'cpu',
          data: { dataset: 'csv', train: csv },
          model: { type: 'mlp', hidden: [16, 16], activation: 'linear' },
          optimizer: { name: 'sgd', learningRate, momentum: 0.9 },
          strategy: { name: 'fedavg', localEpochs: 1, batchSize: 16 },
          rounds: 1,
          sampling: { fraction: 1, minFit: 2 },
          simulation: { clients: 16, partition: { method: 'iid' }, workers: 1 },
        }),
      );
      return path;
    };
    const runDir = join(dir, 'diverged');
    const jsonDir = join(dir, 'diverged-json');
    const calmDir = join(dir, 'calm');

    const r = jointly(['simulate', config(0.001), '--out', runDir]);
    const asJson = jointly(['simulate', config(0.001), '--out', jsonDir, '--json']);
    const calm = jointly(['simulate', config(0.00001), '--out', calmDir, '--quiet']);

    assert.equal(r.status, 0, show(r));
    assert.match(r.stdout, /federated \(fedavg, 1 rounds\)\s+\d+\.\d\d%/);
    assert.match(r.stdout, /local-only \(mean of 16 clients\)\s+\d+\.\d\d% ± \d+\.\d\d/);
    assert.match(r.stdout, /pooled \(all data in one place\)\s+diverged \(loss NaN at epoch 1, step \d+\)\s+–/);
    assert.match(r.stdout, /the pooled baseline diverged \(loss NaN at epoch 1, step \d+\), so there is no pooled reference/);
    assert.match(r.stderr, /jointly: warning: the pooled baseline \(one model trained on all the clients' data\) diverged: loss NaN at epoch 1, step \d+\. A diverged baseline has no score; the federated result is unaffected/);
    assert.match(r.stderr, /hint: lower optimizer\.learningRate \(now 0\.001\) or scale the input features/);
    assert.doesNotMatch(r.stderr, /\(local\)|error \[/);
    for (const f of ['report.md', 'report.json', 'accuracy.svg', 'metrics.jsonl', 'config.json']) assert.ok(existsSync(join(runDir, f)), `${f} is written`);
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as {
      summary: { finalAccuracy: number; pooled?: number; pooledDiverged?: string; localOnlyMean: number; localOnlyDiverged: number };
      diverged: { pooled: { loss: string; epoch: number; step: number } };
      pooled?: unknown;
    };
    assert.ok(report.summary.finalAccuracy >= 0 && report.summary.finalAccuracy <= 1, 'the federated result is in the report');
    assert.ok(Number.isFinite(report.summary.localOnlyMean));
    assert.equal(report.summary.localOnlyDiverged, 0);
    assert.equal(report.summary.pooled, undefined);
    assert.match(report.summary.pooledDiverged ?? '', /^loss NaN at epoch 1, step \d+$/);
    assert.equal(report.diverged.pooled.loss, 'NaN');
    assert.equal(report.diverged.pooled.epoch, 1);
    assert.ok(report.diverged.pooled.step > 2, `the pooled model diverged after more steps than a client takes in a round: step ${report.diverged.pooled.step}`);
    const md = readFileSync(join(runDir, 'report.md'), 'utf8');
    assert.match(md, /pooled \(all data in one place\)\s+diverged \(loss NaN at epoch 1, step \d+\)/);
    assert.match(md, /Fix: lower optimizer\.learningRate \(now 0\.001\)/);

    assert.equal(asJson.status, 0, show(asJson));
    const doc = JSON.parse(asJson.stdout) as { summary: { pooledDiverged: string }; warnings: { code: string; message: string; hint: string }[] };
    assert.match(doc.summary.pooledDiverged, /^loss NaN at epoch 1/);
    assert.deepEqual(doc.warnings.map((w) => w.code), ['BASELINE_DIVERGED']);
    assert.match(doc.warnings[0].hint, /learningRate/);

    // The control: the same run at a 100× lower rate has a pooled score and no warning.
    assert.equal(calm.status, 0, show(calm));
    assert.match(calm.stdout, /pooled \(all data in one place\)\s+\d+\.\d\d%/);
    assert.doesNotMatch(calm.stderr, /warning|diverged/);
  });
});

describe('jointly client: TLS and URL mistakes fail at once with exit 12 and the fix', { skip: hasOpenssl ? false : 'openssl is not on PATH' }, () => {
  it('self-signed certificate without ca, a certificate for another name, ws:// to TLS, wss:// to plain; a refused port is still retried', { timeout: 240_000 }, async () => {
    const dir = tempDir();
    const csv = join(dir, 'data.csv');
    writeTinyCsv(csv);
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    // A certificate for the name localhost only: 127.0.0.1 is not one of its names.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const tls = new Proc('tls-server', [CLI, 'server', serverConfig(dir, csv), '--port', '0', '--tls-cert', cert, '--tls-key', key, '--out', join(dir, 'tls-run')]);
    const plain = new Proc('plain-server', [CLI, 'server', serverConfig(dir, csv), '--port', '0', '--out', join(dir, 'plain-run')]);
    try {
      const tlsPort = await listeningPort(tls, 'wss');
      const plainPort = await listeningPort(plain, 'ws');
      const client = (server: string, ...args: string[]): SpawnSyncReturns<string> & { ms: number } =>
        // maxRetries 10 (the default): with backoff, retrying would take minutes.
        jointly(['client', clientConfig(dir, csv, server), ...args], { JOINTLY_TOKEN: 'any-token' });

      const untrusted = client(`wss://127.0.0.1:${tlsPort}`);
      const wrongName = client(`wss://127.0.0.1:${tlsPort}`, '--ca', cert);
      const plainToTls = client(`ws://127.0.0.1:${tlsPort}`);
      const tlsToPlain = client(`wss://127.0.0.1:${plainPort}`);

      assert.equal(untrusted.status, 12, show(untrusted));
      assert.match(untrusted.stderr, new RegExp(`error \\[NETWORK\\]: the server at wss://127\\.0\\.0\\.1:${tlsPort} presents a self-signed certificate, which this client does not trust \\(DEPTH_ZERO_SELF_SIGNED_CERT`));
      assert.match(untrusted.stderr, /it is CN=localhost, names DNS:localhost, issued by itself \(self-signed\)/);
      assert.match(untrusted.stderr, /hint: give the client the server's certificate .*"ca": "<file\.pem>" in the client config, or --ca <file\.pem>/);

      assert.equal(wrongName.status, 12, show(wrongName));
      assert.match(wrongName.stderr, /error \[NETWORK\]: the server's certificate at wss:\/\/127\.0\.0\.1:\d+ is not valid for '127\.0\.0\.1' \(ERR_TLS_CERT_ALTNAME_INVALID\): the certificate names DNS:localhost/);
      assert.match(wrongName.stderr, /hint: connect to one of the names the certificate has .*or give the server a certificate whose subjectAltName includes IP:127\.0\.0\.1/);

      assert.equal(plainToTls.status, 12, show(plainToTls));
      assert.match(plainToTls.stderr, new RegExp(`error \\[NETWORK\\]: the server at ws://127\\.0\\.0\\.1:${tlsPort} speaks TLS \\(wss://\\), but the client connected with plain ws://`));
      assert.match(plainToTls.stderr, new RegExp(`hint: use wss://127\\.0\\.0\\.1:${tlsPort} in the client's server field \\(or --server\\), and, as its certificate is self-signed, give the client the server's certificate`));

      assert.equal(tlsToPlain.status, 12, show(tlsToPlain));
      assert.match(tlsToPlain.stderr, new RegExp(`error \\[NETWORK\\]: the server at wss://127\\.0\\.0\\.1:${plainPort} does not speak TLS: its answer to the TLS handshake is plain data \\(wrong version number\\)`));
      assert.match(tlsToPlain.stderr, new RegExp(`hint: the server runs without TLS: use ws://127\\.0\\.0\\.1:${plainPort} in the client's server field`));

      for (const r of [untrusted, wrongName, plainToTls, tlsToPlain]) {
        assert.doesNotMatch(r.stderr, /retrying in/, 'a permanent mistake is not retried');
        assert.ok(r.ms < 20_000, `failed fast (${r.ms.toFixed(0)} ms; the retry budget is over 2 minutes)`);
        assert.doesNotMatch(r.stderr, STACK);
      }

      // Following the hints works: the right name and ca reach the server, which then judges the token (exit 10).
      const fixed = client(`wss://localhost:${tlsPort}`, '--ca', cert);
      assert.equal(fixed.status, 10, show(fixed));
      assert.match(fixed.stderr, /AUTH_REFUSED/);

      // The control: nothing listening is a glitch worth retrying, and is retried.
      const held = await holdPort();
      const refusedPort = held.port;
      await new Promise<void>((resolve) => held.server.close(() => resolve()));
      const refused = jointly(['client', clientConfig(dir, csv, `ws://127.0.0.1:${refusedPort}`, { maxRetries: 1 })], { JOINTLY_TOKEN: 'any-token' });
      assert.equal(refused.status, 12, show(refused));
      assert.equal(refused.stderr.match(/retrying in/g)?.length, 1, refused.stderr);
      assert.match(refused.stderr, /cannot reach the server at ws:\/\/127\.0\.0\.1:\d+ after 1 attempts: connect ECONNREFUSED/);
      assert.match(refused.stderr, /hint: nothing accepts connections at that host and port/);
    } finally {
      tls.kill();
      plain.kill();
    }
  });
});

describe('a config given to the wrong command', () => {
  it('says which kind of config it is and which command runs it (exit 2), without blaming fields the user never wrote', () => {
    const dir = tempDir();
    const csv = join(dir, 'data.csv');
    writeTinyCsv(csv);
    const mutual = join(ROOT, 'configs', 'smoke.json');
    const federated = serverConfig(dir, csv);
    const client = clientConfig(dir, csv, 'ws://127.0.0.1:1');

    const simulate = jointly(['simulate', mutual]);
    const server = jointly(['server', mutual, '--port', '0', '--tokens', join(dir, 'tokens.json')]);
    const clientWithServer = jointly(['client', federated]);
    const runWithClient = jointly(['run', client]);

    assert.equal(simulate.status, 2, show(simulate));
    assert.match(simulate.stderr, /error \[USAGE\]: .*smoke\.json is a mutual-learning config \("mode": "mutual"\); jointly simulate runs a federated config \("mode": "federated"\)/);
    assert.match(simulate.stderr, /hint: run it with jointly run .*smoke\.json; or, for jointly simulate, write a config with "mode": "federated" \(e\.g\. configs\/federated-smoke\.json\)/);
    assert.equal(server.status, 2, show(server));
    assert.match(server.stderr, /smoke\.json is a mutual-learning config \("mode": "mutual"\); jointly server runs a federated config/);
    assert.equal(clientWithServer.status, 2, show(clientWithServer));
    assert.match(clientWithServer.stderr, /is a federated config \("mode": "federated"\); jointly client runs a federated client config \("mode": "client"\)/);
    assert.match(clientWithServer.stderr, /hint: run it with jointly server .* \(real clients connect to it\) or jointly simulate/);
    assert.equal(runWithClient.status, 2, show(runWithClient));
    assert.match(runWithClient.stderr, /is a federated client config \("mode": "client"\); jointly run runs a mutual-learning config/);
    assert.match(runWithClient.stderr, /hint: run it with jointly client /);
    for (const r of [simulate, server, clientWithServer, runWithClient]) {
      assert.doesNotMatch(r.stderr, /unknown field|CONFIG_INVALID/);
      assert.doesNotMatch(r.stderr, STACK);
    }
  });
});

describe('per-command help', () => {
  it('jointly <command> --help and jointly help <command> print that command\'s usage and options', () => {
    const options: Record<string, RegExp[]> = {
      demo: [/--epochs/, /--seeds/],
      run: [/--epochs/, /--rounds/, /--out <dir>\s+the run folder itself/],
      simulate: [/--resume/, /--rounds/, /--out <dir>\s+the run folder itself/],
      server: [/--port <n>/, /--tls-cert/, /--tokens/, /--resume/],
      client: [/--server <url>/, /--ca <pem>/, /--id/],
      token: [/--tokens <file>/],
      info: [/--backend/],
      evaluate: [/--label-column <name\|index>/, /--data-dir/],
      predict: [/--top <k>/, /--out <file>/, /--label-column/],
    };
    // The texts are checked here; that the executable prints them, in both forms, on a few.
    for (const [command, patterns] of Object.entries(options)) {
      const text = COMMAND_HELP[command as keyof typeof COMMAND_HELP];
      assert.match(text, new RegExp(`^usage: jointly ${command}`));
      for (const p of patterns) assert.match(text, p, `${command} --help`);
    }
    const simulate = jointly(['simulate', '--help']);
    const server = jointly(['help', 'server']);
    const client = jointly(['client', '--help']);
    const evaluate = jointly(['evaluate', '--help']);
    for (const [r, command] of [[simulate, 'simulate'], [server, 'server'], [client, 'client'], [evaluate, 'evaluate']] as const) {
      assert.equal(r.status, 0, show(r));
      assert.equal(r.stdout, `${COMMAND_HELP[command]}\n`, `${command}'s own help`);
      assert.doesNotMatch(r.stdout, /jointly demo \[options\]\s+mutual learning on MNIST/, `${command} --help is not the global help`);
    }
    const global = jointly(['--help']);
    assert.equal(global.status, 0);
    assert.match(global.stdout, /^jointly: joint learning/);
    assert.match(global.stdout, /jointly <command> --help: that command's own/);
  });
});

describe('--out is the run folder itself, for every command', () => {
  it('run (mutual) and simulate write into --out; run refuses a folder that holds a run; without --out, a new <output.dir>/<name>-<timestamp>', { timeout: 180_000 }, () => {
    const dir = tempDir();
    const csv = join(dir, 'data.csv');
    writeTinyCsv(csv);
    const smoke = JSON.parse(readFileSync(join(ROOT, 'configs', 'smoke.json'), 'utf8')) as Record<string, unknown>;
    const parent = join(dir, 'parent');
    const defaultConfig = join(dir, 'smoke-default.json');
    writeFileSync(defaultConfig, JSON.stringify({ ...smoke, output: { dir: parent, saveModels: false } }));
    const mutualOut = join(dir, 'mutual-run');
    const federatedOut = join(dir, 'federated-run');
    const federated = serverConfig(dir, csv, { simulation: { clients: 2, partition: { method: 'iid' }, workers: 1, baselines: { localOnly: false, pooled: false } } });

    const run = jointly(['run', join(ROOT, 'configs', 'smoke.json'), '--out', mutualOut, '--epochs', '1', '--no-save-models', '--json']);
    const again = jointly(['run', join(ROOT, 'configs', 'smoke.json'), '--out', mutualOut, '--epochs', '1']);
    const byDefault = jointly(['run', defaultConfig, '--epochs', '1', '--quiet']);
    const simulate = jointly(['simulate', federated, '--out', federatedOut, '--quiet']);
    const runFederated = jointly(['run', federated, '--out', join(dir, 'run-federated'), '--quiet']);

    assert.equal(run.status, 0, show(run));
    assert.equal((JSON.parse(run.stdout) as { runDir: string }).runDir, mutualOut);
    for (const f of ['config.json', 'metrics.jsonl', 'report.json', 'report.md']) assert.ok(existsSync(join(mutualOut, f)), `run --out: ${f} in the folder itself`);
    assert.equal(again.status, 2, show(again));
    assert.match(again.stderr, /error \[USAGE\]: .*mutual-run already holds a run \(its config\.json\)/);
    assert.match(again.stderr, /hint: choose another --out folder \(--out is the run folder itself\)/);
    assert.equal(byDefault.status, 0, show(byDefault));
    const made = readdirSync(parent);
    assert.equal(made.length, 1, made.join(', '));
    assert.match(made[0], /^smoke-\d{8}-\d{6}$/);
    assert.ok(existsSync(join(parent, made[0], 'report.json')));
    assert.equal(simulate.status, 0, show(simulate));
    assert.equal(runFederated.status, 0, show(runFederated));
    for (const folder of [federatedOut, join(dir, 'run-federated')]) {
      for (const f of ['config.json', 'metrics.jsonl', 'report.json', 'checkpoint.jly']) assert.ok(existsSync(join(folder, f)), `${folder}: ${f}`);
    }
  });
});

describe('networked runs', () => {
  it('a client stopped by SIGTERM says it leaves (no checkpoint claim) and exits 130; the server report names its real backend', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const csv = join(dir, 'data.csv');
    writeTinyCsv(csv);
    const tokens = join(dir, 'tokens.json');
    const token = jointlySync('token', 'add', 'site-a', '--tokens', tokens, '--quiet');

    // A client waiting to reconnect (nothing listens yet) is stopped by SIGTERM.
    const held = await holdPort();
    const port = held.port;
    await new Promise<void>((resolve) => held.server.close(() => resolve()));
    const waiting = new Proc('waiting-client', [CLI, 'client', clientConfig(dir, csv, `ws://127.0.0.1:${port}`)], { JOINTLY_TOKEN: token });
    await waiting.waitFor(/retrying in/);
    waiting.child.kill('SIGTERM');
    assert.equal(await waiting.exited, 130, waiting.lines.join('\n'));
    assert.ok(waiting.lines.some((l) => /SIGTERM: leaving the federation: the client says goodbye to the server, which goes on without it \(a client keeps no checkpoint/.test(l)), waiting.lines.join('\n'));
    assert.ok(!waiting.lines.some((l) => /checkpointed/.test(l)), waiting.lines.join('\n'));

    // One round with one client: the report names the backend the server trained on, not "server".
    const runDir = join(dir, 'run');
    const server = new Proc('server', [CLI, 'server', serverConfig(dir, csv), '--port', '0', '--tokens', tokens, '--out', runDir]);
    try {
      const serverPort = await listeningPort(server, 'ws');
      const client = new Proc('client', [CLI, 'client', clientConfig(dir, csv, `ws://127.0.0.1:${serverPort}`)], { JOINTLY_TOKEN: token });
      assert.equal(await server.exited, 0, server.lines.join('\n'));
      assert.equal(await client.exited, 0, client.lines.join('\n'));
    } finally {
      server.kill();
    }
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as { backend: string };
    assert.equal(report.backend, 'cpu');
    assert.match(readFileSync(join(runDir, 'report.md'), 'utf8'), /, backend cpu\./);
  });
});
