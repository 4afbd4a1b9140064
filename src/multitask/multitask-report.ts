/**
 * The multi-task report: did training the tasks together beat training each alone? From a
 * `MultitaskResult` (result.ts): per task and metric, the single-task and the multi-task model's
 * test values (mean ± std over seeds), their difference paired by seed with its 95% confidence
 * interval, Δm against the trained single-task models (delta-m.ts), parameters and training time,
 * and a verdict that claims a gain or a loss only when the paired interval excludes 0 (the rule of
 * the mutual mode's report/joint-vs-alone.ts). Written as a terminal table, Markdown, JSON and an
 * SVG chart of the validation curves. Pure: no tfjs, no I/O.
 */
import { getMetric } from '../engine/metrics/registry.js';
import { lineChartSvg, PALETTE, type Series } from '../report/line-chart-svg.js';
import { pairedInterval, summarize, type PairedInterval, type Summary } from '../report/stats.js';
import { alignTable } from '../report/text-table.js';
import { deltaMSummary, type DeltaMSummary } from './delta-m.js';
import type { MultitaskResult, MultitaskSeedResult, TaskSummary } from './result.js';

/** Metrics that are fractions: shown in percent, their Δ in percentage points. Every other metric is shown in its own units. */
export const FRACTION_METRICS: ReadonlySet<string> = new Set(['accuracy', 'macroF1', 'auc']);

/** Decimals of values shown in percent (the issue's reference figures have two: 83.42 ± 0.41). */
const PERCENT_DIGITS = 2;
/** Decimals of Δm (percent). */
const DELTA_M_DIGITS = 2;

/** One metric of one task: single-task against multi-task over seeds. */
export interface MetricComparison {
  readonly metric: string;
  /** Whether this is the task's headline metric (the one in Δm; always the first of its task). */
  readonly headline: boolean;
  /** Whether a larger value is better; undefined for a metric the registry does not know. */
  readonly higherIsBetter: boolean | undefined;
  /** `percent`: a fraction shown in percent, Δ in percentage points; `units`: the metric's own units. */
  readonly unit: 'percent' | 'units';
  /** Test values of the single-task model, over seeds (raw: fractions for percent metrics). */
  readonly single: Summary;
  /** Test values of the multi-task model, over seeds. */
  readonly multi: Summary;
  /** multi − single, paired by seed. */
  readonly delta: Summary;
  /** Paired 95% confidence interval of the mean of `delta` (bounds NaN with fewer than 2 seeds). */
  readonly interval: PairedInterval;
}

/** One task's rows. */
export interface TaskComparison {
  readonly task: TaskSummary;
  /** The task's metrics, headline first. */
  readonly metrics: readonly MetricComparison[];
}

/** A cost of the multi-task model against the set of single-task models, per seed. */
export interface CostComparison {
  /** The multi-task model. */
  readonly multi: Summary;
  /** The sum over the single-task models. */
  readonly singleTotal: Summary;
}

/** Everything the report shows, computed once from a `MultitaskResult`. */
export interface MultitaskComparison {
  /** `<weighting> on <architecture>`. */
  readonly title: string;
  readonly seeds: readonly number[];
  readonly tasks: readonly TaskComparison[];
  /** Δm per seed over the headline metrics, its mean ± std and paired interval. */
  readonly deltaM: DeltaMSummary;
  /** Trainable parameters. */
  readonly params: CostComparison;
  /** Training seconds. */
  readonly seconds: CostComparison;
}

/** Whether larger values of `metric` are better, from the metric registry; undefined for a name it does not know. */
function directionOf(metric: string): boolean | undefined {
  try {
    return getMetric(metric).higherIsBetter;
  } catch {
    return undefined;
  }
}

