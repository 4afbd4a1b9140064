/**
 * Part of `npm run bench`: a federated simulation at scale, 1,000 virtual clients on
 * Fashion-MNIST (60 training images each, IID), 100 sampled per round, FedAvg (5 local epochs, batch 10) with Li et al.'s
 * CNN. Reports seconds per round, the peak memory of the process (main thread and worker
 * threads) and the simulation's overhead share (the client updates' time outside their training
 * steps). Writes bench-results/federated-scale.json.
 *
 * Flags: --clients N (1000) --per-round N (100) --rounds N (5) --backend auto --out bench-results
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSimulation } from '../federated/simulation/run-simulation.js';
import { OVERHEAD_PARTS, type UpdateOverhead } from '../federated/server/update-overhead.js';
import { UsageError } from '../errors.js';
import { positiveInteger } from './flag-values.js';
import { LI_CNN, peakRssMiB } from './federated-workloads.js';

const USAGE = 'usage: node dist/bench/federated-scale.js [--clients N (1000)] [--per-round N (100)] [--rounds N (5)] [--backend auto] [--out bench-results]';

/** The flags, or null for --help; a bad flag or value throws (exit status 2). */
function parse(): { clients: number; perRound: number; rounds: number; backend: string; out: string } | null {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '1000' },
      'per-round': { type: 'string', default: '100' },
      rounds: { type: 'string', default: '5' },
      backend: { type: 'string', default: 'auto' },
      out: { type: 'string', default: 'bench-results' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return null;
  const clients = positiveInteger('clients', values.clients);
  const perRound = positiveInteger('per-round', values['per-round']);
  if (perRound > clients) throw new UsageError(`--per-round ${perRound} is more than --clients ${clients}`, 'sample at most every client per round');
  return { clients, perRound, rounds: positiveInteger('rounds', values.rounds), backend: values.backend, out: values.out };
}

async function main(): Promise<void> {
  let opts: ReturnType<typeof parse>;
  try {
    opts = parse();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (opts === null) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const values = { backend: opts.backend, out: opts.out };
  const { clients, perRound, rounds } = opts;
  const rssBefore = Math.round(process.memoryUsage.rss() / 1024 / 1024);
  process.stderr.write(`federated scale: ${clients} clients, ${perRound} per round, ${rounds} rounds\n`);
  const started = performance.now();
  const result = await runSimulation(
    {
      mode: 'federated',
      name: 'scale',
      seed: 0,
      backend: values.backend as 'auto',
      data: { dataset: 'fashion-mnist' },
      model: LI_CNN,
      optimizer: { name: 'sgd', learningRate: 0.01, momentum: 0.9 },
      strategy: { name: 'fedavg', localEpochs: 5, batchSize: 10 },
      rounds,
      sampling: { fraction: perRound / clients, minFit: perRound, minAvailable: perRound },
      simulation: { clients, partition: { method: 'iid' }, baselines: { localOnly: false, pooled: false } },
    },
    {
      onEvent: (e) => {
        if (e.type === 'round-end') {
          const r = e.record;
          const overhead = r.overhead === undefined ? '' : `, overhead ${(r.overhead.share * 100).toFixed(1)}%`;
          process.stderr.write(`  round ${r.round}: ${r.replied.length} clients, ${r.seconds.toFixed(1)} s, test acc ${((r.evaluation?.accuracy ?? 0) * 100).toFixed(2)}%${overhead}, peak RSS so far ${peakRssMiB()} MiB\n`);
        }
      },
    },
  );
  const history = result.federated.history;
  const secondsPerRound = history.map((r) => r.seconds);
  const summary = {
    clients,
    perRound,
    rounds,
    backend: result.backend,
    workers: result.workers,
    secondsPerRound,
    meanSecondsPerRound: secondsPerRound.reduce((a, b) => a + b, 0) / secondsPerRound.length,
    totalSeconds: (performance.now() - started) / 1000,
    peakRssMiB: peakRssMiB(),
    rssBeforeMiB: rssBefore,
    finalAccuracy: history[history.length - 1]?.evaluation?.accuracy,
    bytesPerRound: history.map((r) => r.bytesSent + r.bytesReceived),
    // The client updates' time outside their training steps, over the run and per round (see RoundRecord.overhead).
    overheadShare: result.overhead.share,
    overheadSharePerRound: history.map((r) => r.overhead?.share ?? Number.NaN),
    overhead: result.overhead,
  };
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'federated-scale.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(
    [
      '',
      `Federated simulation at scale (${result.backend}, ${result.workers} worker threads): ${clients} clients, ${perRound} sampled per round`,
      `  seconds per round: ${secondsPerRound.map((s) => s.toFixed(1)).join(', ')} (mean ${summary.meanSecondsPerRound.toFixed(1)})`,
      `  peak memory (RSS, main thread and workers): ${summary.peakRssMiB} MiB`,
      `  test accuracy after ${rounds} rounds: ${((summary.finalAccuracy ?? 0) * 100).toFixed(2)}%`,
      `  overhead share (client update time outside the training steps; goal under 5%): ${(summary.overheadShare * 100).toFixed(1)}% = ${partsText(result.overhead)}`,
      `  written to ${join(values.out, 'federated-scale.json')}`,
      '',
    ].join('\n'),
  );
}

/** The seconds outside training by part, per update, largest first: "1.2 ms messages + 0.8 ms batching + …" of the mean update's seconds. */
function partsText(o: UpdateOverhead): string {
  const perUpdate = (s: number): string => `${((s / Math.max(o.updates, 1)) * 1000).toFixed(2)} ms`;
  const parts = [...OVERHEAD_PARTS].sort((a, b) => o.parts[b] - o.parts[a]).map((k) => `${perUpdate(o.parts[k])} ${k}`);
  return `${perUpdate(o.outsideSeconds)} of ${perUpdate(o.trainingSeconds + o.outsideSeconds)} per update (${parts.join(' + ')})`;
}

main().catch((err: unknown) => {
  process.stderr.write(`federated scale bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
