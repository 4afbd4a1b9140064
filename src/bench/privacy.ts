/**
 * `npm run bench:privacy`: what privacy and security cost, measured on this machine. Not in CI
 * (it trains for minutes). Four parts, each selectable with `--only`:
 *
 * - `dp`: DP-FedAvg on federated Fashion-MNIST (Li et al.'s CNN, 500 IID clients of 120 images,
 *   20% sampled per round, uniform mean of the updates, adaptive clip at the median), without
 *   privacy and at two noise multipliers; accuracy after every round against ε at δ = 1e-5.
 * - `secagg`: SecAgg+ cost per round at 10, 100 and 1,000 clients (bytes per client against plain
 *   float32, client and server seconds, 10% dropped after sharing), and the largest dropout
 *   fraction after masking that a round of 100 clients survives with the default neighbours.
 * - `compression`: accuracy against bytes received for no compression, float16, 8-bit stochastic
 *   quantization and top-1% with error feedback, on 10 IID Fashion-MNIST clients.
 * - `dpsgd`: samples/s of a local epoch with and without DP-SGD on small MLPs.
 *
 * Writes bench-results/privacy.{md,json} and privacy-dp.svg.
 *
 * Flags: --only dp,secagg,compression,dpsgd --rounds N (30) --local-epochs N (2) --clients N (500) --fraction F (0.2)
 * --noise 1.0,2.0 --secagg-clients 10,100,1000 --secagg-length N (the CNN's parameter count)
 * --compression-rounds N (10) --seed N (0) --backend auto --out bench-results
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FederatedConfigInput } from '../federated/config.js';
import { createRng, permutation } from '../engine/random.js';
import { runInProcessRound } from '../federated/secagg/driver.js';
import { measureSecAggRound } from '../federated/secagg/measure.js';
import { createSecAggSetup } from '../federated/secagg/setup.js';
import { neighboursForDropout } from '../federated/secagg/neighbours-for-dropout.js';
import { runSimulation, type SimulationEvent } from '../federated/simulation/run-simulation.js';
import { lineChartSvg, type Series } from '../report/line-chart-svg.js';
import { LI_CNN, peakRssMiB } from './federated-workloads.js';
import { makeDataset } from '../data/dataset.js';
import { selectBackend } from '../engine/backend.js';
import type { BackendName } from '../engine/backend-registry.js';
import { LocalTrainer } from '../federated/client/local-trainer.js';
import { parseClientTrainConfig } from '../federated/client-config.js';
import { FederatedTaskSchema } from '../federated/task.js';

interface Options {
  only: string[];
  rounds: number;
  clients: number;
  fraction: number;
  noise: number[];
  secaggClients: number[];
  secaggLength: number | undefined;
  compressionRounds: number;
  localEpochs: number;
  seed: number;
  backend: string;
  out: string;
}

function parse(): Options {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: 'dp,secagg,compression,dpsgd' },
      rounds: { type: 'string', default: '30' },
      clients: { type: 'string', default: '500' },
      fraction: { type: 'string', default: '0.2' },
      noise: { type: 'string', default: '1.0,2.0' },
      'secagg-clients': { type: 'string', default: '10,100,1000' },
      'secagg-length': { type: 'string' },
      'compression-rounds': { type: 'string', default: '10' },
      'local-epochs': { type: 'string', default: '2' },
      seed: { type: 'string', default: '0' },
      backend: { type: 'string', default: 'auto' },
      out: { type: 'string', default: 'bench-results' },
    },
  });
  return {
    only: values.only.split(','),
    rounds: Number(values.rounds),
    clients: Number(values.clients),
    fraction: Number(values.fraction),
    noise: values.noise.split(',').map(Number),
    secaggClients: values['secagg-clients'].split(',').map(Number),
    secaggLength: values['secagg-length'] === undefined ? undefined : Number(values['secagg-length']),
    compressionRounds: Number(values['compression-rounds']),
    localEpochs: Number(values['local-epochs']),
    seed: Number(values.seed),
    backend: values.backend,
    out: values.out,
  };
}

function progress(label: string): (e: SimulationEvent) => void {
  return (e) => {
    if (e.type === 'round-end') {
      const r = e.record;
      const acc = r.evaluation === undefined ? '' : ` test acc ${(r.evaluation.accuracy * 100).toFixed(2)}%`;
      const eps = r.aggregate.epsilon === undefined ? '' : ` ε ${r.aggregate.epsilon.toPrecision(4)}`;
      process.stderr.write(`  ${label} round ${r.round}:${acc}${eps} (${r.seconds.toFixed(1)} s)\n`);
    } else if (e.type === 'started') {
      process.stderr.write(`  ${label}: ${e.clients} clients, ${e.workers} workers, backend ${e.backend}\n`);
    }
  };
}

const pct = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(2)}%`);

/** One DP-FedAvg (or non-private) run's curve. */
interface DpRow {
  noiseMultiplier: number | undefined;
  accuracy: number[];
  epsilon: number[];
  clip: number[];
  seconds: number;
}

