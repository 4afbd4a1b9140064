/**
 * Cost of one SecAgg+ round for the benchmark: bytes each client sends against plain float32
 * (4·d bytes), and client and server seconds, measured with the in-process driver.
 */
import { createRng } from '../../engine/random.js';
import { runInProcessRound } from './driver.js';
import { createSecAggSetup } from './setup.js';

/** Options of {@link measureSecAggRound}. */
export interface MeasureSecAggOptions {
  /** Seed of the updates, the dropouts and the graph; default 1. */
  seed?: number;
  /** Clients run at once per stage; default 1 (honest per-client seconds). */
  concurrency?: number;
  /** k, neighbours per client; default the O(log n) `defaultNeighbourCount` (the runtimes size it from the dropout instead). */
  neighbours?: number;
}

/** What {@link measureSecAggRound} reports. */
export interface SecAggMeasurement {
  /** Clients selected. */
  n: number;
  /** Vector length. */
  d: number;
  /** Neighbours per client. */
  k: number;
  /** Threshold. */
  t: number;
  /** Clients that dropped after sharing secrets, before masked input (the costly case for the server). */
  dropped: number;
  /** Mean bytes sent by a client that completed all four stages. */
  bytesPerClient: number;
  /** Bytes of the same update sent in plain float32: 4·d. */
  plainBytesPerClient: number;
  /** bytesPerClient / plainBytesPerClient. */
  expansion: number;
  /** Mean seconds a client spends in its state machine (all stages, quantization included). */
  clientSeconds: number;
  /** Largest of those. */
  clientSecondsMax: number;
  /** Seconds the server spends in its state machine (mostly `finish`). */
  serverSeconds: number;
  /** Wall-clock seconds of the whole in-process round. */
  wallSeconds: number;
}

/**
 * Runs one in-process round of `n` clients with updates of length `d`, the first
 * ⌊dropFraction · n⌋ clients of a seeded shuffle dropping after sharing secrets and before sending
 * masked input, with default t, clip range and bits, and k = `options.neighbours` (default the O(log n) one). `concurrency` (default 1) is passed to
 * the driver: keep 1 for honest per-client seconds, raise it for a shorter wall-clock round.
 */
export async function measureSecAggRound(n: number, d: number, dropFraction: number, options: MeasureSecAggOptions = {}): Promise<SecAggMeasurement> {
  const seed = options.seed ?? 1;
  const clientIds = Array.from({ length: n }, (_, i) => i);
  const setup = createSecAggSetup({ round: 1, clientIds, vectorLength: d, graphSeed: seed, ...(options.neighbours === undefined ? {} : { neighbours: options.neighbours }) });
  const rng = createRng(seed);
  const updates = new Map<number, Float32Array>();
  for (const id of clientIds) {
    const v = new Float32Array(d);
    for (let i = 0; i < d; i++) v[i] = rng.next() * 2 - 1;
    updates.set(id, v);
  }
  const order = [...clientIds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const dropped = order.slice(0, Math.floor(dropFraction * n));
  const t0 = performance.now();
  const report = await runInProcessRound(setup, updates, { dropBeforeInput: dropped, concurrency: options.concurrency ?? 1 });
  const wallSeconds = (performance.now() - t0) / 1000;
  const complete = report.result.included;
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const bytesPerClient = mean(complete.map((i) => report.bytesSent.get(i) ?? 0));
  const secs = complete.map((i) => report.clientSeconds.get(i) ?? 0);
  return {
    n,
    d,
    k: setup.neighbours,
    t: setup.threshold,
    dropped: dropped.length,
    bytesPerClient,
    plainBytesPerClient: 4 * d,
    expansion: bytesPerClient / (4 * d),
    clientSeconds: mean(secs),
    clientSecondsMax: Math.max(...secs),
    serverSeconds: report.serverSeconds,
    wallSeconds,
  };
}
