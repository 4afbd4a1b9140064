/**
 * Aggregation speed against this machine's memory bandwidth: FedAvg's weighted mean (and the
 * update sum, the coordinate median, the trimmed mean and Krum/Bulyan's pairwise distances) over
 * `clients` updates of `params` float32 values, in GB/s of client-update bytes read (clients ×
 * params × 4 per call), on the reference loops, the blocked TypeScript kernels and the native
 * addon's (1 thread and every configured thread), next to the bandwidth of a streaming read
 * measured on the spot by the addon (memoryBandwidth). Writes bench-results/aggregation.json.
 *
 *   node dist/bench/aggregation.js [--clients 100] [--params 1000000] [--robust-params 200000]
 *     [--seconds 1] [--reference] [--out bench-results/aggregation.json]
 *
 * The median, trimmed mean and distances cost far more per byte than the mean (a selection per
 * coordinate; n²/2 pairs), so they run on the first `--robust-params` coordinates. The reference
 * loops run on the mean only unless --reference is given (they take seconds per call).
 * `measureAggregation(options)` is the same run for a top-level benchmark.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { positiveInteger, positiveNumber } from './flag-values.js';
import { loadNativeAddon, type NativeAddon } from '../engine/native/addon.js';
import { nativeAggregationKernels } from '../engine/native/aggregation-kernels.js';
import { createRng } from '../engine/random.js';
import { BLOCKED_KERNELS } from '../federated/aggregate/blocked.js';
import { coordinateMedian } from '../federated/aggregate/coordinate-median.js';
import { setAggregationKernels, type AggregationKernels } from '../federated/aggregate/kernels.js';
import { pairwiseSquaredDistances } from '../federated/aggregate/krum.js';
import { REFERENCE_KERNELS } from '../federated/aggregate/reference.js';
import { trimmedMean } from '../federated/aggregate/trimmed-mean.js';
import { weightedMean, weightedUpdateSum } from '../federated/aggregate/weighted-mean.js';

/** Options of `measureAggregation`. */
export interface AggregationBenchOptions {
  /** Client updates per aggregation. Default 100. */
  clients?: number;
  /** Parameters per update for the weighted mean and update sum. Default 1,000,000. */
  params?: number;
  /** Parameters per update for the median, trimmed mean and distances. Default min(params, 200,000). */
  robustParams?: number;
  /** Timed seconds per measurement (at least 3 calls, after one untimed call). Default 1. */
  seconds?: number;
  /** Also time the reference loops on the median, trimmed mean and distances. Default false. */
  reference?: boolean;
  /** Bytes of the buffer the bandwidth measurement streams. Default 256 MiB. */
  bandwidthBytes?: number;
}

/** The aggregation operations measured. */
export type AggregationOperation = 'weightedMean' | 'weightedUpdateSum' | 'coordinateMedian' | 'trimmedMean' | 'pairwiseSquaredDistances';

/** One (operation, kernels, threads) timing. */
export interface AggregationMeasurement {
  operation: AggregationOperation;
  /** `reference`, `blocked` (TypeScript) or `native`. */
  kernels: string;
  /** Native threads; 1 for the TypeScript kernels. */
  threads: number;
  clients: number;
  params: number;
  /** Timed calls. */
  calls: number;
  /** Median seconds per call. */
  secondsPerCall: number;
  /** Client-update bytes read per second (clients × params × 4 / secondsPerCall), 1e9 bytes. */
  gbPerSecond: number;
  /** gbPerSecond over the streaming-read bandwidth at the same thread count (null without the addon). */
  fractionOfBandwidth: number | null;
}

/** The machine's streaming-read bandwidth, measured by the addon. */
export interface BandwidthMeasurement {
  bytes: number;
  /** GB/s on one thread. */
  singleThread: number;
  /** GB/s on `threads` threads. */
  allThreads: number;
  threads: number;
}

