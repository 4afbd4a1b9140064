/**
 * The throughput benchmark's results (pure): the runs it made, their summary (medians over the
 * interleaved repetitions, jointly/PyTorch ratios, the sgemm limit and each side's fraction of
 * it), and the tables it prints.
 */
import { alignTable } from '../report/text-table.js';
import { median } from './interleave.js';
import type { Measurement } from './measure.js';
import { gemmLibraryName, type GemmLibrary } from '../engine/native/addon.js';
import type { ThroughputOptions } from './throughput-options.js';
import type { TorchMeasurement } from './pytorch.js';
import type { SgemmChildResult } from './sgemm-child.js';
import { fractionOfLimit, stepLimit, type StepLimit } from './sgemm-limit.js';

/** Where a run sits in the schedule. */
interface RunPlace {
  model: string;
  threads: number;
  /** 0-based repetition. */
  repeat: number;
  /** os.loadavg()[0] when the run started. */
  load: number;
}

/** A jointly measurement (step-child.ts). */
export interface JointlyRun extends RunPlace {
  kind: 'jointly';
  /** The backend asked for (`auto`, `native`, `wasm`, ...). */
  requested: string;
  /** The backend that ran. */
  backend: string;
  samplesPerSecond: number;
  msPerStep: number;
  cpuShare: number;
  detail: Measurement;
}

/** A PyTorch measurement (scripts/bench-pytorch.py). */
export interface TorchRun extends RunPlace {
  kind: 'pytorch';
  samplesPerSecond: number;
  msPerStep: number;
  cpuShare: number;
  detail: TorchMeasurement;
}

/** An sgemm measurement of the model's step products (sgemm-child.ts). */
export interface SgemmRun extends RunPlace {
  kind: 'sgemm';
  detail: SgemmChildResult;
}

/** A measurement that failed. */
export interface FailedRun extends RunPlace {
  kind: 'failed';
  side: string;
  error: string;
}

/** Any run. */
export type Run = JointlyRun | TorchRun | SgemmRun | FailedRun;

/** One side's runs of one (model, threads), summarized. */
export interface SideSummary {
  /** E.g. "jointly native", "PyTorch". */
  label: string;
  runs: number;
  /** Median over the repetitions of each run's samples/s, and the smallest and largest. */
  samplesPerSecond: number;
  minSamplesPerSecond: number;
  maxSamplesPerSecond: number;
  /** Median ms per step over the repetitions (each run's mean). */
  msPerStep: number;
  /** Median CPU share (process CPU time / wall time over the timed steps). */
  cpuShare: number;
}

/** jointly against PyTorch on one model at one thread count. */
export interface Comparison {
  model: string;
  threads: number;
  /** The jointly side (backend asked for) this row is about. */
  requested: string;
  jointly: SideSummary;
  pytorch: SideSummary | null;
  /** jointly's median samples/s over PyTorch's; null without PyTorch. */
  ratio: number | null;
  /** jointly / PyTorch within each repetition (the neighbouring runs), in repetition order. */
  pairedRatios: number[];
}

/** The sgemm limit of one MLP workload at one thread count on one sgemm library, and how close each side comes. */
export interface LimitSummary {
  model: string;
  threads: number;
  /** The library the products ran on: oneDNN's (jointly's by default) or OpenBLAS's (PyTorch's). */
  gemm: GemmLibrary;
  repeats: number;
  /** Per product (in step order): label, shape and the median over repetitions of its mean call time. */
  products: { label: string; m: number; n: number; k: number; required: boolean; msPerCall: number; gflopsPerSecond: number }[];
  all: StepLimit;
  required: StepLimit;
  /** samples/s over the limit's max samples/s, for every jointly side (by backend asked for) and PyTorch. */
  fractions: { label: string; all: number; required: number }[];
}

/** The summary of a throughput document. */
export interface ThroughputSummary {
  comparisons: Comparison[];
  limits: LimitSummary[];
}

/** Summarizes runs of the same side. */
function summarizeSide(label: string, runs: readonly { samplesPerSecond: number; msPerStep: number; cpuShare: number }[]): SideSummary {
  const sps = runs.map((r) => r.samplesPerSecond);
  return {
    label,
    runs: runs.length,
    samplesPerSecond: median(sps),
    minSamplesPerSecond: Math.min(...sps),
    maxSamplesPerSecond: Math.max(...sps),
    msPerStep: median(runs.map((r) => r.msPerStep)),
    cpuShare: median(runs.map((r) => r.cpuShare)),
  };
}

/** The (model, threads) pairs of `runs`, in first-seen order. */
function places(runs: readonly Run[]): { model: string; threads: number }[] {
  const seen = new Map<string, { model: string; threads: number }>();
  for (const r of runs) seen.set(`${r.threads}\u0000${r.model}`, { model: r.model, threads: r.threads });
  return [...seen.values()];
}

