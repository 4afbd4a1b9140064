/**
 * End to end on loopback: a networked FedAvg run with the default bounds (the server in-process
 * through `runServer`, two honest FederatedClients, and a misbehaving client in its own process,
 * `testing/misbehaving-client.ts`) holds against the three poisoning attacks of issue 10: a client
 * sending parameters of 1e30 every round, one sending an update of 3e38 as a delta, and one that
 * declares and claims 10,000,000 examples (with unchanged parameters, and evaluations claiming
 * accuracy 1 over its 10,000,000 examples). Each attacker is refused every round with a reason
 * naming the bound and the values; the global model stays finite and scores what a run without
 * the attacker scores; federated evaluation is not swayed by the 10,000,000 claim.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Proc } from '../../cli/testing/processes.js';
import { selectBackend } from '../../engine/backend.js';
import { tempDirFactory } from '../../engine/testing.js';
import { openRunFolder } from '../../report/run-folder.js';
import { saveTokenFile } from '../auth/tokens.js';
import { FederatedConfigSchema } from '../config.js';
import type { RoundRecord } from '../server/coordinator.js';
import { FederatedClient } from './client.js';
import { runServer, type ServerRunResult } from './run-server.js';
import { registerClients, tinyDataset } from './testing.js';

const MISBEHAVING = fileURLToPath(new URL('./testing/misbehaving-client.js', import.meta.url));
const tempDir = tempDirFactory('jointly-poisoning-');
const ROUNDS = 4;
const HONEST = ['honest-a', 'honest-b'];

before(async () => {
  await selectBackend('cpu');
});

type Attack = 'huge' | 'huge-delta' | 'claims';

interface Run {
  result: ServerRunResult;
  attacker: Proc | undefined;
}

/** A FedAvg run of the tiny task with the default bounds: the honest clients, and `attack`'s client if given. */
async function federatedRun(attack: Attack | undefined, evaluateEvery: number): Promise<Run> {
  const dir = tempDir();
  const ids = attack === undefined ? HONEST : [...HONEST, 'mallory'];
  const { file, tokens } = registerClients(ids);
  const tokensPath = join(dir, 'tokens.json');
  saveTokenFile(tokensPath, file);
  const config = FederatedConfigSchema.parse({
    mode: 'federated',
    name: 'poisoning',
    seed: 4,
    backend: 'cpu',
    model: { type: 'mlp', hidden: [4] },
    optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0 },
    strategy: { name: 'fedavg', localEpochs: 2, batchSize: 10 },
    rounds: ROUNDS,
    // Every registered client is sampled every round: the attacker's reply is in each one.
    sampling: { fraction: 1, minFit: ids.length, minAvailable: ids.length, roundTimeoutSeconds: 60, evaluateEvery },
    // The claims attack runs with the old default cap of 10,000,000 (the attack's claim), so that the
    // median bound is what stops it; the default cap (1,000,000) would refuse it at validation already.
    server: { host: '127.0.0.1', port: 0, tokens: tokensPath, heartbeatSeconds: 60, ...(attack === 'claims' ? { maxExamplesPerClient: 10_000_000 } : {}) },
    output: { saveModel: false },
  });
  let listening: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (listening = resolve));
  const stop = new AbortController();
  const running = runServer({ config, folder: openRunFolder(join(dir, 'run')), resume: false, signal: stop.signal, log: () => undefined, onListening: listening, evaluation: tinyDataset(200, 99) });
  const clientLogs: string[] = [];
  const honestClient = (at: string, id: string, k: number): FederatedClient =>
    new FederatedClient({
      url: at,
      clientId: id,
      token: tokens[id],
      train: tinyDataset(40, 10 + k),
      test: tinyDataset(20, 20 + k),
      backend: 'cpu',
      maxRetries: 0,
      jointlyVersion: 'test',
      log: (l) => clientLogs.push(`${id}: ${l}`),
    });
  let attacker: Proc | undefined;
  try {
    const at = await url;
    const served = HONEST.map((id, k) => honestClient(at, id, k).run(stop.signal));
    if (attack !== undefined) attacker = new Proc('mallory', [MISBEHAVING, at, 'mallory', tokens.mallory, attack]);
    const result = await running;
    for (const exit of await Promise.all(served)) assert.equal(exit.reason, 'finished', clientLogs.join('\n'));
    if (attacker !== undefined) assert.equal(await attacker.exited, 0, attacker.lines.join('\n'));
    return { result, attacker };
  } finally {
    stop.abort();
    attacker?.kill();
  }
}