/** What `measureAggregation` returns (and aggregation.json holds). */
export interface AggregationBenchResult {
  date: string;
  node: string;
  cpu: { model: string; count: number };
  /** Why the native kernels and the bandwidth are missing, or null when the addon loaded. */
  nativeUnavailable: string | null;
  bandwidth: BandwidthMeasurement | null;
  measurements: AggregationMeasurement[];
  /**
   * The issue's target: FedAvg's weighted mean (the fastest kernels and thread count) at ≥ 50% of
   * the machine's measured bandwidth (the faster of the 1-thread and all-thread reads).
   */
  fedAvg: { gbPerSecond: number; kernels: string; threads: number; fractionOfBandwidth: number | null; target: 0.5; met: boolean | null };
}

function randomUpdates(clients: number, params: number): Float32Array[] {
  const rng = createRng(13);
  return Array.from({ length: clients }, () => {
    const v = new Float32Array(params);
    for (let i = 0; i < params; i++) v[i] = rng.next() - 0.5;
    return v;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median seconds of `f` over ≥ 3 timed calls filling `seconds` (after one untimed call). */
function time(f: () => void, seconds: number): { calls: number; secondsPerCall: number } {
  f();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || performance.now() - start < seconds * 1000) {
    const t0 = performance.now();
    f();
    times.push((performance.now() - t0) / 1000);
  }
  return { calls: times.length, secondsPerCall: median(times) };
}

interface Setup {
  kernels: AggregationKernels;
  threads: number;
  addon?: NativeAddon;
}

/** Measures the aggregation kernels (see the file's comment); prints nothing. */
export function measureAggregation(options: AggregationBenchOptions = {}): AggregationBenchResult {
  const clients = options.clients ?? 100;
  const params = options.params ?? 1_000_000;
  const robustParams = Math.min(params, options.robustParams ?? 200_000);
  const seconds = options.seconds ?? 1;
  const loaded = loadNativeAddon();
  const addon = 'addon' in loaded ? loaded.addon : undefined;
  const maxThreads = addon?.getThreads() ?? 1;

  let bandwidth: BandwidthMeasurement | null = null;
  if (addon !== undefined) {
    const bytes = options.bandwidthBytes ?? 256 * 1024 * 1024;
    const seconds1 = Math.max(0.3, seconds);
    bandwidth = { bytes, singleThread: addon.memoryBandwidth(bytes, seconds1, 1), allThreads: addon.memoryBandwidth(bytes, seconds1, maxThreads), threads: maxThreads };
  }

  const updates = randomUpdates(clients, params);
  const robust = robustParams === params ? updates : updates.map((v) => v.subarray(0, robustParams));
  const global = randomUpdates(1, params)[0];
  const weights = updates.map((_, k) => 100 + k);
  const operations: { op: AggregationOperation; params: number; run: () => void }[] = [
    { op: 'weightedMean', params, run: () => weightedMean(updates, weights) },
    { op: 'weightedUpdateSum', params, run: () => weightedUpdateSum(global, updates, weights) },
    { op: 'coordinateMedian', params: robustParams, run: () => coordinateMedian(robust) },
    { op: 'trimmedMean', params: robustParams, run: () => trimmedMean(robust, { beta: 0.1 }) },
    { op: 'pairwiseSquaredDistances', params: robustParams, run: () => pairwiseSquaredDistances(robust) },
  ];
  const setups: Setup[] = [{ kernels: REFERENCE_KERNELS, threads: 1 }, { kernels: BLOCKED_KERNELS, threads: 1 }];
  if (addon !== undefined) {
    const native = nativeAggregationKernels(addon);
    for (const threads of new Set([1, maxThreads])) setups.push({ kernels: native, threads, addon });
  }

  const measurements: AggregationMeasurement[] = [];
  try {
    for (const setup of setups) {
      setAggregationKernels(() => setup.kernels);
      setup.addon?.setThreads(setup.threads);
      for (const { op, params: p, run } of operations) {
        if (setup.kernels === REFERENCE_KERNELS && op !== 'weightedMean' && op !== 'weightedUpdateSum' && options.reference !== true) continue;
        const { calls, secondsPerCall } = time(run, seconds);
        const gbPerSecond = (clients * p * 4) / secondsPerCall / 1e9;
        const bw = bandwidth === null ? null : setup.threads === 1 ? bandwidth.singleThread : bandwidth.allThreads;
        measurements.push({ operation: op, kernels: setup.kernels.name, threads: setup.threads, clients, params: p, calls, secondsPerCall, gbPerSecond, fractionOfBandwidth: bw === null ? null : gbPerSecond / bw });
      }
    }
  } finally {
    setAggregationKernels(undefined);
    addon?.setThreads(maxThreads);
  }

  const means = measurements.filter((m) => m.operation === 'weightedMean');
  const best = means.reduce((a, b) => (b.gbPerSecond > a.gbPerSecond ? b : a));
  // Against the machine's bandwidth: the faster of the 1-thread and all-thread streaming reads.
  const fraction = bandwidth === null ? null : best.gbPerSecond / Math.max(bandwidth.singleThread, bandwidth.allThreads);
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: { model: cpus[0]?.model ?? 'unknown', count: cpus.length },
    nativeUnavailable: 'reason' in loaded ? loaded.reason : null,
    bandwidth,
    measurements,
    fedAvg: { gbPerSecond: best.gbPerSecond, kernels: best.kernels, threads: best.threads, fractionOfBandwidth: fraction, target: 0.5, met: fraction === null ? null : fraction >= 0.5 },
  };
}

/** The result as a Markdown table. */
export function aggregationTable(r: AggregationBenchResult): string {
  const lines = [
    `Aggregation of ${r.measurements[0]?.clients ?? 0} client updates (${r.cpu.model}, ${r.cpu.count} cpus, node ${r.node})`,
    r.bandwidth === null
      ? `memory bandwidth: not measured (${r.nativeUnavailable ?? 'no addon'})`
      : `memory bandwidth (streaming read of ${r.bandwidth.bytes / 2 ** 20} MiB): ${r.bandwidth.singleThread.toFixed(1)} GB/s on 1 thread, ${r.bandwidth.allThreads.toFixed(1)} GB/s on ${r.bandwidth.threads}`,
    '',
    '| operation | params | kernels | threads | ms per call | GB/s read | share of bandwidth |',
    '|---|---:|---|---:|---:|---:|---:|',
    ...r.measurements.map((m) => `| ${m.operation} | ${m.params.toLocaleString('en-US')} | ${m.kernels} | ${m.threads} | ${(m.secondsPerCall * 1000).toFixed(1)} | ${m.gbPerSecond.toFixed(2)} | ${m.fractionOfBandwidth === null ? '—' : `${(100 * m.fractionOfBandwidth).toFixed(0)}%`} |`),
    '',
    `FedAvg (weighted mean): ${r.fedAvg.gbPerSecond.toFixed(1)} GB/s (${r.fedAvg.kernels}, ${r.fedAvg.threads} thread${r.fedAvg.threads === 1 ? '' : 's'})` +
      (r.fedAvg.fractionOfBandwidth === null ? '' : `, ${(100 * r.fedAvg.fractionOfBandwidth).toFixed(0)}% of the measured bandwidth (target 50%: ${r.fedAvg.met === true ? 'met' : 'missed'})`),
  ];
  return `${lines.join('\n')}\n`;
}

const USAGE = 'usage: node dist/bench/aggregation.js [--clients 100] [--params 1000000] [--robust-params 200000] [--seconds 1] [--reference] [--out bench-results/aggregation.json]';

function main(): void {
  let values;
  try {
    values = parseArgs({
      options: {
        clients: { type: 'string', default: '100' },
        params: { type: 'string', default: '1000000' },
        'robust-params': { type: 'string', default: '200000' },
        seconds: { type: 'string', default: '1' },
        reference: { type: 'boolean', default: false },
        out: { type: 'string', default: 'bench-results/aggregation.json' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
    if (values.help !== true) {
      for (const flag of ['clients', 'params', 'robust-params'] as const) positiveInteger(flag, values[flag]);
      positiveNumber('seconds', values.seconds);
    }
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const result = measureAggregation({
    clients: Number(values.clients),
    params: Number(values.params),
    robustParams: Number(values['robust-params']),
    seconds: Number(values.seconds),
    reference: values.reference,
  });
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(aggregationTable(result));
  process.stdout.write(`(written to ${values.out})\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
