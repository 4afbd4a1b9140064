/**
 * Part of `npm run bench`: jointly's training step against PyTorch's on the same models, side by
 * side in one run, and the MLP's sgemm limit.
 *
 *   node dist/bench/throughput.js [--seconds N] [--repeats N] [--threads 1,2] [--models mlp,cnn,lenet] [--backend auto] [--wasm] [--no-pytorch] [--no-sgemm] [--out file]
 *
 * For every thread count and model, `--repeats` rounds of: jointly (step-child.ts, a fresh node
 * process with JOINTLY_THREADS), PyTorch (scripts/bench-pytorch.py with OPENBLAS_NUM_THREADS,
 * OMP_NUM_THREADS and torch.set_num_threads), and for an MLP the sgemm of its step products
 * (sgemm-child.ts, the addon's matMul). Each measurement reports its process's CPU share over
 * its timed loop, so that "1 thread" can be checked on both sides. The report takes medians over
 * the repetitions, the ratio jointly/PyTorch per model and thread count, and each side's fraction
 * of the sgemm limit. Writes JSON (default bench-results/throughput.json), prints the tables on
 * stdout, and one progress line per measurement (what runs, the ETA) on stderr.
 *
 * Files: throughput-options.ts (the command line), interleave.ts (the schedule, medians, ETA),
 * step-child.ts / sgemm-child.ts / pytorch.ts (the measurements), throughput-report.ts (the
 * summary and tables); this file runs the schedule.
 *
 * Exit status: 0 when every scheduled measurement ran (PyTorch or sgemm skipped when they cannot
 * run, with the reason), 1 when one failed, 2 on bad usage.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageOf } from '../errors.js';
import { configuredGemm, GEMM_LIBRARIES, gemmLibraryName, type GemmLibrary } from '../engine/native/addon.js';
import { estimateRemainingSeconds, formatDuration, interleavedSchedule, type Elapsed, type ScheduleItem } from './interleave.js';
import { runJsonChild } from './json-child.js';
import { WARMUP_SHARE } from './measure.js';
import { describeBlas, measureTorch, openblasCoreTypeEnv } from './pytorch.js';
import type { SgemmChildResult } from './sgemm-child.js';
import { mlpUnits } from './sgemm-limit.js';
import type { StepChildResult } from './step-child.js';
import { parseThroughputOptions, THROUGHPUT_USAGE, type ThroughputOptions } from './throughput-options.js';
import { formatCount, formatThroughput, summarizeThroughput, type Run, type ThroughputDocument } from './throughput-report.js';
import { ALL_WORKLOADS } from './workloads.js';

/** A side of the interleaving: a jointly backend, PyTorch, or the sgemm limit on one library. */
type Side = `jointly:${string}` | 'pytorch' | `sgemm:${GemmLibrary}`;

/** Process start-up, model build and warm-up beyond `--seconds`, for the first ETA (later ones scale by what was measured). */
const STARTUP_SECONDS = 2;

const STEP_CHILD = fileURLToPath(new URL('./step-child.js', import.meta.url));
const SGEMM_CHILD = fileURLToPath(new URL('./sgemm-child.js', import.meta.url));

/** Notes written into the JSON document. */
const NOTES: readonly string[] = [
  'Each measurement runs in a fresh process: jointly in node dist/bench/step-child.js with JOINTLY_THREADS=<threads>; PyTorch in /usr/bin/python3 scripts/bench-pytorch.py with OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and torch.set_num_threads at <threads>. The sides alternate (jointly, PyTorch, jointly, PyTorch, ...) for --repeats rounds per model and thread count.',
  'PyTorch\'s allocator: with --pytorch-allocator tuned (the default) the PyTorch process runs with MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ fixed at 1 GiB, so the blocks it frees after every op stay in the process instead of being returned to the kernel and faulted back in by the next op (pytorch.ts, allocatorEnv); on this project\'s VM that made PyTorch 1.2-4x faster. With default it runs as a plain run would. jointly runs with the environment as it is.',
  'samples/s of a run: batch size x timed steps / their total time, after untimed warm-up steps. The summary is the median over repetitions; spread is (max - min) / median; paired range is the smallest and largest jointly/PyTorch of runs in the same round.',
  'CPU share: process CPU time (user + system, all threads; process.cpuUsage() in node, time.process_time() in Python) over wall time, over the timed loop. 1 thread should be about 1.0; more means helper threads (GC, OpenBLAS or OpenMP pools) took CPU too, less means other jobs took the core.',
  'Workloads: jointly trainStep with one member and the independent objective (softmax cross-entropy) on one fixed seeded random batch; PyTorch the same architectures, batch sizes and optimizers (Adam 1e-3 for mlp and cnn, SGD 0.01 momentum 0.9 for lenet) with nn.CrossEntropyLoss.',
  'sgemm limit: the MLP step as matrix products (per dense layer: forward x W, weight gradient xT dy, input gradient dy WT; 2 m n k FLOPs each), each timed through the addon\'s matMul (the addon runs products below 2^25 multiply-accumulates on one thread on oneDNN, below 2^22 on OpenBLAS) back to back in step order; the limit is the sum of their mean call times (median over repetitions), mean as throughput is, so that other jobs on the machine slow both alike (msMedian and msMin are in the runs too). "3 per layer" counts every product (as issue 13 counts the step); "needed only" leaves out the first layer\'s input gradient, which no step computes. A fraction of the limit is samples/s over the limit\'s max samples/s. The limit is measured on each sgemm library: oneDNN\'s (JOINTLY_GEMM=onednn, jointly\'s default: kernels generated for the CPU at hand) and OpenBLAS\'s (the kernels OPENBLAS_CORETYPE names, the library PyTorch\'s products run on here), so that both sides\' fractions can be read against the library each uses.',
  'jointly\'s matrix products run on oneDNN\'s sgemm by default, PyTorch\'s (Debian\'s build) on OpenBLAS: where the two libraries\' speeds differ (the sgemm table), part of the MLP\'s ratio is the library. JOINTLY_GEMM=openblas npm run bench -- --only throughput runs jointly on OpenBLAS too.',
];

