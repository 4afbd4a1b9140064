/**
 * A federation of real processes for end-to-end tests of the server: a `jointly server` on a
 * tiny tabular task (two Gaussian classes in three features, CSV files written for the test)
 * with registered clients, and `jointly client` processes for them. Not part of the package's API.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, freePort, jointlySync, Proc } from '../../../cli/testing/processes.js';
import { createRng } from '../../../engine/random.js';

/** Two Gaussian classes in three dimensions, as CSV text with a header. */
export function csv(n: number, seed: number): string {
  const rng = createRng(seed);
  const lines = ['a,b,c,label'];
  for (let i = 0; i < n; i++) {
    const y = i % 2;
    const x = [0, 1, 2].map((j) => (y === 1 && j === 0 ? 1.5 : 0) + (rng.next() - 0.5) * 2);
    lines.push(`${x.map((v) => v.toFixed(4)).join(',')},${y}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface Federation {
  dir: string;
  port: number;
  /** Token of each registered id. */
  tokens: Record<string, string>;
  server: Proc;
  runDir: string;
  tokensPath: string;
  /** Starts `jointly client` for a registered id (its own shard of data). */
  client: (id: string) => Proc;
  procs: Proc[];
}

/**
 * Writes `server.json` (and its evaluation set `eval.csv`) into `dir`: FedAvg on the tiny CSV task,
 * 2 rounds, 2 clients, with `config` merged into the config and `serverSettings` into its `server`
 * section. Returns the config's path.
 */
export function writeServerConfig(dir: string, name: string, config: Record<string, unknown>, serverSettings: Record<string, unknown>): string {
  writeFileSync(join(dir, 'eval.csv'), csv(100, 99));
  const path = join(dir, 'server.json');
  writeFileSync(
    path,
    JSON.stringify({
      mode: 'federated',
      name,
      seed: 1,
      backend: 'cpu',
      data: { dataset: 'csv', test: join(dir, 'eval.csv'), labelColumn: 'label' },
      model: { type: 'mlp', hidden: [4] },
      optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0 },
      strategy: { name: 'fedavg', localEpochs: 1, batchSize: 16 },
      rounds: 2,
      sampling: { fraction: 1, minFit: 2, minAvailable: 2, roundTimeoutSeconds: 60 },
      ...config,
      server: { heartbeatSeconds: 2, ...serverSettings },
    }),
  );
  return path;
}

/** A server with `ids` registered, in folder `dir`, on a fixed free port, started with `serverSettings` merged into its config. */
export async function federation(dir: string, ids: string[], config: Record<string, unknown>, serverSettings: Record<string, unknown>): Promise<Federation> {
  const port = await freePort();
  const tokensPath = join(dir, 'tokens.json');
  const tokens = Object.fromEntries(ids.map((id) => [id, jointlySync('token', 'add', id, '--tokens', tokensPath, '--quiet')]));
  const serverConfig = writeServerConfig(dir, 'limits', config, serverSettings);
  const runDir = join(dir, 'run');
  const procs: Proc[] = [];
  const server = new Proc('server', [CLI, 'server', serverConfig, '--port', String(port), '--tokens', tokensPath, '--out', runDir]);
  procs.push(server);
  const client = (id: string): Proc => {
    const data = join(dir, `${id}.csv`);
    writeFileSync(data, csv(60, ids.indexOf(id) + 1));
    const path = join(dir, `${id}.json`);
    writeFileSync(path, JSON.stringify({ mode: 'client', server: `ws://127.0.0.1:${port}`, id, backend: 'cpu', data: { dataset: 'csv', train: data, labelColumn: 'label' }, maxRetries: 12 }));
    const p = new Proc(id, [CLI, 'client', path], { JOINTLY_TOKEN: tokens[id] });
    procs.push(p);
    return p;
  };
  return { dir, port, tokens, server, runDir, tokensPath, client, procs };
}