/** Label of a jointly side: the backend(s) that ran, "jointly native". */
function jointlyLabel(runs: readonly JointlyRun[]): string {
  const backends = [...new Set(runs.map((r) => r.backend))].join('/');
  return `jointly ${backends}`;
}

/** Medians, ratios and limits of `runs`. */
export function summarizeThroughput(runs: readonly Run[]): ThroughputSummary {
  const comparisons: Comparison[] = [];
  const limits: LimitSummary[] = [];
  for (const { model, threads } of places(runs)) {
    const here = runs.filter((r) => r.model === model && r.threads === threads);
    const torchRuns = here.filter((r): r is TorchRun => r.kind === 'pytorch');
    const pytorch = torchRuns.length > 0 ? summarizeSide('PyTorch', torchRuns) : null;
    const jointlyRuns = here.filter((r): r is JointlyRun => r.kind === 'jointly');
    const sides = [...new Set(jointlyRuns.map((r) => r.requested))];
    const jointlyBySide = new Map<string, SideSummary>();
    for (const requested of sides) {
      const mine = jointlyRuns.filter((r) => r.requested === requested);
      const jointly = summarizeSide(jointlyLabel(mine), mine);
      jointlyBySide.set(requested, jointly);
      const pairedRatios = mine.flatMap((j) => {
        const t = torchRuns.find((x) => x.repeat === j.repeat);
        return t === undefined ? [] : [j.samplesPerSecond / t.samplesPerSecond];
      });
      comparisons.push({ model, threads, requested, jointly, pytorch, ratio: pytorch === null ? null : jointly.samplesPerSecond / pytorch.samplesPerSecond, pairedRatios });
    }
    const allSgemm = here.filter((r): r is SgemmRun => r.kind === 'sgemm');
    for (const gemm of [...new Set(allSgemm.map((r) => r.detail.gemm))]) {
      const sgemmRuns = allSgemm.filter((r) => r.detail.gemm === gemm);
      const first = sgemmRuns[0].detail;
      const msPerProduct = first.products.map((_, i) => median(sgemmRuns.map((r) => r.detail.measurement.products[i].msMean)));
      const all = stepLimit(first.products, msPerProduct, first.batchSize, 'all');
      const required = stepLimit(first.products, msPerProduct, first.batchSize, 'required');
      const sidesForFraction: { label: string; samplesPerSecond: number }[] = [
        ...[...jointlyBySide.values()].map((s) => ({ label: s.label, samplesPerSecond: s.samplesPerSecond })),
        ...(pytorch === null ? [] : [{ label: pytorch.label, samplesPerSecond: pytorch.samplesPerSecond }]),
      ];
      limits.push({
        model,
        threads,
        gemm,
        repeats: sgemmRuns.length,
        products: first.products.map((p, i) => ({ label: p.label, m: p.m, n: p.n, k: p.k, required: p.required, msPerCall: msPerProduct[i], gflopsPerSecond: (2 * p.m * p.n * p.k) / (msPerProduct[i] * 1e6) })),
        all,
        required,
        fractions: sidesForFraction.map((s) => ({ label: s.label, all: fractionOfLimit(s.samplesPerSecond, all), required: fractionOfLimit(s.samplesPerSecond, required) })),
      });
    }
  }
  return { comparisons, limits };
}

