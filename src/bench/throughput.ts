/**
 * `npm run bench`: client-update throughput of jointly's own training step.
 *
 *   node dist/bench/throughput.js [--out file] [--seconds N]
 *
 * For every backend that loads here (`tensorflow`, then `wasm`, then `cpu`) and two reference
 * models (an MLP and a small CNN on MNIST-shaped inputs), times `trainStep` with one member and
 * the independent objective on a fixed seeded batch, and reports samples/s, ms/step, GFLOP/s,
 * peak memory and tfjs tensor counts. Writes a JSON file (default bench-results/throughput.json),
 * prints an aligned table on stdout and one progress line per measurement on stderr.
 *
 * Exit status: 0 when every backend that loaded was measured (backends that do not load are
 * skipped, with the reason), 1 when a measurement failed (error, or tensors leaking per step),
 * 2 on bad usage.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../engine/backend.js';
import type { Batch } from '../engine/batch.js';
import { createMember, type Member } from '../engine/member.js';
import { buildModel, forwardMacs, type ModelSpecInput } from '../engine/model-spec.js';
import { createOptimizer, type OptimizerSpecInput } from '../engine/optimizer.js';
import { createRng, deriveSeed } from '../engine/random.js';
import { trainStep } from '../engine/train-step.js';
import { independentObjective } from '../mutual/methods/independent.js';
import { trackPeakMemory, type PeakMemorySummary, type PeakMemoryTracker } from './peak-memory.js';

const USAGE = `usage: node dist/bench/throughput.js [--out file] [--seconds N]

  --out <file>     JSON results (default bench-results/throughput.json; the folder is created)
  --seconds <N>    timed seconds per (backend, model), at least 3 steps (default 10)
  -h, --help       this help`;

const DEFAULT_OUT = 'bench-results/throughput.json';
const DEFAULT_SECONDS = 10;
/** Backends in the order `auto` would prefer them. */
const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
/** Seed of the weights and of the fixed batch. */
const SEED = 1234;
const MIN_TIMED_STEPS = 3;
const MAX_WARMUP_STEPS = 3;
/** Warm-up stops after this share of --seconds (but runs at least one step: Adam creates its moments then). */
const WARMUP_SHARE = 0.25;
/** FLOPs per multiply-accumulate, and the cost of forward + backward relative to forward. */
const FLOPS_PER_MAC = 2;
const TRAIN_TO_FORWARD = 3;
const MIB = 1024 * 1024;

/** One reference workload. */
interface ReferenceModel {
  id: string;
  architecture: string;
  spec: ModelSpecInput;
  inputShape: readonly number[];
  numClasses: number;
  batchSize: number;
  optimizer: OptimizerSpecInput;
}

const REFERENCE_MODELS: readonly ReferenceModel[] = [
  {
    id: 'mlp',
    architecture: '784-256-128-10',
    spec: { type: 'mlp', hidden: [256, 128] },
    inputShape: [784],
    numClasses: 10,
    batchSize: 128,
    optimizer: { name: 'adam', learningRate: 1e-3 },
  },
  {
    id: 'cnn',
    architecture: 'conv16-pool-conv32-pool-dense10 on 28x28x1',
    spec: {
      type: 'cnn',
      conv: [
        { filters: 16, kernelSize: 3, pool: 'max' },
        { filters: 32, kernelSize: 3, pool: 'max' },
      ],
      dense: [],
    },
    inputShape: [28, 28, 1],
    numClasses: 10,
    batchSize: 64,
    optimizer: { name: 'adam', learningRate: 1e-3 },
  },
];

interface BenchOptions {
  out: string;
  seconds: number;
}

/** Memory figures of one measurement: process RSS plus tfjs's own accounting. */
interface MeasurementMemory extends PeakMemorySummary {
  /** tf.memory().numTensors before the model was built. */
  tfNumTensorsBefore: number;
  /** tf.memory() after the timed steps (weights, Adam moments, the batch); asserted constant over the timed steps. */
  tfNumTensors: number;
  tfNumBytes: number;
  /** tf.memory().numTensors after disposing the model, optimizer and batch; should equal tfNumTensorsBefore. */
  tfNumTensorsAfterDispose: number;
}

