/**
 * The joint-versus-alone comparison: per model and for the ensemble, test accuracy alone and
 * jointly, their difference (paired by seed), and mean ± std over seeds.
 */
import { formatDelta, formatPercent, summarize, type Summary } from './stats.js';

/** Test accuracy of one seed, as the report needs it (kept independent of the engine's types). */
export interface SeedScores {
  seed: number;
  /** Accuracy per model name, alone and jointly. */
  alone: Record<string, number>;
  joint: Record<string, number>;
  /** Accuracy of fixed helper models (e.g. a teacher), trained alone only. */
  fixed?: Record<string, { role: string; accuracy: number }>;
}

export interface ComparisonRow {
  /** Model name, `ensemble`, or a fixed model's name. */
  name: string;
  kind: 'model' | 'ensemble' | 'fixed';
  alone: Summary;
  /** Empty for fixed models. */
  joint: Summary;
  /** joint - alone, paired by seed. */
  delta: Summary;
  /** Role of a fixed model (e.g. teacher). */
  role?: string;
}

export interface Comparison {
  title: string;
  seeds: number[];
  rows: ComparisonRow[];
  /** Mean over models of (joint - alone): the headline number. */
  meanModelDelta: Summary;
}

/** Builds the comparison from per-seed scores. Ensemble scores use the key `ensemble`. */
export function compareJointAlone(title: string, scores: readonly SeedScores[]): Comparison {
  const names = Object.keys(scores[0]?.alone ?? {});
  const rows: ComparisonRow[] = names.map((name) => {
    const alone = scores.map((s) => s.alone[name]);
    const joint = scores.map((s) => s.joint[name]);
    return {
      name,
      kind: name === 'ensemble' ? 'ensemble' : 'model',
      alone: summarize(alone),
      joint: summarize(joint),
      delta: summarize(joint.map((j, i) => j - alone[i])),
    };
  });
  for (const [name, fixed] of Object.entries(scores[0]?.fixed ?? {})) {
    rows.push({
      name,
      kind: 'fixed',
      role: fixed.role,
      alone: summarize(scores.map((s) => s.fixed?.[name]?.accuracy ?? Number.NaN)),
      joint: summarize([]),
      delta: summarize([]),
    });
  }
  const models = rows.filter((r) => r.kind === 'model');
  const perSeedMean = scores.map((_, i) => models.reduce((s, r) => s + r.delta.values[i], 0) / Math.max(1, models.length));
  return { title, seeds: scores.map((s) => s.seed), rows, meanModelDelta: summarize(perSeedMean) };
}

function cells(r: ComparisonRow): string[] {
  const label = r.kind === 'fixed' ? `${r.name} (${r.role}, alone only)` : r.name;
  return [label, formatPercent(r.alone), formatPercent(r.joint), formatDelta(r.delta)];
}

const HEADER = ['model', 'alone acc %', 'joint acc %', 'Δ (pp)'];

/** A Markdown table. */
export function comparisonMarkdown(c: Comparison): string {
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of c.rows) lines.push(`| ${cells(r).join(' | ')} |`);
  return lines.join('\n');
}

/** A plain-text table for terminals, columns aligned. */
export function comparisonText(c: Comparison): string {
  const table = [HEADER, ...c.rows.map(cells)];
  const widths = HEADER.map((_, col) => Math.max(...table.map((row) => row[col].length)));
  const fmt = (row: string[]): string => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [fmt(HEADER), rule, ...c.rows.map((r) => fmt(cells(r)))].join('\n');
}

/** One sentence answering "did training jointly beat training alone?". */
export function verdict(c: Comparison): string {
  const d = c.meanModelDelta;
  const pp = (d.mean * 100).toFixed(1);
  const seeds = c.seeds.length === 1 ? '1 seed' : `${c.seeds.length} seeds`;
  if (d.n > 1 && Math.abs(d.mean) <= d.std) {
    return `Joint and alone are within noise: mean per-model difference ${d.mean >= 0 ? '+' : ''}${pp} ± ${(d.std * 100).toFixed(1)} pp over ${seeds}.`;
  }
  if (d.mean > 0) return `Training jointly beat training alone by ${pp} pp per model on average (${seeds}).`;
  if (d.mean < 0) return `Training jointly did worse than alone by ${(-d.mean * 100).toFixed(1)} pp per model on average (${seeds}).`;
  return `Training jointly and alone gave the same accuracy (${seeds}).`;
}
