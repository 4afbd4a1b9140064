/**
 * The real federation the server fuzzer and soak run against: a tiny tabular task (three
 * Gaussian classes in four features, CSV files written to a temporary folder), a token file made
 * with `jointly token add`, a `jointly server` process on loopback and honest `jointly client`
 * processes; plus the server's RSS read from /proc, its metrics.jsonl, and a liveness probe that
 * says hello with a valid token and must be welcomed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createRng } from '../../engine/random.js';
import { standardNormal } from '../../federated/partition/normal.js';
import { decodeMessage, encodeMessage } from '../../federated/protocol/codec.js';
import { FORMAT_VERSION } from '../../federated/protocol/messages.js';
import { rawDataBytes } from '../../federated/network/raw-data.js';
import type { RoundOutcome } from './oracle.js';

/** The compiled CLI next to this build (dist/cli/bin.js, or .build-x/cli/bin.js). */
export const CLI = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
/** The package root: the working directory of the processes. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const FEATURES = ['f1', 'f2', 'f3', 'f4'];
const CENTRES = [
  [0, 0, 1, -1],
  [2, 0, -1, 0],
  [0, 2, 0, 1],
];

/** Writes `n` rows of the three-blob task as CSV (header f1..f4,label); returns the path. */
export function writeBlobs(path: string, n: number, seed: number): string {
  const rng = createRng(seed);
  const lines = [[...FEATURES, 'label'].join(',')];
  for (let i = 0; i < n; i++) {
    const y = i % 3;
    lines.push([...CENTRES[y].map((c) => (c + 0.9 * standardNormal(rng)).toFixed(4)), String(y)].join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Registers `id` in the token file with `jointly token add`; returns its token. */
export function addToken(tokensPath: string, id: string): string {
  const r = spawnSync(process.execPath, [CLI, 'token', 'add', id, '--tokens', tokensPath, '--quiet'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`jointly token add ${id}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

/** Every child started here, so that a harness that fails half-way leaves none running. */
const children = new Set<Child>();

/** SIGKILLs every child still running (call on the way out). */
export function killAllChildren(): void {
  for (const c of children) c.kill('SIGKILL');
}

/** A child process whose last output lines are kept (not all: a fuzzed server logs a lot). */
export class Child {
  readonly child: ChildProcess;
  readonly tail: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  private partial = '';

  constructor(readonly name: string, command: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      const lines = (this.partial + chunk.toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        this.tail.push(line.length > 400 ? `${line.slice(0, 400)}...` : line);
        if (this.tail.length > 60) this.tail.shift();
        for (const w of [...this.waiters]) {
          if (w.pattern.test(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    children.add(this);
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The next line matching `pattern`; rejects after `timeoutMs` or when the process exits. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${this.tail.join('\n')}`)), timeoutMs);
      void this.exited.then((e) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${e.code}, signal ${e.signal}) before printing ${pattern}; last lines:\n${this.tail.join('\n')}`));
      });
      this.waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  /** Sends a signal if the process still runs. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.child.kill(signal);
  }
}

/** The server's resident set size in bytes, from /proc/<pid>/status (undefined once it is gone). */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** The round records of a run folder's metrics.jsonl so far (a torn last line is left for later). */
export function readRounds(runDir: string): RoundOutcome[] {
  const path = join(runDir, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  const out: RoundOutcome[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as RoundOutcome);
    } catch {
      break;
    }
  }
  return out;
}

/** What one liveness probe saw. */
export interface ProbeResult {
  ok: boolean;
  /** welcome, refuse:<code>, timeout, error: ... */
  outcome: string;
  ms: number;
}

/**
 * Connects (from `localAddress`), says hello as a registered client and waits up to `timeoutMs`
 * for the answer; then says bye and closes. `ok` when welcomed (or refused as a duplicate of an
 * earlier probe still being closed: the server answered a valid hello).
 */
export function probe(url: string, clientId: string, token: string, timeoutMs: number, localAddress = '127.0.0.1'): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress, handshakeTimeout: timeoutMs });
    let done = false;
    const finish = (ok: boolean, outcome: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        if (ok && ws.readyState === WebSocket.OPEN) ws.send(encodeMessage({ type: 'bye', reason: 'probe done' }));
        ws.close(1000);
      } catch {
        // Already closing.
      }
      setTimeout(() => ws.terminate(), 1000).unref();
      resolve({ ok, outcome, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false, 'timeout'), timeoutMs);
    ws.on('open', () => {
      ws.send(encodeMessage({ type: 'hello', protocolVersion: FORMAT_VERSION, clientId, token, capabilities: { backend: 'cpu', numExamples: 10, maxMessageBytes: 16 << 20, jointlyVersion: 'fuzz-probe' } }));
    });
    ws.on('message', (data: Buffer) => {
      try {
        const msg = decodeMessage(rawDataBytes(data));
        if (msg.type === 'welcome') finish(true, 'welcome');
        else if (msg.type === 'refuse') finish(msg.code === 'duplicate', `refuse:${msg.code}`);
      } catch (err) {
        finish(false, `undecodable answer: ${(err as Error).message}`);
      }
    });
    ws.on('error', (err) => finish(false, `error: ${err.message}`));
    ws.on('close', (code) => finish(false, `closed (${code}) without an answer`));
  });
}

/** Settings of one federation. */
export interface FederationSettings {
  dir: string;
  name: string;
  seed: number;
  /** Fields merged into the config's `server` section (port and tokens are set here). */
  server: Record<string, unknown>;
  /** Client ids registered besides the honest clients (fuzz, probe, churn). */
  extraIds: readonly string[];
  honestClients: number;
  roundTimeoutSeconds: number;
  /** Wrap the server in `prlimit --nofile=N:N` (a descriptor limit for it alone). */
  nofile?: number;
}

/** A running federation. */
export interface Federation {
  url: string;
  port: number;
  runDir: string;
  server: Child;
  clients: Child[];
  /** Tokens of every registered id. */
  tokens: Map<string, string>;
  /** The honest clients' ids. */
  honestIds: string[];
  /** The server's config as written. */
  config: Record<string, unknown>;
}

/** Writes the data, tokens and configs, starts the server and the honest clients, and waits until the server listens. */
export async function startFederation(s: FederationSettings): Promise<Federation> {
  const port = await freePort();
  const tokensPath = join(s.dir, 'tokens.json');
  const honestIds = Array.from({ length: s.honestClients }, (_, i) => `honest-${i}`);
  const tokens = new Map<string, string>();
  for (const id of [...honestIds, ...s.extraIds]) tokens.set(id, addToken(tokensPath, id));
  const evalFile = writeBlobs(join(s.dir, 'eval.csv'), 150, s.seed + 100);
  const config = {
    mode: 'federated',
    name: s.name,
    seed: s.seed,
    backend: 'cpu',
    data: { dataset: 'csv', test: evalFile, labelColumn: 'label' },
    model: { type: 'mlp', hidden: [8] },
    optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
    strategy: { name: 'fedavg', localEpochs: 1, batchSize: 16 },
    // Far more rounds than a session runs: the harness stops the server with SIGTERM.
    rounds: 1_000_000,
    sampling: { fraction: 1, minFit: Math.min(2, s.honestClients), minAvailable: Math.min(2, s.honestClients), roundTimeoutSeconds: s.roundTimeoutSeconds },
    server: { host: '127.0.0.1', port, tokens: tokensPath, heartbeatSeconds: 2, ...s.server },
    output: { saveModel: false },
  };
  const configPath = join(s.dir, 'server.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const runDir = join(s.dir, 'run');
  const nodeArgs = [CLI, 'server', configPath, '--out', runDir];
  const server =
    s.nofile === undefined ? new Child('server', process.execPath, nodeArgs) : new Child('server', 'prlimit', [`--nofile=${s.nofile}:${s.nofile}`, process.execPath, ...nodeArgs]);
  await server.waitFor(/listening on ws:/, 120_000);
  const url = `ws://127.0.0.1:${port}`;
  const clients = honestIds.map((id, i) => {
    const data = writeBlobs(join(s.dir, `${id}.csv`), 120, s.seed + i + 1);
    const path = join(s.dir, `${id}.json`);
    writeFileSync(path, JSON.stringify({ mode: 'client', server: url, id, backend: 'cpu', data: { dataset: 'csv', train: data, labelColumn: 'label' }, maxRetries: 100 }));
    return new Child(id, process.execPath, [CLI, 'client', path], { JOINTLY_TOKEN: tokens.get(id) ?? '' });
  });
  return { url, port, runDir, server, clients, tokens, honestIds, config };
}

/**
 * Stops the server with SIGTERM and measures how long it takes to exit (SIGKILL after
 * `graceMs`); then stops the clients. Returns the server's exit and the seconds it took.
 */
export async function stopFederation(f: Federation, graceMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number; killed: boolean }> {
  const started = performance.now();
  let killed = false;
  if (f.server.running) f.server.kill('SIGTERM');
  const timer = setTimeout(() => {
    killed = true;
    f.server.kill('SIGKILL');
  }, graceMs);
  const exit = await f.server.exited;
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  for (const c of f.clients) c.kill('SIGTERM');
  await Promise.all(
    f.clients.map(async (c) => {
      const t = setTimeout(() => c.kill('SIGKILL'), 5000);
      await c.exited;
      clearTimeout(t);
    }),
  );
  return { ...exit, seconds, killed };
}