/** Result of one (backend, model) measurement. */
interface Measurement {
  backend: string;
  model: string;
  architecture: string;
  batchSize: number;
  optimizer: OptimizerSpecInput;
  parameters: number;
  forwardMacsPerSample: number;
  warmupSteps: number;
  warmupSeconds: number;
  steps: number;
  seconds: number;
  msPerStep: number;
  msPerStepMedian: number;
  msPerStepMin: number;
  msPerStepMax: number;
  /** Process CPU time (user + system, all threads) per timed step. */
  cpuMsPerStep: number;
  /** CPU time / wall time over the timed steps: how much of a core the run got (can exceed 1 with GC threads). */
  cpuShare: number;
  samplesPerSecond: number;
  gflopsPerSecond: number;
  /** Loss of the first warm-up step and of the last timed step (it should fall: the batch is fixed). */
  loss: { first: number; last: number };
  memory: MeasurementMemory;
}

/** What `measure` knows before its model, optimizer and batch are disposed. */
type MeasurementBeforeDispose = Omit<Measurement, 'memory'> & { memory: Omit<MeasurementMemory, 'tfNumTensorsAfterDispose'> };

/** A backend that was loaded, with how. */
interface LoadedBackend {
  name: string;
  reason: string;
  /** wasm only: SIMD and threads as detected by @tensorflow/tfjs-backend-wasm. */
  wasm?: { simd: boolean; multithread: boolean; threads: number };
}

interface Skipped {
  backend: string;
  reason: string;
}

interface Failure {
  backend: string;
  model: string;
  error: string;
}

interface Report {
  date: string;
  node: string;
  platform: string;
  tfjs: string;
  cpu: { model: string; count: number };
  loadAverage: { start: number[]; end: number[] };
  settings: { seconds: number; minTimedSteps: number; maxWarmupSteps: number; seed: number };
  backends: LoadedBackend[];
  results: Measurement[];
  skipped: Skipped[];
  failures: Failure[];
  notes: string[];
}

const NOTES: readonly string[] = [
  'Workload: jointly trainStep with one member and independentObjective (softmax cross-entropy), Adam, on one fixed seeded random batch (inputs uniform in [0, 1), random labels).',
  `Timing: each measurement first runs untimed warm-up steps (at least 1, at most ${MAX_WARMUP_STEPS}), then timed steps for about --seconds and at least ${MIN_TIMED_STEPS}. ms/step and samples/s cover only the trainStep calls (forward, loss, backward, Adam update, reading the loss back to JS).`,
  'GFLOP/s = 3 x 2 x forwardMacs x samples/s / 1e9: one multiply-accumulate is 2 FLOPs and forward + backward is taken as about 3x the forward pass. Only Dense and Conv2D MACs count (not activations, pooling, loss or the Adam update), and the first layer needs no input gradient, so this is an approximation.',
  'Memory: rssPeakSampledBytes is the largest process RSS sampled after every step of the measurement (from model build to the end of timing). processMaxRssBytes is ru_maxrss, the high-water mark of the whole process, so on its own it would credit a measurement with the peaks of earlier ones; when it rose during the measurement (processMaxRssRose) the peak happened inside it, and rssPeakBytes takes it, else rssPeakBytes is the sampled peak. rssPeakDeltaBytes is rssPeakBytes minus the RSS before the model was built. WebAssembly memory never shrinks, so RSS after the wasm runs still holds the wasm heap: compare deltas, not absolute peaks, across backends.',
  'tfNumTensors/tfNumBytes are tf.memory() after the timed steps; numTensors was checked to be unchanged after every timed step (a growth fails the run). Models, optimizers and batches are disposed between measurements.',
  'The machine may be shared with other jobs: loadAverage records os.loadavg() at start and end, msPerStepMin/Median/Max show the spread, and cpuShare (process CPU time / wall time over the timed steps; tfjs cpu and wasm here run on one thread) shows how much of a core the run actually got: well below 1 means the numbers are slowed by contention.',
];