function failureOf(record: RoundRecord, id: string): string {
  return record.failures.find((f) => f.clientId === id)?.reason ?? `no failure of ${id} in round ${record.round}: ${JSON.stringify(record.failures)}`;
}

/** The run's final server-side accuracy. */
function finalAccuracy(run: Run): number {
  return run.result.result.history.at(-1)?.evaluation?.accuracy ?? Number.NaN;
}

describe('poisoning by a registered client, with FedAvg and the default bounds', { timeout: 240_000 }, () => {
  let baseline: Run;
  /** The claims run, whose federated evaluations the last test checks. */
  let claims: Run | undefined;

  before(async () => {
    baseline = await federatedRun(undefined, 1);
  });

  it('the run without an attacker learns the task (the reference the attacked runs are compared with)', () => {
    const { history } = baseline.result.result;
    assert.equal(history.length, ROUNDS);
    assert.ok(history.every((r) => r.failures.length === 0 && r.replied.length === 2), JSON.stringify(history.map((r) => r.failures)));
    assert.ok(finalAccuracy(baseline) > 0.7, `baseline accuracy ${finalAccuracy(baseline)}`);
  });

  const attacks: { attack: Attack; reason: RegExp }[] = [
    // 26 parameters of 1e30: ‖Δ‖ ≈ 5.1e30; of 3e38: ≈ 1.5e39. The tightest bound is named: 10 × ‖global‖ or 100 × the others' median (alike here).
    { attack: 'huge', reason: /^update norm 5\.\d\de\+30 exceeds the bound \d+\.?\d* \((10 × the global model's norm|100 × the median update norm) [\d.]+.*\); refused$/ },
    { attack: 'huge-delta', reason: /^update norm 1\.5\de\+39 exceeds the bound \d+\.?\d* \((10 × the global model's norm|100 × the median update norm) [\d.]+.*\); refused$/ },
    { attack: 'claims', reason: /^claimed examples 10000000 exceed the bound \S+ \(100 × the median claim \d+ of the 2 other replies\); refused$/ },
  ];
  for (const { attack, reason } of attacks) {
    it(`refuses the '${attack}' client every round, naming the bound; the model stays finite and as accurate as without it`, async () => {
      const run = await federatedRun(attack, attack === 'claims' ? 1 : 0);
      if (attack === 'claims') claims = run;

      const { history, params } = run.result.result;
      assert.equal(history.length, ROUNDS);
      for (const r of history) {
        assert.match(failureOf(r, 'mallory'), reason);
        assert.deepEqual(r.replied, HONEST, `round ${r.round}: only the honest replies are aggregated`);
        assert.equal(r.refused, undefined);
      }
      assert.ok(params.every(Number.isFinite), 'the global model is finite');
      assert.ok(Math.abs(finalAccuracy(run) - finalAccuracy(baseline)) <= 0.05, `accuracy ${finalAccuracy(run)} vs ${finalAccuracy(baseline)} without the attacker`);
      assert.equal(run.result.result.clients.mallory?.replied, 0);
      assert.equal(run.result.result.clients.mallory?.failures, ROUNDS);
    });
  }

  it('leaves the 10,000,000-example evaluation claim out of the federated evaluation, which matches the honest clients\'', () => {
    assert.ok(claims !== undefined, 'the claims run above ran');
    const { history } = claims.result.result;
    const honest = baseline.result.result.history;
    for (const [i, r] of history.entries()) {
      const fe = r.federatedEvaluation;
      assert.ok(fe !== undefined, `round ${r.round} has a federated evaluation`);
      assert.deepEqual(fe.clients.map((c) => c.clientId), [...HONEST, 'mallory']);
      assert.deepEqual(fe.dropped, [
        { clientId: 'mallory', reason: 'evaluated examples 10000000 exceed the bound 2000 (100 × the median count 20 of the 2 other replies); left out of the federated evaluation' },
      ]);
      assert.equal(fe.numExamples, 40);
      const reference = honest[i].federatedEvaluation;
      assert.ok(reference !== undefined);
      assert.ok(Math.abs(fe.accuracy - reference.accuracy) <= 0.05, `round ${r.round}: federated accuracy ${fe.accuracy} vs ${reference.accuracy} without the attacker`);
      assert.ok(fe.accuracy < 0.999, 'not the 99.98% of the 10M claim');
    }
  });
});