async function benchDp(opts: Options, lines: string[]): Promise<DpRow[]> {
  const rows: DpRow[] = [];
  for (const z of [undefined, ...opts.noise]) {
    const config: FederatedConfigInput = {
      mode: 'federated',
      name: `privacy-dp-${z ?? 'none'}`,
      seed: opts.seed,
      backend: opts.backend as FederatedConfigInput['backend'],
      data: { dataset: 'fashion-mnist' },
      model: LI_CNN,
      optimizer: { name: 'sgd', learningRate: 0.02, momentum: 0.9 },
      strategy: {
        aggregator: { name: 'mean', weighting: 'uniform', over: 'updates' },
        ...(z === undefined ? {} : { privacy: { name: 'adaptive-clip' as const, noiseMultiplier: z, initialClip: 0.5, delta: 1e-5 } }),
        localEpochs: opts.localEpochs,
        batchSize: 32,
      },
      rounds: opts.rounds,
      sampling: { fraction: opts.fraction, minFit: 2, minAvailable: opts.clients },
      simulation: { clients: opts.clients, partition: { method: 'iid' }, baselines: { localOnly: false, pooled: false, nonPrivate: false } },
    };
    const started = performance.now();
    const result = await runSimulation(config, { onEvent: progress(z === undefined ? 'no privacy' : `z = ${z}`) });
    const h = result.federated.history;
    rows.push({
      noiseMultiplier: z,
      accuracy: h.map((r) => r.evaluation?.accuracy ?? Number.NaN),
      epsilon: h.map((r) => r.aggregate.epsilon ?? Number.POSITIVE_INFINITY),
      clip: h.map((r) => r.aggregate.clip ?? Number.NaN),
      seconds: (performance.now() - started) / 1000,
    });
  }
  const perRound = Math.round(opts.clients * opts.fraction);
  lines.push(
    '## DP-FedAvg: accuracy against ε',
    '',
    `Fashion-MNIST, ${opts.clients} IID clients (${Math.floor(60000 / opts.clients)} images each), ${perRound} sampled per round (q = ${opts.fraction}), ${opts.rounds} rounds × ${opts.localEpochs} local epochs, batch 32, SGD lr 0.02 momentum 0.9, Li et al.'s CNN; uniform mean of the updates; DP-FedAvg with the adaptive clip (target quantile 0.5, initial clip 0.5, count noise 0.05·m) and server noise; ε at δ = 1e-5 by the RDP accountant; seed ${opts.seed}.`,
    '',
    `Command: \`npm run bench:privacy -- --only dp --rounds ${opts.rounds} --local-epochs ${opts.localEpochs} --clients ${opts.clients} --fraction ${opts.fraction} --noise ${opts.noise.join(',')}\``,
    '',
    '| noise multiplier z | accuracy after round 5 | 10 | last | ε after 5 | 10 | last | clip at the end | seconds |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  const at = (xs: number[], k: number): number | undefined => xs[Math.min(k, xs.length) - 1];
  const eps = (x: number | undefined): string => (x === undefined ? '–' : Number.isFinite(x) ? x.toPrecision(3) : '∞ (no privacy)');
  for (const r of rows) {
    const last = r.accuracy.length;
    lines.push(
      `| ${r.noiseMultiplier ?? 'none'} | ${pct(at(r.accuracy, 5))} | ${pct(at(r.accuracy, 10))} | ${pct(at(r.accuracy, last))} | ${eps(at(r.epsilon, 5))} | ${eps(at(r.epsilon, 10))} | ${eps(at(r.epsilon, last))} | ${r.noiseMultiplier === undefined ? '–' : (at(r.clip, last) ?? Number.NaN).toPrecision(3)} | ${r.seconds.toFixed(0)} |`,
    );
  }
  const series: Series[] = rows
    .filter((r) => r.noiseMultiplier !== undefined)
    .map((r) => ({ label: `z = ${r.noiseMultiplier}`, points: r.epsilon.map((e, k) => [e, r.accuracy[k] * 100] as [number, number]) }));
  const plain = rows.find((r) => r.noiseMultiplier === undefined);
  if (plain !== undefined && series.length > 0) {
    const maxEps = Math.max(...series.flatMap((s) => s.points.map((p) => p[0])));
    const final = plain.accuracy[plain.accuracy.length - 1] * 100;
    series.push({ label: 'no privacy (final)', points: [[0, final], [maxEps, final]], dashed: true });
  }
  writeFileSync(join(opts.out, 'privacy-dp.svg'), lineChartSvg(series, { title: 'DP-FedAvg on Fashion-MNIST: accuracy against ε (δ = 1e-5)', xLabel: 'ε spent', yLabel: 'test accuracy (%)', formatY: (y) => y.toFixed(1) }));
  lines.push('', '![accuracy against ε](privacy-dp.svg)', '');
  return rows;
}

async function benchSecAgg(opts: Options, lines: string[]): Promise<unknown> {
  const d = opts.secaggLength ?? 44426; // Li et al.'s CNN on 28×28×1 inputs
  const rows: { n: number; bytesPerClient: number; plainBytes: number; clientSeconds: number; serverSeconds: number; neighbours: number; threshold: number }[] = [];
  for (const n of opts.secaggClients) {
    process.stderr.write(`  secagg: ${n} clients, d = ${d}\n`);
    // The runtimes' default k: sized to survive 30% dropouts (secureAggregation.maxDropout).
    const m = await measureSecAggRound(n, d, 0.1, { seed: opts.seed, neighbours: neighboursForDropout(n, 0.3) });
    rows.push({ n, bytesPerClient: m.bytesPerClient, plainBytes: m.plainBytesPerClient, clientSeconds: m.clientSeconds, serverSeconds: m.serverSeconds, neighbours: m.k, threshold: m.t });
  }
  lines.push(
    '## SecAgg+: cost per round',
    '',
    `One process, every client's state machine run in turn; update length d = ${d} (Li et al.'s CNN); 10% of the clients drop after sharing their secrets (the costly case for the server); k sized as the runtimes size it, to survive 30% dropouts (\`secureAggregation.maxDropout\`), t = ⌊k/2⌋ + 1.`,
    '',
    `Command: \`npm run bench:privacy -- --only secagg --secagg-clients ${opts.secaggClients.join(',')}\``,
    '',
    '| clients | k / t | bytes sent per client | plain float32 | expansion | client seconds (mean) | server seconds |',
    '|---|---|---|---|---|---|---|',
  );
  for (const r of rows) {
    lines.push(`| ${r.n} | ${r.neighbours} / ${r.threshold} | ${Math.round(r.bytesPerClient).toLocaleString('en-US')} | ${r.plainBytes.toLocaleString('en-US')} | ${(r.bytesPerClient / r.plainBytes).toFixed(3)}× | ${r.clientSeconds.toFixed(3)} | ${r.serverSeconds.toFixed(2)} |`);
  }
  lines.push('', 'Bonawitz et al. (2017) report 1.73× expansion at 2^10 users and 2^20-element vectors for the full-graph protocol; SecAgg+ sends shares to k ≪ n neighbours only.', '');
  // The largest dropout survived: 100 clients (k sized for 30%), a fraction vanishing after
  // sending their masked input, 5 graph seeds each; a fraction counts when every round completed.
  const survival: { fraction: number; completed: number }[] = [];
  const n = 100;
  const k = neighboursForDropout(n, 0.3);
  const updates = new Map(Array.from({ length: n }, (_, i) => [i, new Float32Array(100).fill(0.01)] as [number, Float32Array]));
  for (const fraction of [0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.6]) {
    let completed = 0;
    for (let seed = 0; seed < 5; seed++) {
      const setup = createSecAggSetup({ round: 1, clientIds: [...updates.keys()], vectorLength: 100, neighbours: k, graphSeed: seed + 1 });
      const order = permutation(n, createRng(seed + 100));
      try {
        await runInProcessRound(setup, updates, { dropBeforeUnmask: Array.from(order.subarray(0, Math.floor(fraction * n))) });
        completed++;
      } catch {
        // a refused round: too many dropouts for some client's threshold
      }
    }
    survival.push({ fraction, completed });
  }
  const survived = survival.filter((x) => x.completed === 5).map((x) => x.fraction);
  lines.push(
    `Dropout after masking, ${n} clients, k = ${k}, t = ${Math.floor(k / 2) + 1}, 5 graph seeds per fraction: ${survival.map((x) => `${x.fraction * 100}%: ${x.completed}/5`).join(', ')}; the largest fraction every round survived: ${survived.length > 0 ? `${Math.max(...survived) * 100}%` : 'none'}.`,
    '',
  );
  return { rows, survival };
}

async function benchCompression(opts: Options, lines: string[]): Promise<unknown> {
  const codecs: { label: string; spec: Record<string, unknown> | undefined }[] = [
    { label: 'none (float32)', spec: undefined },
    { label: 'float16', spec: { name: 'float16' } },
    { label: 'q8 (blocks of 256)', spec: { name: 'q8' } },
    { label: 'top-1% + error feedback', spec: { name: 'topk', fraction: 0.01 } },
  ];
  const rows: { label: string; accuracy: number[]; bytesReceived: number; seconds: number }[] = [];
  for (const c of codecs) {
    const config: FederatedConfigInput = {
      mode: 'federated',
      name: `privacy-compression-${c.spec?.name ?? 'none'}`,
      seed: opts.seed,
      backend: opts.backend as FederatedConfigInput['backend'],
      data: { dataset: 'fashion-mnist' },
      model: LI_CNN,
      optimizer: { name: 'sgd', learningRate: 0.01, momentum: 0.9 },
      strategy: { aggregator: { name: 'mean' }, ...(c.spec === undefined ? {} : { compression: c.spec as never }), localEpochs: 1, batchSize: 64 },
      rounds: opts.compressionRounds,
      sampling: { fraction: 1, minFit: 10, minAvailable: 10 },
      simulation: { clients: 10, partition: { method: 'iid' }, baselines: { localOnly: false, pooled: false } },
    };
    const started = performance.now();
    const result = await runSimulation(config, { onEvent: progress(c.label) });
    const h = result.federated.history;
    rows.push({ label: c.label, accuracy: h.map((r) => r.evaluation?.accuracy ?? Number.NaN), bytesReceived: h.reduce((sum, r) => sum + r.bytesReceived, 0), seconds: (performance.now() - started) / 1000 });
  }
  const plain = rows[0].bytesReceived;
  lines.push(
    '## Compression: accuracy against bytes',
    '',
    `Fashion-MNIST, 10 IID clients, all sampled, ${opts.compressionRounds} rounds × 1 local epoch, batch 64, SGD lr 0.01 momentum 0.9, Li et al.'s CNN, FedAvg (mean by example count); bytes received by the server from the clients over the run; seed ${opts.seed}.`,
    '',
    `Command: \`npm run bench:privacy -- --only compression --compression-rounds ${opts.compressionRounds}\``,
    '',
    '| codec | final accuracy | bytes received | against float32 | seconds |',
    '|---|---|---|---|---|',
  );
  for (const r of rows) lines.push(`| ${r.label} | ${pct(r.accuracy[r.accuracy.length - 1])} | ${r.bytesReceived.toLocaleString('en-US')} | ${(r.bytesReceived / plain).toFixed(3)}× | ${r.seconds.toFixed(0)} |`);
  lines.push('');
  return rows;
}

/** Plain against DP-SGD local training (samples/s) on small MLPs: what sample-level privacy costs a client. */
async function benchDpSgd(opts: Options, lines: string[]): Promise<unknown> {
  await selectBackend(opts.backend as BackendName);
  const n = 400;
  const rng = createRng(opts.seed);
  const features = Float32Array.from({ length: n * 3 }, () => rng.next() - 0.5);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  for (let i = 0; i < n; i++) features[i * 3] += labels[i] === 0 ? -1 : 1;
  const data = makeDataset({ features, sampleShape: [3], labels, numClasses: 2 }, 'two classes');
  const rows: { hidden: number[]; plain: number; dpSgd: number }[] = [];
  for (const hidden of [[4], [64, 64]]) {
    const trainer = new LocalTrainer(FederatedTaskSchema.parse({ model: { type: 'mlp', hidden }, optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0 }, inputShape: [3], numClasses: 2 }));
    const global = new Float32Array(trainer.size).fill(0.05);
    const fit = async (extra: Record<string, number>): Promise<number> =>
      (await trainer.fit({ data, clientId: 'bench', global, config: parseClientTrainConfig({ localEpochs: 1, batchSize: 32, seed: opts.seed, ...extra }), extras: {} })).metrics.samplesPerSecond;
    const plain: number[] = [];
    const dp: number[] = [];
    // One warm-up pair, then the median of 5.
    for (let r = 0; r < 6; r++) {
      plain.push(await fit({}));
      dp.push(await fit({ dpSgdClip: 1, dpSgdNoiseMultiplier: 1, dpSgdDelta: 1e-5 }));
    }
    const median = (xs: number[]): number => xs.slice(1).sort((a, b) => a - b)[2];
    rows.push({ hidden, plain: median(plain), dpSgd: median(dp) });
    trainer.dispose();
  }
  lines.push(
    '## DP-SGD: what sample-level privacy costs a client',
    '',
    `One local epoch of ${n} examples (3 features, 2 classes), batch 32, SGD, backend ${opts.backend}; samples/s, median of 5 after a warm-up. DP-SGD takes one backward pass per example.`,
    '',
    `Command: \`npm run bench:privacy -- --only dpsgd --backend ${opts.backend}\``,
    '',
    '| model | plain samples/s | DP-SGD samples/s | slowdown |',
    '|---|---|---|---|',
    ...rows.map((r) => `| MLP 3-${r.hidden.join('-')}-2 | ${r.plain.toFixed(0)} | ${r.dpSgd.toFixed(0)} | ${(r.plain / r.dpSgd).toFixed(1)}× |`),
    '',
  );
  return rows;
}

async function main(): Promise<void> {
  const opts = parse();
  mkdirSync(opts.out, { recursive: true });
  const lines = ['# Privacy and security benchmark', ''];
  const json: Record<string, unknown> = { options: opts };
  const began = performance.now();
  if (opts.only.includes('dp')) json.dp = await benchDp(opts, lines);
  if (opts.only.includes('secagg')) json.secagg = await benchSecAgg(opts, lines);
  if (opts.only.includes('compression')) json.compression = await benchCompression(opts, lines);
  if (opts.only.includes('dpsgd')) json.dpSgd = await benchDpSgd(opts, lines);
  lines.push(`${((performance.now() - began) / 60_000).toFixed(0)} min in all, peak RSS ${peakRssMiB()} MiB.`);
  const md = `${lines.join('\n')}\n`;
  writeFileSync(join(opts.out, 'privacy.md'), md);
  writeFileSync(join(opts.out, 'privacy.json'), `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:privacy failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
