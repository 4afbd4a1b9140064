/**
 * The per-loss step benchmark's arithmetic and text (pure): the PyTorch script's command line for
 * one round, reading its JSON, the medians of both sides per head count, and the table.
 */
import { alignTable } from '../report/text-table.js';
import { median } from './interleave.js';
import type { TorchMeasurement } from './pytorch.js';

/** The ways a step is taken, in the order they run in a round. */
export const PER_LOSS_MODES = ['summed', 'per-loss', 'K passes'] as const;

/** A way to take a step: losses summed, per-loss gradients from one forward pass, or K separate passes. */
export type PerLossMode = (typeof PER_LOSS_MODES)[number];

/** One side's measurement of a mode for a head count: the median over rounds of the mean ms/step in a round. */
export interface PerLossResult {
  heads: number;
  mode: PerLossMode;
  msPerStep: number;
  /** The mean ms/step of every round, in run order. */
  roundMeans: number[];
}

/** The PyTorch script's equivalence check for a head count: each mode's step against summed's. */
export interface TorchPerLossCheck {
  heads: number;
  tolerance: number;
  ok: boolean;
  'per-loss': { maxGradDiff: number; maxParamDiff: number };
  'K passes': { maxGradDiff: number; maxParamDiff: number };
}

/** What scripts/bench-pytorch-per-loss.py prints after timing (the fields the benchmark reads or keeps). */
export interface TorchPerLossOutput {
  torch: string;
  threads: number;
  openblasThreadsEnv: string | null;
  mkldnn: boolean;
  batch: number;
  /** The glibc allocator settings the process ran with (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_). */
  mallocEnv: Record<string, string>;
  blas: TorchMeasurement['blas'];
  /** Empty when the script ran with --no-check. */
  check: TorchPerLossCheck[];
  results: { heads: number; msPerStep: Record<PerLossMode, number>; roundMeans: Record<PerLossMode, number[]> }[];
}

/** One PyTorch round: what to run it with. */
export interface TorchRoundRequest {
  heads: number;
  threads: number;
  /** Timed steps per mode (when `seconds` is null). */
  steps: number;
  seconds: number | null;
  /** Run the script's equivalence check before timing (once per head count is enough: the model is the same every round). */
  check: boolean;
}

/** The script's arguments for one round of one head count. */
export function torchRoundArgs(r: TorchRoundRequest): string[] {
  return [
    '--heads',
    String(r.heads),
    '--threads',
    String(r.threads),
    '--rounds',
    '1',
    ...(r.seconds === null ? ['--steps', String(r.steps)] : ['--seconds', String(r.seconds)]),
    ...(r.check ? [] : ['--no-check']),
  ];
}

/** A positive finite number. */
const isMs = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/**
 * Reads the script's JSON for one round of `heads` heads: the round means of every mode, the
 * script's `{ skipped }` (torch not installed), or an error naming what is missing.
 */