function compareMetric(task: TaskSummary, metric: string, seeds: readonly MultitaskSeedResult[]): MetricComparison {
  const single = seeds.map((s) => s.single[task.name]?.[metric] ?? Number.NaN);
  const multi = seeds.map((s) => s.multi[task.name]?.[metric] ?? Number.NaN);
  const delta = multi.map((m, i) => m - single[i]);
  const headline = metric === task.metric;
  return {
    metric,
    headline,
    higherIsBetter: headline ? task.higherIsBetter : directionOf(metric),
    unit: FRACTION_METRICS.has(metric) ? 'percent' : 'units',
    single: summarize(single),
    multi: summarize(multi),
    delta: summarize(delta),
    interval: pairedInterval(delta),
  };
}

function sum(values: Readonly<Record<string, number>>): number {
  return Object.values(values).reduce((a, b) => a + b, 0);
}

/** Builds the comparison: per task and metric, single vs multi paired by seed; Δm; parameters and time. */
export function multitaskComparison(result: MultitaskResult): MultitaskComparison {
  const tasks = result.tasks.map((task) => ({
    task,
    metrics: [task.metric, ...task.metrics.filter((m) => m !== task.metric)].map((m) => compareMetric(task, m, result.seeds)),
  }));
  return {
    title: `${result.weighting} on ${result.architecture}`,
    seeds: result.seeds.map((s) => s.seed),
    tasks,
    deltaM: deltaMSummary(result),
    params: { multi: summarize(result.seeds.map((s) => s.params.multi)), singleTotal: summarize(result.seeds.map((s) => sum(s.params.single))) },
    seconds: { multi: summarize(result.seeds.map((s) => s.seconds.multi)), singleTotal: summarize(result.seeds.map((s) => sum(s.seconds.single))) },
  };
}

// ---------------------------------------------------------------------------------------------
// Formatting.

/** `x` with a sign and `digits` decimals, never `-0.00`; NaN prints as `NaN`. */
function signed(x: number, digits: number): string {
  const rounded = Number(x.toFixed(digits));
  const m = rounded === 0 ? 0 : rounded;
  return `${m >= 0 ? '+' : ''}${m.toFixed(digits)}`;
}

/** Scale of a metric's values as shown: ×100 for percent metrics. */
function scaleOf(m: MetricComparison): number {
  return m.unit === 'percent' ? 100 : 1;
}

/** Decimals for a row: 2 for percent, else about 4 significant digits of the larger mean (0.4512, 12.30). */
function digitsOf(m: MetricComparison): number {
  if (m.unit === 'percent') return PERCENT_DIGITS;
  const size = Math.max(Math.abs(m.single.mean), Math.abs(m.multi.mean));
  if (!Number.isFinite(size) || size === 0) return 4;
  return Math.min(6, Math.max(0, 3 - Math.floor(Math.log10(size))));
}

/** `mean ± std` in the row's scale and decimals; the mean alone for one seed; a dash for none. */
function valueCell(s: Summary, scale: number, digits: number): string {
  if (s.n === 0) return '—';
  const mean = (s.mean * scale).toFixed(digits);
  return s.n > 1 ? `${mean} ± ${(s.std * scale).toFixed(digits)}` : mean;
}

/**
 * The Δ cell: the printed multi minus the printed single (so that the row adds up after
 * rounding), ± the std of the paired per-seed differences.
 */
function deltaCell(m: MetricComparison): string {
  if (m.delta.n === 0) return '—';
  const scale = scaleOf(m);
  const digits = digitsOf(m);
  const shown = Number((m.multi.mean * scale).toFixed(digits)) - Number((m.single.mean * scale).toFixed(digits));
  const mean = signed(shown, digits);
  return m.delta.n > 1 ? `${mean} ± ${(m.delta.std * scale).toFixed(digits)}` : mean;
}

function intervalCell(m: MetricComparison): string {
  const { low, high } = m.interval;
  if (!Number.isFinite(low) || !Number.isFinite(high)) return '—';
  const scale = scaleOf(m);
  const digits = digitsOf(m);
  return `${signed(low * scale, digits)} to ${signed(high * scale, digits)}`;
}