/** Parses the command line; returns null when help was asked for. Throws on bad usage. */
function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      seconds: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return null;
  const seconds = values.seconds === undefined ? DEFAULT_SECONDS : Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number, got '${values.seconds}'`);
  return { out: values.out ?? DEFAULT_OUT, seconds };
}

/** A fixed batch for `ref`: seeded uniform inputs in [0, 1) and seeded labels, on the active backend. */
function makeBatch(ref: ReferenceModel, seed: number): Batch {
  const rng = createRng(seed);
  const n = ref.batchSize;
  const sampleSize = ref.inputShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * sampleSize);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(ref.numClasses);
  const targets = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), ref.numClasses), 'float32'));
  return {
    inputs: { x: tf.tensor(x, [n, ...ref.inputShape], 'float32') },
    targets: { y: targets },
    labels: { y: labels },
    size: n,
  };
}

/** Disposes a batch's tensors. */
function disposeBatch(batch: Batch): void {
  tf.dispose([...Object.values(batch.inputs), ...Object.values(batch.targets)]);
}

/** How long to keep stepping: until `seconds` have passed and at least `minSteps` ran, but never past `maxSteps`. */
interface StepBudget {
  seconds: number;
  minSteps: number;
  maxSteps: number;
}

/** Calls `step` (which returns its own duration in ms) as the budget allows; returns the durations. */
function runSteps(step: (index: number) => number, budget: StepBudget): number[] {
  const durations: number[] = [];
  const start = performance.now();
  while (
    durations.length < budget.maxSteps &&
    (durations.length < budget.minSteps || performance.now() - start < budget.seconds * 1000)
  ) {
    durations.push(step(durations.length));
  }
  return durations;
}

/** Median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Sum of a list. */
function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** What the warm-up and timed steps of one measurement produced. */
interface StepTimings {
  /** Durations of the warm-up steps, ms. */
  warmup: number[];
  /** Durations of the timed steps, ms. */
  timed: number[];
  /** Loss after every step (warm-up and timed). */
  losses: number[];
  /** Process CPU time and wall time over the timed steps, ms. */
  cpuMs: number;
  wallMs: number;
}

/**
 * Runs warm-up steps, then timed steps for about `seconds`, of `member` on `batch`, sampling RSS
 * after every step. Throws if tf.memory().numTensors changes during the timed steps.
 */
function timeTrainSteps(member: Member, batch: Batch, opts: { seconds: number; memory: PeakMemoryTracker }): StepTimings {
  const objective = independentObjective();
  const losses: number[] = [];
  /** One trainStep; returns its duration in ms (the loss and RSS are recorded outside the timing). */
  const step = (): number => {
    const t0 = performance.now();
    const values = trainStep({ members: [member], objective, batch, epoch: 0, step: losses.length, stepsPerEpoch: Number.MAX_SAFE_INTEGER });
    const ms = performance.now() - t0;
    losses.push(Object.values(values)[0]);
    opts.memory.sample();
    return ms;
  };
  const warmup = runSteps(step, { seconds: opts.seconds * WARMUP_SHARE, minSteps: 1, maxSteps: MAX_WARMUP_STEPS });
  const steadyTensors = tf.memory().numTensors;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const timed = runSteps(
    (i) => {
      const ms = step();
      const now = tf.memory().numTensors;
      if (now !== steadyTensors) {
        throw new Error(`tf.memory().numTensors went from ${steadyTensors} to ${now} at timed step ${i + 1}: the training step leaks tensors`);
      }
      return ms;
    },
    { seconds: opts.seconds, minSteps: MIN_TIMED_STEPS, maxSteps: Number.POSITIVE_INFINITY },
  );
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return { warmup, timed, losses, cpuMs: (cpu.user + cpu.system) / 1000, wallMs };
}

/** Measures `ref` on the active backend `backend` for about `seconds`; disposes what it built. Throws if tensors leak per step. */
function measure(backend: string, ref: ReferenceModel, seconds: number): MeasurementBeforeDispose {
  const tfNumTensorsBefore = tf.memory().numTensors;
  const memory = trackPeakMemory();
  const model = buildModel(ref.spec, { inputShape: ref.inputShape, numClasses: ref.numClasses, seed: SEED, name: `bench-${backend}-${ref.id}` });
  const optimizer = createOptimizer(ref.optimizer);
  const batch = makeBatch(ref, deriveSeed(SEED, `batch-${ref.id}`));
  try {
    const member = createMember({ name: ref.id, model, optimizer });
    const { warmup, timed, losses, cpuMs, wallMs } = timeTrainSteps(member, batch, { seconds, memory });
    const after = tf.memory();
    const totalMs = sum(timed);
    const samplesPerSecond = (ref.batchSize * timed.length) / (totalMs / 1000);
    const macs = forwardMacs(model);
    return {
      backend,
      model: ref.id,
      architecture: ref.architecture,
      batchSize: ref.batchSize,
      optimizer: ref.optimizer,
      parameters: model.countParams(),
      forwardMacsPerSample: macs,
      warmupSteps: warmup.length,
      warmupSeconds: sum(warmup) / 1000,
      steps: timed.length,
      seconds: totalMs / 1000,
      msPerStep: totalMs / timed.length,
      msPerStepMedian: median(timed),
      msPerStepMin: Math.min(...timed),
      msPerStepMax: Math.max(...timed),
      cpuMsPerStep: cpuMs / timed.length,
      cpuShare: cpuMs / wallMs,
      samplesPerSecond,
      gflopsPerSecond: (TRAIN_TO_FORWARD * FLOPS_PER_MAC * macs * samplesPerSecond) / 1e9,
      loss: { first: losses[0], last: losses[losses.length - 1] },
      memory: {
        ...memory.summary(),
        tfNumTensorsBefore,
        tfNumTensors: after.numTensors,
        tfNumBytes: after.numBytes,
      },
    };
  } finally {
    model.dispose();
    optimizer.dispose();
    disposeBatch(batch);
  }
}

/** Runs `measure` and records how many tensors remain once everything it made is disposed. */
function measureAndDispose(backend: string, ref: ReferenceModel, seconds: number): Measurement {
  const result = measure(backend, ref, seconds);
  return { ...result, memory: { ...result.memory, tfNumTensorsAfterDispose: tf.memory().numTensors } };
}

/** Activates `backend`; resolves to how it loaded, or to the reason it did not. */
async function loadBackend(backend: string): Promise<LoadedBackend | Skipped> {
  try {
    const choice = await selectBackend(backend);
    const loaded: LoadedBackend = { name: choice.name, reason: choice.reason };
    if (choice.name === 'wasm') {
      loaded.wasm = {
        simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true,
        multithread: (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true,
        threads: getThreadsCount(),
      };
    }
    return loaded;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const hint = err instanceof Error && 'hint' in err && typeof err.hint === 'string' ? ` (${err.hint})` : '';
    return { backend, reason: `${message}${hint}` };
  }
}

/** The message of an unknown thrown value. */
function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Pads every column of `rows` to its widest cell; `rightAlign[i]` right-aligns column i. */
function alignColumns(rows: readonly string[][], rightAlign: readonly boolean[]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  return rows
    .map((r) => r.map((cell, col) => (rightAlign[col] ? cell.padStart(widths[col]) : cell.padEnd(widths[col]))).join('  ').trimEnd())
    .join('\n');
}

/** Bytes as MiB with one decimal. */
function mib(bytes: number): string {
  return (bytes / MIB).toFixed(1);
}

/** The human-readable summary printed on stdout. */
function formatReport(report: Report, outPath: string): string {
  const header = ['backend', 'model', 'batch', 'steps', 'ms/step', 'samples/s', 'GFLOP/s', 'CPU share', 'peak RSS MiB', '+RSS MiB', 'tensors', 'tensor MiB'];
  const rows = report.results.map((r) => [
    r.backend,
    r.model,
    String(r.batchSize),
    String(r.steps),
    r.msPerStep.toFixed(1),
    r.samplesPerSecond.toFixed(1),
    r.gflopsPerSecond.toFixed(2),
    r.cpuShare.toFixed(2),
    mib(r.memory.rssPeakBytes),
    mib(r.memory.rssPeakDeltaBytes),
    String(r.memory.tfNumTensors),
    mib(r.memory.tfNumBytes),
  ]);
  const lines = [
    `jointly trainStep throughput: 1 member, independent objective, Adam (node ${report.node}, tfjs ${report.tfjs})`,
    `cpu: ${report.cpu.model} x ${report.cpu.count}; load average at start ${report.loadAverage.start.map((l) => l.toFixed(2)).join(' ')}`,
    ...REFERENCE_MODELS.map((m) => `${m.id}: ${m.architecture}, batch ${m.batchSize}`),
    '',
    alignColumns([header, ...rows], header.map((_, i) => i >= 2)),
    '',
    ...report.skipped.map((s) => `skipped ${s.backend}: ${s.reason}`),
    ...report.failures.map((f) => `FAILED ${f.backend} ${f.model}: ${f.error}`),
    ...report.results
      .filter((r) => r.memory.tfNumTensorsAfterDispose !== r.memory.tfNumTensorsBefore)
      .map((r) => `warning: ${r.backend} ${r.model} left ${r.memory.tfNumTensorsAfterDispose - r.memory.tfNumTensorsBefore} tensor(s) after disposing its model, optimizer and batch`),
    'GFLOP/s = 3 x 2 x forward MACs x samples/s / 1e9 (forward + backward ~ 3x forward).',
    'CPU share: process CPU time / wall time over the timed steps (below 1: other jobs took the core).',
    'tensors, tensor MiB: tf.memory() after the timed steps; numTensors was unchanged after every timed step.',
    'peak RSS: sampled after every step, or ru_maxrss when it rose during the measurement; +RSS: above the RSS before the model was built.',
    `process ru_maxrss at the end: ${mib(process.resourceUsage().maxRSS * 1024)} MiB`,
    `results: ${outPath}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** One progress line on stderr. */
