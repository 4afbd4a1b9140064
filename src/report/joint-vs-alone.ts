/**
 * The joint-versus-alone comparison: per model and for the ensemble, test accuracy alone and
 * jointly, their difference (paired by seed), and mean ± std over seeds; the verdict tells a gain
 * from noise with a paired 95% confidence interval over seeds.
 */
import { formatDelta, formatPercent, formatPoints, pairedInterval, roundedPercent, summarize, type PairedInterval, type Summary } from './stats.js';
import { alignTable } from './text-table.js';

/** Test accuracy of one seed, as the report needs it (kept independent of the engine's types). */
export interface SeedScores {
  seed: number;
  /** Accuracy per model name, alone and jointly. */
  alone: Record<string, number>;
  joint: Record<string, number>;
  /** Accuracy of fixed helper models (e.g. a teacher), trained alone only. */
  fixed?: Record<string, { role: string; accuracy: number }>;
}

/**
 * One row of a {@link Comparison}: a model, the ensemble or a fixed helper model, with its test
 * accuracy alone and jointly and their per-seed difference, each summarized over seeds.
 */
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

/**
 * The joint-versus-alone comparison that {@link compareJointAlone} builds: its rows and the
 * headline mean improvement over models, with its paired 95% confidence interval.
 */
export interface Comparison {
  title: string;
  seeds: number[];
  rows: ComparisonRow[];
  /** Mean over models of (joint - alone): the headline number, one value per seed. */
  meanModelDelta: Summary;
  /**
   * Paired 95% confidence interval (Student t over seeds) of the mean over models of
   * (joint - alone); its bounds are NaN with fewer than 2 seeds.
   */
  meanModelInterval: PairedInterval;
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
  return {
    title,
    seeds: scores.map((s) => s.seed),
    rows,
    meanModelDelta: summarize(perSeedMean),
    meanModelInterval: pairedInterval(perSeedMean),
  };
}

/**
 * The Δ cell: the printed joint minus the printed alone (so that the row adds up after rounding),
 * ± the standard deviation of the paired per-seed differences. Joint and alone cover the same
 * seeds, so the unrounded difference of their means is the mean of the paired differences.
 */
function deltaCell(r: ComparisonRow): string {
  if (r.delta.n === 0) return formatDelta(r.delta);
  const shown = (roundedPercent(r.joint.mean) - roundedPercent(r.alone.mean)) / 100;
  return formatDelta({ ...r.delta, mean: shown });
}

function cells(r: ComparisonRow): string[] {
  const label = r.kind === 'fixed' ? `${r.name} (${r.role}, alone only)` : r.name;
  return [label, formatPercent(r.alone), formatPercent(r.joint), deltaCell(r)];
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
  return alignTable([HEADER, ...c.rows.map(cells)], { rightAlignFrom: 1, rule: true });
}

/**
 * One sentence answering "did training jointly beat training alone?". With 2 or more seeds, a
 * gain or a loss is claimed only when the paired 95% confidence interval of the mean per-model
 * difference excludes 0; with 1 seed there is no noise estimate, and the sentence says so.
 */
export function verdict(c: Comparison): string {
  const d = c.meanModelInterval;
  if (d.n === 0) return 'No seeds: nothing to compare.';
  if (d.n === 1) {
    return `Jointly: ${formatPoints(d.mean)} pp per model on average vs alone (1 seed: no noise estimate; run more seeds to tell gain from noise).`;
  }
  const ci = `(95% CI ${formatPoints(d.low)} to ${formatPoints(d.high)} pp, ${d.n} seeds)`;
  if (d.low > 0) return `Training jointly beat training alone by ${(d.mean * 100).toFixed(1)} pp per model on average ${ci}.`;
  if (d.high < 0) return `Training jointly did worse than alone by ${(-d.mean * 100).toFixed(1)} pp per model on average ${ci}.`;
  return `Joint and alone are within noise: ${formatPoints(d.mean)} pp per model on average ${ci}.`;
}