/** The workload `id`. */
function workload(id: string): (typeof ALL_WORKLOADS)[number] {
  const ref = ALL_WORKLOADS.find((w) => w.id === id);
  if (ref === undefined) throw new Error(`no workload '${id}'`);
  return ref;
}

/** Seconds a measurement is expected to take, before any has finished. */
function expectedSeconds(side: Side, seconds: number): number {
  if (side.startsWith('jointly:')) return seconds * (1 + WARMUP_SHARE) + STARTUP_SECONDS;
  return seconds + STARTUP_SECONDS;
}

/** One progress line on stderr. */
function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** What a side is called in progress lines. */
function sideName(side: Side): string {
  if (side === 'pytorch') return 'PyTorch';
  if (side.startsWith('sgemm:')) return `sgemm of the step products on ${side.slice('sgemm:'.length)}`;
  return `jointly ${side.slice('jointly:'.length)}`;
}

/** Runs one scheduled measurement; returns the run and a one-line result. */
function runOne(item: ScheduleItem<Side>, options: ThroughputOptions, state: { skipped: string[]; jointlyBackend: string | null; pytorchBlas: string | null }): { run: Run | null; line: string } {
  const place = { model: item.model, threads: item.threads, repeat: item.repeat, load: os.loadavg()[0] };
  const timeout = 20 * options.seconds + 120;
  if (item.side === 'pytorch') {
    const m = measureTorch(item.model, item.threads, options.seconds, options.pytorchAllocator);
    if ('skipped' in m) {
      state.skipped.push(`PyTorch: ${m.skipped}`);
      return { run: null, line: `skipped: ${m.skipped} (no further PyTorch runs)` };
    }
    state.pytorchBlas ??= `${describeBlas(m)}; glibc allocator ${options.pytorchAllocator}`;
    const msPerStep = (1000 * m.batchSize) / m.samplesPerSecond;
    return { run: { kind: 'pytorch', ...place, samplesPerSecond: m.samplesPerSecond, msPerStep, cpuShare: m.cpuShare, detail: m }, line: `${formatCount(m.samplesPerSecond)} samples/s, ${msPerStep.toFixed(2)} ms/step, CPU share ${m.cpuShare.toFixed(2)}` };
  }
  const env = { ...process.env, JOINTLY_THREADS: String(item.threads) };
  if (item.side.startsWith('sgemm:')) {
    const gemm = item.side.slice('sgemm:'.length);
    const r = runJsonChild<SgemmChildResult>(process.execPath, [SGEMM_CHILD, '--model', item.model, '--seconds', String(options.seconds)], { ...env, JOINTLY_GEMM: gemm }, timeout);
    if (r.kind === 'failed') {
      state.skipped.push(`sgemm limit on ${gemm}: ${r.error}`);
      return { run: null, line: `skipped: ${r.error} (no further sgemm runs on ${gemm})` };
    }
    const total = r.value.measurement.products.reduce((a, p) => a + p.msMean, 0);
    return { run: { kind: 'sgemm', ...place, detail: r.value }, line: `${r.value.measurement.passes} passes, ${total.toFixed(3)} ms for all ${r.value.products.length} products (${r.value.threads} thread(s), ${gemmLibraryName(r.value.gemm)}${r.value.gemm === 'openblas' ? ` ${r.value.openblasCore}` : ''})` };
  }
  const requested = item.side.slice('jointly:'.length);
  const r = runJsonChild<StepChildResult>(process.execPath, [STEP_CHILD, '--model', item.model, '--backend', requested, '--seconds', String(options.seconds)], env, timeout);
  if (r.kind === 'failed') return { run: { kind: 'failed', ...place, side: item.side, error: r.error }, line: `FAILED: ${r.error}` };
  const { backend, measurement: m } = r.value;
  state.jointlyBackend ??= `${backend.name} (${backend.reason})${backend.native === undefined ? '' : `: oneDNN ${backend.native.onednn}, ${backend.native.openblas.split(' ').slice(0, 2).join(' ')} (${backend.native.openblasCore} kernels), matrix products on ${gemmLibraryName(backend.native.gemm)} (JOINTLY_GEMM)`}`;
  const threads = backend.native === undefined ? '' : `, ${backend.native.threads} thread(s)`;
  return {
    run: { kind: 'jointly', ...place, requested, backend: backend.name, samplesPerSecond: m.samplesPerSecond, msPerStep: m.msPerStep, cpuShare: m.cpuShare, detail: m },
    line: `${backend.name}${threads}: ${formatCount(m.samplesPerSecond)} samples/s, ${m.msPerStep.toFixed(2)} ms/step over ${m.steps} steps, CPU share ${m.cpuShare.toFixed(2)}`,
  };
}