/** How a metric's Δ reads: `better` or `worse` only when the paired interval excludes 0. */
export function metricReading(m: MetricComparison): 'better' | 'worse' | 'within noise' | '1 seed' | '—' {
  if (m.delta.n === 0 || !Number.isFinite(m.delta.mean)) return '—';
  if (m.delta.n === 1) return '1 seed';
  if (m.higherIsBetter === undefined) return '—';
  const { low, high } = m.interval;
  if (low > 0) return m.higherIsBetter ? 'better' : 'worse';
  if (high < 0) return m.higherIsBetter ? 'worse' : 'better';
  return 'within noise';
}

function metricLabel(m: MetricComparison): string {
  const arrow = m.higherIsBetter === undefined ? '' : m.higherIsBetter ? ' ↑' : ' ↓';
  return `${m.metric}${m.unit === 'percent' ? ' %' : ''}${arrow}`;
}

/** The per-task table's header. */
export const TABLE_HEADER: readonly string[] = ['task', 'metric', 'single-task', 'multi-task', 'Δ (pp for %, else units)', '95% CI of Δ', 'reading'];

/** The per-task table's rows (without the header): one row per metric, the task named on its first row. */
export function tableRows(c: MultitaskComparison): string[][] {
  return c.tasks.flatMap((t) =>
    t.metrics.map((m, i) => {
      const scale = scaleOf(m);
      const digits = digitsOf(m);
      return [i === 0 ? t.task.name : '', metricLabel(m), valueCell(m.single, scale, digits), valueCell(m.multi, scale, digits), deltaCell(m), intervalCell(m), metricReading(m)];
    }),
  );
}

const TABLE_NOTE =
  'The first metric of each task is its headline metric (the one in Δm); ↑ higher is better, ↓ lower is better. Δ = multi-task − single-task, paired by seed; "better" or "worse" only when the paired 95% CI excludes 0.';

/** Why Δm is undefined, naming the tasks and seeds; undefined when it is defined. */
function deltaMProblems(c: MultitaskComparison): string | undefined {
  const problems = c.deltaM.problems;
  if (problems.length === 0) return undefined;
  const byMessage = new Map<string, number[]>();
  for (const p of problems) byMessage.set(p.message, [...(byMessage.get(p.message) ?? []), p.seed]);
  return [...byMessage].map(([message, seeds]) => `${message} (seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')})`).join('; ');
}

/** The Δm line: `Δm −2.47 ± 0.35% (95% CI −3.34 to −1.59%, 3 seeds); per seed −2.10, −2.50, −2.80`. */
export function deltaMLine(c: MultitaskComparison): string {
  const intro = 'Δm (Maninis et al. 2019: mean over tasks of the signed relative difference of the headline metric, against the trained single-task models)';
  const d = c.deltaM;
  if (d.summary.n === 0) return `${intro}: no seeds.`;
  const why = deltaMProblems(c);
  if (why !== undefined) return `${intro}: undefined, because ${why}.`;
  const mean = `${signed(d.summary.mean, DELTA_M_DIGITS)}${d.summary.n > 1 ? ` ± ${d.summary.std.toFixed(DELTA_M_DIGITS)}` : ''}%`;
  const ci = d.summary.n > 1 ? ` (95% CI ${signed(d.interval.low, DELTA_M_DIGITS)} to ${signed(d.interval.high, DELTA_M_DIGITS)}%, ${d.summary.n} seeds)` : ' (1 seed)';
  const perSeed = d.summary.n > 1 ? `; per seed ${d.summary.values.map((v) => signed(v, DELTA_M_DIGITS)).join(', ')}` : '';
  return `${intro}: ${mean}${ci}${perSeed}.`;
}