function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs every (backend, model) measurement and writes the report; resolves to the exit code. */
async function main(argv: string[]): Promise<number> {
  let options: BenchOptions | null;
  try {
    options = parseOptions(argv);
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n${USAGE}\n`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const cpus = os.cpus();
  const report: Report = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    tfjs: tf.version_core,
    cpu: { model: cpus[0]?.model ?? 'unknown', count: cpus.length },
    loadAverage: { start: os.loadavg(), end: [] },
    settings: { seconds: options.seconds, minTimedSteps: MIN_TIMED_STEPS, maxWarmupSteps: MAX_WARMUP_STEPS, seed: SEED },
    backends: [],
    results: [],
    skipped: [],
    failures: [],
    notes: [...NOTES],
  };
  const total = BACKENDS.length * REFERENCE_MODELS.length;
  let index = 0;
  for (const backend of BACKENDS) {
    const loaded = await loadBackend(backend);
    if (!('name' in loaded)) {
      report.skipped.push(loaded);
      progress(`[${index + 1}-${index + REFERENCE_MODELS.length}/${total}] ${backend}: skipped (${loaded.reason})`);
      index += REFERENCE_MODELS.length;
      continue;
    }
    report.backends.push(loaded);
    for (const ref of REFERENCE_MODELS) {
      index++;
      const label = `[${index}/${total}] ${backend} ${ref.id}`;
      progress(`${label}: measuring for ~${options.seconds} s (at least ${MIN_TIMED_STEPS} steps)...`);
      try {
        const r = measureAndDispose(backend, ref, options.seconds);
        report.results.push(r);
        progress(`${label}: ${r.samplesPerSecond.toFixed(1)} samples/s, ${r.msPerStep.toFixed(1)} ms/step over ${r.steps} steps, loss ${r.loss.first.toFixed(3)} -> ${r.loss.last.toFixed(3)}`);
      } catch (err) {
        report.failures.push({ backend, model: ref.id, error: errorMessage(err) });
        progress(`${label}: FAILED: ${errorMessage(err)}`);
      }
    }
  }
  report.loadAverage.end = os.loadavg();
  const outPath = resolve(options.out);
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(formatReport(report, outPath));
  return report.failures.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
