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
 * Files: workloads.ts (the reference models and their fixed batch), backends.ts (loading a
 * backend), measure.ts (one timed measurement), bench-report.ts (the JSON document and the
 * printed summary); this file is the command line.
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
import { BACKENDS, loadBackend } from './backends.js';
import { formatReport, NOTES, type Report } from './bench-report.js';
import { MAX_WARMUP_STEPS, MIN_TIMED_STEPS, measureAndDispose } from './measure.js';
import { describeBlas, measureTorch } from './pytorch.js';
import { REFERENCE_MODELS, SEED } from './workloads.js';

const USAGE = `usage: node dist/bench/throughput.js [--out file] [--seconds N]

  --out <file>     JSON results (default bench-results/throughput.json; the folder is created)
  --seconds <N>    timed seconds per (backend, model), at least 3 steps (default 10; cpu: 1 s, at least 2 steps)
  --no-pytorch     skip the PyTorch reference (scripts/bench-pytorch.py with /usr/bin/python3)
  -h, --help       this help`;

const DEFAULT_OUT = 'bench-results/throughput.json';
const DEFAULT_SECONDS = 10;

interface BenchOptions {
  out: string;
  seconds: number;
  pytorch: boolean;
}

/** The pure-JS cpu backend is 100-1000x slower: measure it briefly. */
const CPU_SECONDS = 1;
const CPU_MIN_STEPS = 2;
/** PyTorch thread counts measured (1, and 2 when the machine has 2 cores or more). */
const TORCH_THREADS = os.availableParallelism() >= 2 ? [1, 2] : [1];

/** Parses the command line; returns null when help was asked for. Throws on bad usage. */
function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      seconds: { type: 'string' },
      'no-pytorch': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return null;
  const seconds = values.seconds === undefined ? DEFAULT_SECONDS : Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number, got '${values.seconds}'`);
  return { out: values.out ?? DEFAULT_OUT, seconds, pytorch: values['no-pytorch'] !== true };
}

/** The message of an unknown thrown value. */
function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
    pytorch: { results: [], skipped: null, blas: null },
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
        const r = backend === 'cpu' ? measureAndDispose(backend, ref, Math.min(options.seconds, CPU_SECONDS), CPU_MIN_STEPS) : measureAndDispose(backend, ref, options.seconds);
        report.results.push(r);
        progress(`${label}: ${r.samplesPerSecond.toFixed(1)} samples/s, ${r.msPerStep.toFixed(1)} ms/step over ${r.steps} steps, loss ${r.loss.first.toFixed(3)} -> ${r.loss.last.toFixed(3)}`);
      } catch (err) {
        report.failures.push({ backend, model: ref.id, error: errorMessage(err) });
        progress(`${label}: FAILED: ${errorMessage(err)}`);
      }
    }
  }
  if (options.pytorch) {
    for (const ref of REFERENCE_MODELS) {
      for (const threads of TORCH_THREADS) {
        progress(`PyTorch ${ref.id}, ${threads} thread(s): measuring for ~${options.seconds} s...`);
        const m = measureTorch(ref.id, threads, options.seconds);
        if ('skipped' in m) {
          report.pytorch.skipped = m.skipped;
          progress(`PyTorch: skipped (${m.skipped})`);
          break;
        }
        report.pytorch.results.push(m);
        report.pytorch.blas ??= describeBlas(m);
        progress(`PyTorch ${ref.id}, ${threads} thread(s): ${m.samplesPerSecond.toFixed(1)} samples/s`);
      }
      if (report.pytorch.skipped !== null) break;
    }
  } else {
    report.pytorch.skipped = '--no-pytorch';
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