export function readTorchRound(doc: unknown, heads: number): { output: TorchPerLossOutput; roundMeans: Record<PerLossMode, number[]> } | { skipped: string } | { error: string } {
  if (typeof doc !== 'object' || doc === null) return { error: 'its output is not a JSON object' };
  const d = doc as Record<string, unknown>;
  if (typeof d.skipped === 'string') return { skipped: d.skipped };
  if (!Array.isArray(d.results)) return { error: 'its output has no results' };
  const entry = (d.results as unknown[]).find((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && (r as Record<string, unknown>).heads === heads);
  if (entry === undefined) return { error: `its output has no result for ${heads} heads` };
  const means = entry.roundMeans as Record<string, unknown> | undefined;
  const roundMeans = {} as Record<PerLossMode, number[]>;
  for (const mode of PER_LOSS_MODES) {
    const values = typeof means === 'object' && means !== null ? means[mode] : undefined;
    if (!Array.isArray(values) || values.length === 0 || !values.every(isMs)) return { error: `its result for ${heads} heads has no round means of ${mode}` };
    roundMeans[mode] = values;
  }
  return { output: doc as TorchPerLossOutput, roundMeans };
}

/** Each mode's median over its round means, per head count; head counts without rounds are left out. */
export function perLossResults(heads: readonly number[], roundMeans: ReadonlyMap<number, Record<PerLossMode, number[]>>): PerLossResult[] {
  return heads.flatMap((k) => {
    const means = roundMeans.get(k);
    if (means === undefined || PER_LOSS_MODES.some((m) => means[m].length === 0)) return [];
    return PER_LOSS_MODES.map((mode) => ({ heads: k, mode, msPerStep: median(means[mode]), roundMeans: [...means[mode]] }));
  });
}

/** One side's medians for a head count, with the ratios to its summed step. */
export interface PerLossSide {
  summed: number;
  perLoss: number;
  kPasses: number;
  perLossOverSummed: number;
  kPassesOverSummed: number;
}

/** Both sides for a head count; `pytorch` is null when PyTorch was not measured for it. */
export interface PerLossSummaryRow {
  heads: number;
  jointly: PerLossSide | null;
  pytorch: PerLossSide | null;
  /** jointly's per-loss step over PyTorch's (below 1: jointly is faster). */
  perLossJointlyOverPytorch: number | null;
}

/** A side's medians for `heads`, or null when one of its modes is missing. */
function side(results: readonly PerLossResult[], heads: number): PerLossSide | null {
  const of = (m: PerLossMode): number | undefined => results.find((r) => r.heads === heads && r.mode === m)?.msPerStep;
  const [summed, perLoss, kPasses] = PER_LOSS_MODES.map(of);
  if (summed === undefined || perLoss === undefined || kPasses === undefined) return null;
  return { summed, perLoss, kPasses, perLossOverSummed: perLoss / summed, kPassesOverSummed: kPasses / summed };
}

/** One row per head count, in the order asked for. */
export function summarizePerLoss(heads: readonly number[], jointly: readonly PerLossResult[], pytorch: readonly PerLossResult[]): PerLossSummaryRow[] {
  return heads.map((k) => {
    const j = side(jointly, k);
    const t = side(pytorch, k);
    return { heads: k, jointly: j, pytorch: t, perLossJointlyOverPytorch: j === null || t === null ? null : j.perLoss / t.perLoss };
  });
}

/** The table: jointly's three modes and ratios, then (when `withPytorch`) PyTorch's summed and per-loss ms and their ratio. */
export function formatPerLossTable(rows: readonly PerLossSummaryRow[], withPytorch: boolean): string {
  const ms = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(1));
  const ratio = (x: number | undefined): string => (x === undefined ? '—' : `${x.toFixed(2)}×`);
  const header = ['heads', 'summed ms', 'per-loss ms', 'per-loss/summed', 'K passes ms', 'K passes/summed'];
  if (withPytorch) header.push('PyTorch summed ms', 'PyTorch per-loss ms', 'PyTorch per-loss/summed');
  const body = rows.map((r) => {
    const j = r.jointly ?? undefined;
    const cells = [String(r.heads), ms(j?.summed), ms(j?.perLoss), ratio(j?.perLossOverSummed), ms(j?.kPasses), ratio(j?.kPassesOverSummed)];
    const t = r.pytorch ?? undefined;
    if (withPytorch) cells.push(ms(t?.summed), ms(t?.perLoss), ratio(t?.perLossOverSummed));
    return cells;
  });
  return alignTable([header, ...body], { rightAlignFrom: 1, rule: true });
}

/** One progress line's measurements: `summed 4.1 ms, per-loss 6.3 ms, K passes 29.6 ms`. */
export function formatRoundMeans(means: Record<PerLossMode, number>): string {
  return PER_LOSS_MODES.map((m) => `${m} ${means[m].toFixed(1)} ms`).join(', ');
}
