/** The benchmark's results: the JSON document it writes and the summary it prints. */
import { alignTable } from '../report/text-table.js';
import type { LoadedBackend, Skipped } from './backends.js';
import type { TorchMeasurement } from './pytorch.js';
import { MAX_WARMUP_STEPS, MIN_TIMED_STEPS, type Measurement } from './measure.js';
import { REFERENCE_MODELS } from './workloads.js';

const MIB = 1024 * 1024;

export interface Failure {
  backend: string;
  model: string;
  error: string;
}

export interface Report {
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
  /** PyTorch on the same models in the same run (scripts/bench-pytorch.py). */
  pytorch: { results: TorchMeasurement[]; skipped: string | null; blas: string | null };
  notes: string[];
}

/** native samples/s over PyTorch's, per model and PyTorch thread count. */
export function nativeVsTorch(report: Report): { model: string; native: number; torch: number; threads: number; ratio: number }[] {
  const out: { model: string; native: number; torch: number; threads: number; ratio: number }[] = [];
  for (const r of report.results.filter((x) => x.backend === 'native')) {
    for (const t of report.pytorch.results.filter((x) => x.model === r.model)) {
      out.push({ model: r.model, native: r.samplesPerSecond, torch: t.samplesPerSecond, threads: t.threads, ratio: r.samplesPerSecond / t.samplesPerSecond });
    }
  }
  return out;
}

export const NOTES: readonly string[] = [
  'Workload: jointly trainStep with one member and independentObjective (softmax cross-entropy), Adam, on one fixed seeded random batch (inputs uniform in [0, 1), random labels).',
  `Timing: each measurement first runs untimed warm-up steps (at least 1, at most ${MAX_WARMUP_STEPS}), then timed steps for about --seconds and at least ${MIN_TIMED_STEPS}. ms/step and samples/s cover only the trainStep calls (forward, loss, backward, Adam update, reading the loss back to JS).`,
  'GFLOP/s = 3 x 2 x forwardMacs x samples/s / 1e9: one multiply-accumulate is 2 FLOPs and forward + backward is taken as about 3x the forward pass. Only Dense and Conv2D MACs count (not activations, pooling, loss or the Adam update), and the first layer needs no input gradient, so this is an approximation.',
  'Memory: rssPeakSampledBytes is the largest process RSS sampled after every step of the measurement (from model build to the end of timing). processMaxRssBytes is ru_maxrss, the high-water mark of the whole process, so on its own it would credit a measurement with the peaks of earlier ones; when it rose during the measurement (processMaxRssRose) the peak happened inside it, and rssPeakBytes takes it, else rssPeakBytes is the sampled peak. rssPeakDeltaBytes is rssPeakBytes minus the RSS before the model was built. WebAssembly memory never shrinks, so RSS after the wasm runs still holds the wasm heap: compare deltas, not absolute peaks, across backends.',
  'PyTorch: scripts/bench-pytorch.py run by /usr/bin/python3 (Debian python3-torch) on the same architectures, batch sizes, Adam 1e-3, and the same kind of fixed random batch, with 1 and 2 threads; it reports which BLAS library torch mapped and OpenBLAS\'s kernel family. It inherits OPENBLAS_CORETYPE from the native backend, so both use the same OpenBLAS kernels.',
  'tfNumTensors/tfNumBytes are tf.memory() after the timed steps; numTensors was checked to be unchanged after every timed step (a growth fails the run). Models, optimizers and batches are disposed between measurements.',
  'The machine may be shared with other jobs: loadAverage records os.loadavg() at start and end, msPerStepMin/Median/Max show the spread, and cpuShare (process CPU time / wall time over the timed steps; tfjs cpu and wasm here run on one thread) shows how much of a core the run actually got: well below 1 means the numbers are slowed by contention.',
];

/** Bytes as MiB with one decimal. */
function mib(bytes: number): string {
  return (bytes / MIB).toFixed(1);
}

/** The human-readable summary printed on stdout. */
export function formatReport(report: Report, outPath: string): string {
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
    alignTable([header, ...rows], { rightAlignFrom: 2 }),
    '',
    ...report.backends.filter((b) => b.native !== undefined).map((b) => `native: oneDNN ${b.native?.onednn}, ${b.native?.openblas.split(' ').slice(0, 2).join(' ')} (${b.native?.openblasCore} kernels), ${b.native?.threads} thread(s)`),
    ...(report.pytorch.results.length > 0
      ? [
          '',
          alignTable(
            [['PyTorch', 'model', 'batch', 'threads', 'steps', 'ms/step (median)', 'samples/s'], ...report.pytorch.results.map((t) => ['pytorch', t.model, String(t.batchSize), String(t.threads), String(t.steps), t.msPerStepMedian.toFixed(1), t.samplesPerSecond.toFixed(1)])],
            { rightAlignFrom: 2 },
          ),
          report.pytorch.blas ?? '',
          ...nativeVsTorch(report).map((r) => `native / PyTorch with ${r.threads} thread(s), ${r.model}: ${r.native.toFixed(0)} / ${r.torch.toFixed(0)} = ${r.ratio.toFixed(2)}x`),
          '',
        ]
      : [`PyTorch: skipped (${report.pytorch.skipped ?? 'not measured'})`]),
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