/** An integer with thousands separators: 1234567 -> `1,234,567`. */
function grouped(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `parameters: 21,578 multi-task vs 33,740 for the 2 single-task models together (0.64×)`. */
export function paramsLine(c: MultitaskComparison): string {
  const { multi, singleTotal } = c.params;
  if (multi.n === 0) return 'parameters: no seeds.';
  const ratio = singleTotal.mean > 0 ? ` (${(multi.mean / singleTotal.mean).toFixed(2)}×)` : '';
  return `parameters: ${grouped(multi.mean)} multi-task vs ${grouped(singleTotal.mean)} for the ${c.tasks.length} single-task models together${ratio}.`;
}

/** `training time: 12.3 s multi-task vs 20.1 s for the single-task models together (mean over 3 seeds)`. */
export function secondsLine(c: MultitaskComparison): string {
  const { multi, singleTotal } = c.seconds;
  if (multi.n === 0) return 'training time: no seeds.';
  const over = multi.n > 1 ? `mean over ${multi.n} seeds` : '1 seed';
  return `training time: ${multi.mean.toFixed(1)} s multi-task vs ${singleTotal.mean.toFixed(1)} s for the ${c.tasks.length} single-task models together (${over}).`;
}

/** The tasks whose headline metric moved the wrong way on average, as a clause; empty when none did. */
function worseTasksClause(c: MultitaskComparison): string {
  const worse = c.tasks.filter((t) => {
    const h = t.metrics[0];
    return Number.isFinite(h.delta.mean) && (h.higherIsBetter === true ? h.delta.mean < 0 : h.delta.mean > 0);
  });
  if (worse.length === 0) return '';
  const parts = worse.map((t) => {
    const h = t.metrics[0];
    const unit = h.unit === 'percent' ? ' pp' : '';
    const amount = `${h.metric} ${signed(h.delta.mean * scaleOf(h), digitsOf(h))}${unit}`;
    const noise = h.delta.n < 2 ? '1 seed' : metricReading(h) === 'worse' ? 'beyond noise' : 'within noise';
    return `'${t.task.name}' (${amount}, ${noise})`;
  });
  return `; but ${worse.length === 1 ? 'task' : 'tasks'} ${parts.join(', ')} moved the wrong way`;
}

/**
 * One sentence answering "did training the tasks together beat training each alone?", from Δm.
 * With 2 or more seeds a gain or a loss is claimed only when the paired 95% confidence interval
 * of Δm excludes 0; with 1 seed there is no noise estimate, and the sentence says so. When Δm is
 * positive on average, the tasks that got worse are named (a gain on average can hide a loss).
 */
export function multitaskVerdict(c: MultitaskComparison): string {
  const d = c.deltaM;
  const n = d.summary.n;
  if (n === 0) return 'No seeds: nothing to compare.';
  const why = deltaMProblems(c);
  if (why !== undefined) return `Δm is undefined, so there is no overall verdict: ${why}; compare the tasks one by one in the table.`;
  const mean = d.summary.mean;
  const dm = `Δm ${signed(mean, DELTA_M_DIGITS)}%`;
  const worse = mean > 0 ? worseTasksClause(c) : '';
  if (n === 1) return `Multi-task vs single-task: ${dm} (1 seed: no noise estimate; run more seeds to tell a gain from noise)${worse}.`;
  const ci = `(95% CI ${signed(d.interval.low, DELTA_M_DIGITS)} to ${signed(d.interval.high, DELTA_M_DIGITS)}%, ${n} seeds)`;
  if (d.interval.low > 0) return `Multi-task training beat the single-task models: ${dm} ${ci}${worse}.`;
  if (d.interval.high < 0) return `Multi-task training did worse than the single-task models: ${dm} ${ci}.`;
  return `Multi-task and single-task models are within noise: ${dm} ${ci}${worse}.`;
}

/** The terminal report printed at the end of a run: the aligned per-task table, Δm, costs and the verdict. */
export function multitaskReportText(result: MultitaskResult, c: MultitaskComparison): string {
  const lines = [
    `${c.title}: multi-task vs single-task (${result.data}; ${result.epochs} epochs; seeds ${c.seeds.join(', ') || 'none'}; ${result.backend})`,
    '',
    alignTable([TABLE_HEADER, ...tableRows(c)], { rightAlignFrom: 2, rule: true }),
    '',
    TABLE_NOTE,
    deltaMLine(c),
    paramsLine(c),
    secondsLine(c),
    '',
    multitaskVerdict(c),
  ];
  return `${lines.join('\n')}\n`;
}

function markdownRow(cells: readonly string[]): string {
  return `| ${cells.map((s) => s.replace(/\|/g, '\\|')).join(' | ')} |`;
}

function describeTask(t: TaskSummary): string {
  return `${t.name} (${t.kind}; ${t.metrics.join(', ')}; ${t.labelledTrain} labelled train / ${t.labelledTest} test)`;
}

/** The headline value of one seed as the per-seed table prints it. */
function seedCell(m: MetricComparison, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return String(value ?? '—');
  return (value * scaleOf(m)).toFixed(digitsOf(m));
}

/** The run folder's report.md: setup, the per-task table, Δm, costs, the verdict and the per-seed numbers. */
export function multitaskReportMarkdown(result: MultitaskResult, c: MultitaskComparison): string {
  const lines = [
    `# jointly: multi-task, ${result.architecture} + ${result.weighting}, multi-task vs single-task`,
    '',
    `- run: ${result.name}`,
    `- data: ${result.data}`,
    `- tasks: ${result.tasks.map(describeTask).join('; ')}`,
    `- training: ${result.epochs} epochs per model; seeds: ${c.seeds.join(', ') || 'none'}; backend: ${result.backend}`,
    '- single-task: for each task, the same architecture with only that task\'s head, the same initial trunk weights, data order and epochs',
    '',
    'Test metrics (mean ± std over seeds; Δ = multi-task − single-task paired by seed, in percentage points for the % metrics and in the metric\'s units otherwise; 95% CI: paired Student t over seeds):',
    '',
    markdownRow(TABLE_HEADER),
    `|${TABLE_HEADER.map((_, i) => (i < 2 || i === TABLE_HEADER.length - 1 ? '---' : '---:')).join('|')}|`,
    ...tableRows(c).map(markdownRow),
    '',
    TABLE_NOTE,
    '',
    `- ${deltaMLine(c)}`,
    `- ${paramsLine(c)}`,
    `- ${secondsLine(c)}`,
    '',
    `**${multitaskVerdict(c)}**`,
  ];
  if (result.seeds.length > 0) {
    const heads = c.tasks.map((t) => t.metrics[0]);
    const header = ['seed', ...c.tasks.flatMap((t, i) => [`${t.task.name} single ${metricLabel(heads[i])}`, `${t.task.name} multi`]), 'Δm %', 'multi s', 'single s'];
    lines.push('', '## Per seed (headline metrics)', '', markdownRow(header), `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    result.seeds.forEach((s, k) => {
      const values = c.tasks.flatMap((t, i) => [seedCell(heads[i], s.single[t.task.name]?.[heads[i].metric]), seedCell(heads[i], s.multi[t.task.name]?.[heads[i].metric])]);
      const dm = c.deltaM.perSeed[k].result.value;
      lines.push(markdownRow([String(s.seed), ...values, Number.isFinite(dm) ? signed(dm, DELTA_M_DIGITS) : 'undefined', s.seconds.multi.toFixed(1), sum(s.seconds.single).toFixed(1)]));
    });
  }
  return `${lines.join('\n')}\n`;
}

/** `T` as JSON holds it: every number may be null (NaN and ±Infinity are written as null). */
export type JsonSafe<T> = T extends number
  ? number | null
  : T extends string | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? JsonSafe<U>[]
      : T extends object
        ? { [K in keyof T]: JsonSafe<T[K]> }
        : T;

/** A deep copy of `value` with every non-finite number replaced by null (JSON has no NaN). */
function jsonSafe<T>(value: T): JsonSafe<T> {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  // The walk rebuilds exactly the shape JsonSafe<T> describes; TypeScript cannot follow a recursive walk.
  return walk(value) as JsonSafe<T>;
}

/** What report.json holds before its numbers are made JSON-safe. */
export interface MultitaskReportData {
  readonly name: string;
  readonly architecture: string;
  readonly weighting: string;
  readonly data: string;
  readonly backend: string;
  readonly epochs: number;
  readonly tasks: readonly TaskSummary[];
  /** The raw per-seed results (metrics, curves, seconds, params, weights), to recompute everything. */
  readonly seeds: readonly MultitaskSeedResult[];
  /** The comparison (its summaries keep their per-seed `values`). */
  readonly comparison: MultitaskComparison;
  /** The Δm line and the verdict, as printed. */
  readonly deltaMLine: string;
  readonly verdict: string;
}

/** The run folder's report.json: a plain JSON-able object with the raw per-seed values and the comparison; NaN is written as null. */
export function multitaskReportJson(result: MultitaskResult, c: MultitaskComparison): JsonSafe<MultitaskReportData> {
  return jsonSafe<MultitaskReportData>({
    name: result.name,
    architecture: result.architecture,
    weighting: result.weighting,
    data: result.data,
    backend: result.backend,
    epochs: result.epochs,
    tasks: result.tasks,
    seeds: result.seeds,
    comparison: c,
    deltaMLine: deltaMLine(c),
    verdict: multitaskVerdict(c),
  });
}

/** Mean over seeds at each epoch, over the seeds with a finite value at that epoch (NaN when none has). */
function meanCurve(curves: readonly (readonly number[] | undefined)[]): number[] {
  const epochs = Math.max(0, ...curves.map((c) => c?.length ?? 0));
  return Array.from({ length: epochs }, (_, e) => {
    const ys = curves.map((c) => c?.[e]).filter((y): y is number => y !== undefined && Number.isFinite(y));
    return ys.length === 0 ? Number.NaN : ys.reduce((a, b) => a + b, 0) / ys.length;
  });
}

/**
 * An SVG of the per-task validation curves (headline metric per epoch, mean over seeds):
 * multi-task solid, single-task dashed, one colour per task. Tasks with the same headline metric
 * share a panel; several panels are stacked in one SVG. Undefined when the run has no curves.
 */
export function multitaskCurvesSvg(result: MultitaskResult): string | undefined {
  const panels = new Map<string, Series[]>();
  result.tasks.forEach((task, i) => {
    const color = PALETTE[i % PALETTE.length];
    const scale = FRACTION_METRICS.has(task.metric) ? 100 : 1;
    for (const phase of ['multi', 'single'] as const) {
      const ys = meanCurve(result.seeds.map((s) => s.curves[phase][task.name]));
      if (ys.length === 0) continue;
      const series: Series = { label: `${task.name} ${phase}-task`, color, dashed: phase === 'single', points: ys.map((y, e) => [e + 1, y * scale]) };
      panels.set(task.metric, [...(panels.get(task.metric) ?? []), series]);
    }
  });
  if (panels.size === 0) return undefined;
  const width = 720;
  const height = 420;
  const charts = [...panels].map(([metric, series]) =>
    lineChartSvg(series, {
      title: `${result.weighting} on ${result.architecture}: validation ${metric}`,
      xLabel: 'epoch',
      yLabel: `validation ${metric}${FRACTION_METRICS.has(metric) ? ' (%)' : ''}`,
      width,
      height,
    }),
  );
  if (charts.length === 1) return charts[0];
  // Stack the panels: each chart becomes a nested <svg> placed at its offset (nested svg elements need no xmlns).
  const nested = charts.map((svg, i) => svg.replace(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /, `<svg x="0" y="${i * height}" `));
  const total = height * charts.length;
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}">`, ...nested, '</svg>'].join('\n');
}