/** A whole number with thousands separators: 38,145. */
export function formatCount(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** (max - min) / median as a percentage: "±3%" style spread of repetitions, "-" for one run. */
function spread(s: SideSummary): string {
  if (s.runs < 2) return '-';
  return `${((100 * (s.maxSamplesPerSecond - s.minSamplesPerSecond)) / s.samplesPerSecond).toFixed(0)}%`;
}

/** The jointly-vs-PyTorch table. */
export function formatComparisons(comparisons: readonly Comparison[]): string {
  const header = ['model', 'threads', 'jointly', 'samples/s', 'spread', 'CPU', 'PyTorch samples/s', 'spread', 'CPU', 'jointly/PyTorch', 'paired range'];
  const rows = comparisons.map((c) => [
    c.model,
    String(c.threads),
    c.jointly.label.replace(/^jointly /, ''),
    formatCount(c.jointly.samplesPerSecond),
    spread(c.jointly),
    c.jointly.cpuShare.toFixed(2),
    c.pytorch === null ? '-' : formatCount(c.pytorch.samplesPerSecond),
    c.pytorch === null ? '-' : spread(c.pytorch),
    c.pytorch === null ? '-' : c.pytorch.cpuShare.toFixed(2),
    c.ratio === null ? '-' : `${c.ratio.toFixed(2)}×`,
    c.pairedRatios.length === 0 ? '-' : `${Math.min(...c.pairedRatios).toFixed(2)}-${Math.max(...c.pairedRatios).toFixed(2)}`,
  ]);
  return alignTable([header, ...rows], { rightAlignFrom: 3, rule: true });
}

/** The sgemm-limit table: the limit both ways, and each side's fraction of it. */
export function formatLimits(limits: readonly LimitSummary[]): string {
  const labels = [...new Set(limits.flatMap((l) => l.fractions.map((f) => f.label)))];
  const header = ['model', 'threads', 'sgemm', 'products', 'MFLOP/step', 'GFLOP/s', 'min ms/step', 'max samples/s', ...labels.map((l) => `${l.replace(/^jointly /, '')} % of limit`)];
  const rows = limits.flatMap((l) =>
    [l.all, l.required].map((lim) => [
      l.model,
      String(l.threads),
      gemmLibraryName(l.gemm),
      lim.products === 'all' ? '3 per layer' : 'needed only',
      (lim.flops / 1e6).toFixed(1),
      lim.gflopsPerSecond.toFixed(1),
      lim.minMsPerStep.toFixed(3),
      formatCount(lim.maxSamplesPerSecond),
      ...labels.map((label) => {
        const f = l.fractions.find((x) => x.label === label);
        return f === undefined ? '-' : `${(100 * (lim.products === 'all' ? f.all : f.required)).toFixed(0)}%`;
      }),
    ]),
  );
  return alignTable([header, ...rows], { rightAlignFrom: 4, rule: true });
}

/** Per-product GFLOP/s of the sgemm measurement, one column per thread count and library. */
export function formatProducts(limits: readonly LimitSummary[]): string {
  const byModel = [...new Set(limits.map((l) => l.model))];
  const blocks = byModel.map((model) => {
    const mine = limits.filter((l) => l.model === model);
    const header = ['product', 'm×n×k', ...mine.map((l) => `GFLOP/s ${l.threads}t ${gemmLibraryName(l.gemm)}`), ...mine.map((l) => `ms ${l.threads}t ${gemmLibraryName(l.gemm)}`)];
    const rows = mine[0].products.map((p, i) => [
      `${p.label}${p.required ? '' : ' (not needed)'}`,
      `${p.m}×${p.n}×${p.k}`,
      ...mine.map((l) => l.products[i].gflopsPerSecond.toFixed(1)),
      ...mine.map((l) => l.products[i].msPerCall.toFixed(3)),
    ]);
    return alignTable([header, ...rows], { rightAlignFrom: 1, rule: true });
  });
  return blocks.join('\n\n');
}

/** The JSON document the benchmark writes. */
export interface ThroughputDocument {
  date: string;
  node: string;
  platform: string;
  cpu: { model: string; count: number };
  loadAverage: { start: number[]; end: number[] };
  settings: ThroughputOptions;
  /** The workloads measured. */
  workloads: { id: string; architecture: string; batchSize: number; optimizer: string }[];
  /** Environment both sides ran with (OPENBLAS_CORETYPE is set here so both use the same OpenBLAS kernels). */
  environment: Record<string, string>;
  /** One line per part that could not run (PyTorch not installed, no native addon for sgemm). */
  skipped: string[];
  /** jointly's backend and PyTorch's BLAS, as the first measurement of each reported them. */
  jointlyBackend: string | null;
  pytorchBlas: string | null;
  runs: Run[];
  summary: ThroughputSummary;
  notes: string[];
}

/** The tables printed on stdout for `doc` (also used by run-all.ts for its closing summary). */
export function formatThroughput(doc: ThroughputDocument, outPath: string): string {
  const lines = [
    `jointly vs PyTorch: training-step throughput, median of ${doc.settings.repeats} interleaved repetition(s) of ~${doc.settings.seconds} s each (node ${doc.node}; ${doc.cpu.model} x ${doc.cpu.count}; load average at start ${doc.loadAverage.start.map((l) => l.toFixed(2)).join(' ')})`,
    ...doc.workloads.map((m) => `  ${m.id}: ${m.architecture}, batch ${m.batchSize}, ${m.optimizer}`),
    '',
    formatComparisons(doc.summary.comparisons),
    '',
    'CPU: process CPU time / wall time over the timed loop (1.00 = one core). spread: (max - min) / median over repetitions. paired range: jointly/PyTorch within a round.',
    ...(doc.jointlyBackend === null ? [] : [`jointly: ${doc.jointlyBackend}`]),
    ...(doc.pytorchBlas === null ? [] : [doc.pytorchBlas]),
  ];
  if (doc.summary.limits.length > 0) {
    lines.push(
      '',
      'sgemm limit of the MLP step (its products timed through the addon\'s matMul on each sgemm library: oneDNN\'s, jointly\'s default, and OpenBLAS\'s, the one PyTorch runs on here; no implementation of the step on that library can be faster):',
      formatLimits(doc.summary.limits),
      '',
      formatProducts(doc.summary.limits),
    );
  }
  lines.push(...doc.skipped.map((s) => `skipped ${s}`), ...doc.runs.filter((r): r is FailedRun => r.kind === 'failed').map((r) => `FAILED ${r.side} ${r.model} ${r.threads} thread(s) repeat ${r.repeat + 1}: ${r.error}`), `results: ${outPath}`);
  return `${lines.join('\n')}\n`;
}