/** Runs the schedule and writes the report; resolves to the exit code. */
function main(argv: string[]): number {
  let options: ThroughputOptions | null;
  try {
    options = parseThroughputOptions(argv, os.availableParallelism());
  } catch (err) {
    process.stderr.write(`${messageOf(err)}\n${THROUGHPUT_USAGE}\n`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(`${THROUGHPUT_USAGE}\n`);
    return 0;
  }
  const opts = options;
  // Both sides' OpenBLAS must use the same kernels: the native addon sets OPENBLAS_CORETYPE when it
  // loads, but PyTorch's process would not get it, so set it here for every child.
  Object.assign(process.env, openblasCoreTypeEnv());
  // The limit on jointly's library first, then on the other (PyTorch's OpenBLAS when jointly's is oneDNN).
  const mine = configuredGemm();
  const first: GemmLibrary = 'gemm' in mine ? mine.gemm : 'onednn';
  const sgemmSides: Side[] = [first, ...GEMM_LIBRARIES.filter((g) => g !== first)].map((g): Side => `sgemm:${g}`);
  const sides = (model: string): Side[] => [
    ...opts.backends.map((b): Side => `jointly:${b}`),
    ...(opts.pytorch ? ['pytorch' as const] : []),
    ...(opts.sgemm && mlpUnits(workload(model)) !== null ? sgemmSides : []),
  ];
  const schedule = interleavedSchedule({ models: opts.models, threads: opts.threads, repeats: opts.repeats, sides });
  const cpus = os.cpus();
  const state = { skipped: [] as string[], jointlyBackend: null as string | null, pytorchBlas: null as string | null };
  const runs: Run[] = [];
  const elapsed: Elapsed[] = [];
  const dropped = new Set<Side>();
  const loadStart = os.loadavg();
  schedule.forEach((item, i) => {
    if (dropped.has(item.side)) return;
    const remaining = schedule.slice(i).filter((s) => !dropped.has(s.side)).map((s) => expectedSeconds(s.side, opts.seconds));
    const label = `[${i + 1}/${schedule.length}] ${item.model}, ${item.threads} thread(s), repeat ${item.repeat + 1}/${opts.repeats}: ${sideName(item.side)}`;
    progress(`${label}: running ~${opts.seconds} s (ETA of the throughput part ${formatDuration(estimateRemainingSeconds(elapsed, remaining))})`);
    const t0 = performance.now();
    const { run, line } = runOne(item, opts, state);
    elapsed.push({ expected: expectedSeconds(item.side, opts.seconds), actual: (performance.now() - t0) / 1000 });
    if (run === null) dropped.add(item.side);
    else runs.push(run);
    progress(`${label}: ${line}`);
  });
  const doc: ThroughputDocument = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: { model: cpus[0]?.model ?? 'unknown', count: cpus.length },
    loadAverage: { start: loadStart, end: os.loadavg() },
    settings: opts,
    workloads: opts.models.map((id) => {
      const w = workload(id);
      return { id, architecture: w.architecture, batchSize: w.batchSize, optimizer: w.optimizer.name };
    }),
    environment: Object.fromEntries(['OPENBLAS_CORETYPE', 'OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'JOINTLY_NATIVE', 'JOINTLY_GEMM'].flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k] ?? '']]))),
    skipped: state.skipped,
    jointlyBackend: state.jointlyBackend,
    pytorchBlas: state.pytorchBlas,
    runs,
    summary: summarizeThroughput(runs.filter((r) => r.kind !== 'failed')),
    notes: [...NOTES],
  };
  const outPath = resolve(opts.out);
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(formatThroughput(doc, outPath));
  return runs.some((r) => r.kind === 'failed') ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
