/**
 * End to end, with real processes: a `jointly server` evaluating on a whole test file and three
 * `jointly client`s whose CSV files have text labels, one without a class and one with its
 * columns in another order. Every site must map its labels through the federation's class
 * list (not its own sorted names) and its columns by name, so that the run trains as well as
 * the same data with integer labels. A client with the wrong feature count is refused at join.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRng } from '../engine/random.js';
import { standardNormal } from '../federated/partition/normal.js';
import { tempDirFactory } from '../engine/testing.js';
import type { RoundRecord } from '../federated/server/coordinator.js';
import { CLI, freePort, jointlySync, Proc } from './testing/processes.js';

const tempDir = tempDirFactory('jointly-sites-e2e-');
const CLASSES = ['alpha', 'beta', 'gamma'];
const FEATURES = ['f1', 'f2', 'f3', 'f4'];

interface Row {
  x: number[];
  y: number;
}

/** Three overlapping Gaussian classes in four dimensions (a linear model reaches about 90%). */
function blobs(n: number, seed: number): Row[] {
  const rng = createRng(seed);
  const centres = [
    [0, 0, 1, -1],
    [2, 0, -1, 0],
    [0, 2, 0, 1],
  ];
  return Array.from({ length: n }, (_, i) => {
    const y = i % 3;
    return { x: centres[y].map((c) => c + 0.9 * standardNormal(rng)), y };
  });
}

/** Writes rows as CSV with a header in `columns` order (feature names and `label`). */
function writeCsv(path: string, rows: readonly Row[], opts: { columns: string[]; text: boolean; header?: boolean }): string {
  const lines = opts.header === false ? [] : [opts.columns.join(',')];
  for (const r of rows) {
    lines.push(opts.columns.map((c) => (c === 'label' ? (opts.text ? CLASSES[r.y] : String(r.y)) : r.x[FEATURES.indexOf(c)].toFixed(5))).join(','));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Runs a federation of three sites and returns the final test accuracy and the server's lines. */
async function federation(dir: string, text: boolean): Promise<{ accuracy: number; server: Proc; misfit: Proc }> {
  const port = await freePort();
  const tokensPath = join(dir, 'tokens.json');
  const ids = ['site-a', 'site-b', 'site-c', 'site-narrow'];
  const tokens = Object.fromEntries(ids.map((id) => [id, jointlySync('token', 'add', id, '--tokens', tokensPath, '--quiet')]));
  const columns = [...FEATURES, 'label'];
  const evalFile = writeCsv(join(dir, 'eval.csv'), blobs(240, 9), { columns, text });
  const site = (id: string, rows: Row[], cols: string[], header = true): string => {
    const data = writeCsv(join(dir, `${id}.csv`), rows, { columns: cols, text, header });
    const path = join(dir, `${id}.json`);
    const labelColumn = header ? { labelColumn: 'label' } : {};
    writeFileSync(path, JSON.stringify({ mode: 'client', server: `ws://127.0.0.1:${port}`, id, backend: 'cpu', data: { dataset: 'csv', train: data, ...labelColumn }, maxRetries: 3 }));
    return path;
  };
  const a = site('site-a', blobs(150, 1), columns);
  // Site b has no 'alpha' (class 0): read alone, it would number beta → 0 and gamma → 1.
  const b = site('site-b', blobs(150, 2).filter((r) => r.y !== 0), columns);
  // Site c writes its columns in another order.
  const c = site('site-c', blobs(150, 3), ['label', 'f3', 'f1', 'f4', 'f2']);
  // Site "narrow" has a file without a header and one feature too few.
  const narrow = site('site-narrow', blobs(60, 4), ['f1', 'f2', 'f3', 'label'], false);
  const serverConfig = join(dir, 'server.json');
  writeFileSync(
    serverConfig,
    JSON.stringify({
      mode: 'federated',
      name: 'sites',
      seed: 1,
      backend: 'cpu',
      data: { dataset: 'csv', test: evalFile, labelColumn: 'label' },
      model: { type: 'mlp', hidden: [16] },
      optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
      strategy: { name: 'fedavg', localEpochs: 2, batchSize: 16 },
      rounds: 4,
      sampling: { fraction: 1, minFit: 3, minAvailable: 3, roundTimeoutSeconds: 60 },
      server: { port, tokens: tokensPath, heartbeatSeconds: 2 },
    }),
  );
  const runDir = join(dir, 'run');
  const server = new Proc('server', [CLI, 'server', serverConfig, '--out', runDir]);
  await server.waitFor(/listening on/);
  const misfit = new Proc('site-narrow', [CLI, 'client', narrow], { JOINTLY_TOKEN: tokens['site-narrow'] });
  const clients = [
    new Proc('site-a', [CLI, 'client', a], { JOINTLY_TOKEN: tokens['site-a'] }),
    new Proc('site-b', [CLI, 'client', b], { JOINTLY_TOKEN: tokens['site-b'] }),
    new Proc('site-c', [CLI, 'client', c], { JOINTLY_TOKEN: tokens['site-c'] }),
  ];
  try {
    assert.equal(await server.exited, 0, server.lines.join('\n'));
    for (const client of clients) assert.equal(await client.exited, 0, `${client.name}:\n${client.lines.join('\n')}`);
    await misfit.exited;
  } finally {
    for (const p of [server, misfit, ...clients]) p.kill();
  }
  const history = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as RoundRecord);
  const last = history[history.length - 1];
  assert.equal(last.replied.length, 3, 'all three sites took part in the last round');
  return { accuracy: last.evaluation?.accuracy ?? Number.NaN, server, misfit };
}

test('three sites with text labels (one lacking a class, one with its columns reordered) train as well as with integer labels; a site with the wrong feature count is refused at join', { timeout: 240_000 }, async () => {
  const withText = await federation(tempDir(), true);
  const withIntegers = await federation(tempDir(), false);

  assert.ok(withIntegers.accuracy > 0.8, `integer labels reach ${withIntegers.accuracy}`);
  assert.ok(Math.abs(withText.accuracy - withIntegers.accuracy) <= 0.01, `text labels ${withText.accuracy} vs integer labels ${withIntegers.accuracy}`);
  // The server evaluates on the whole data.test file, and says so.
  await withText.server.waitFor(/evaluating the global model on all 240 rows of .*eval\.csv/, 1000);
  await withText.server.waitFor(/classes, in index order: alpha, beta, gamma/, 1000);
  // The site with three features is refused before any round, with the shape-mismatch exit code.
  assert.equal(await withText.misfit.exited, 4, withText.misfit.lines.join('\n'));
  await withText.misfit.waitFor(/3 features per sample but the federation expects 4 \('f1', 'f2', 'f3', 'f4'\)/, 1000);
  await withText.server.waitFor(/refused .*site-narrow.*3 features per sample/, 1000);
});
