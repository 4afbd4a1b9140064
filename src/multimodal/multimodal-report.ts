/**
 * The multimodal report: did fusing beat the best single modality? Per model (each modality
 * alone, the ensemble of the alone models, each fused model) the test accuracy as mean ± std
 * over seeds, and each fused model's difference from the best single modality and from the
 * ensemble, paired by seed with a 95% confidence interval; then the robustness table (each fused
 * model with every modality removed in turn, next to the remaining modality's own model).
 * Markdown and plain text (pure).
 */
import { formatPercent, formatPoints, pairedInterval, summarize, type PairedInterval, type Summary } from '../report/stats.js';
import { alignTable } from '../report/text-table.js';
import type { MultimodalResult } from './result.js';

/**
 * One fused model in a {@link MultimodalSummary}: its test accuracy over seeds and its paired
 * differences (as fractions, not percent) from the best single modality and from the ensemble.
 */
export interface FusedComparison {
  readonly label: string;
  readonly accuracy: Summary;
  /** Fused minus the best single modality, per seed. */
  readonly overBest: PairedInterval;
  /** Fused minus the ensemble of the alone models, per seed. */
  readonly overEnsemble: PairedInterval;
}

/** The statistics over seeds of a multimodal run that the report shows, as {@link summarizeMultimodal} computes them. */
export interface MultimodalSummary {
  readonly alone: Readonly<Record<string, Summary>>;
  /** The single modality with the highest mean accuracy (ties: the first in config order). */
  readonly best: string;
  readonly ensemble: Summary;
  /** ensemble − best single modality, per seed. */
  readonly ensembleOverBest: PairedInterval;
  readonly fused: readonly FusedComparison[];
  /** robustness[fusion][removed modality]: accuracy with that modality removed. */
  readonly robustness: Readonly<Record<string, Readonly<Record<string, Summary>>>>;
}

/**
 * Summarizes a multimodal result over its seeds: each model's test accuracy (mean and std), the
 * best single modality, each fused model's and the ensemble's paired 95% interval against it (and
 * each fused model's against the ensemble), and the robustness table. Pure.
 */
export function summarizeMultimodal(r: MultimodalResult): MultimodalSummary {
  const names = r.modalities.map((m) => m.name);
  const alone = Object.fromEntries(names.map((m) => [m, summarize(r.seeds.map((s) => s.alone[m]))]));
  const best = names.reduce((a, b) => (alone[b].mean > alone[a].mean ? b : a), names[0]);
  const bestPerSeed = r.seeds.map((s) => s.alone[best]);
  const ensemble = summarize(r.seeds.map((s) => s.ensemble));
  const fused = r.fusions.map((f) => {
    const acc = r.seeds.map((s) => s.fused[f.label]);
    return {
      label: f.label,
      accuracy: summarize(acc),
      overBest: pairedInterval(acc.map((a, i) => a - bestPerSeed[i])),
      overEnsemble: pairedInterval(acc.map((a, i) => a - r.seeds[i].ensemble)),
    };
  });
  const robustness: Record<string, Record<string, Summary>> = {};
  for (const f of r.fusions) {
    if (r.seeds.some((s) => s.robustness[f.label] === undefined)) continue;
    robustness[f.label] = Object.fromEntries(names.map((m) => [m, summarize(r.seeds.map((s) => s.robustness[f.label][m]))]));
  }
  return { alone, best, ensemble, ensembleOverBest: pairedInterval(r.seeds.map((s, i) => s.ensemble - bestPerSeed[i])), fused, robustness };
}

/** `+3.4 (95% CI +1.0 to +5.8)`, or `+3.4` with one seed. */
function intervalCell(d: PairedInterval): string {
  if (d.n === 0) return '—';
  return d.n < 2 ? formatPoints(d.mean) : `${formatPoints(d.mean)} (${formatPoints(d.low)} to ${formatPoints(d.high)})`;
}

/** Rows of the main table: model, accuracy, Δ over the best single modality, Δ over the ensemble. */
function mainRows(r: MultimodalResult, s: MultimodalSummary): string[][] {
  const rows: string[][] = [];
  for (const m of r.modalities) {
    const a = s.alone[m.name];
    const d = pairedInterval(r.seeds.map((x) => x.alone[m.name] - x.alone[s.best]));
    rows.push([`${m.name} alone (${m.encoder})${m.name === s.best ? ' — best single' : ''}`, formatPercent(a), m.name === s.best ? '0' : intervalCell(d), '']);
  }
  rows.push(['ensemble of the alone models', formatPercent(s.ensemble), intervalCell(s.ensembleOverBest), '0']);
  for (const f of s.fused) rows.push([`fused: ${f.label}`, formatPercent(f.accuracy), intervalCell(f.overBest), intervalCell(f.overEnsemble)]);
  return rows;
}

const MAIN_HEADER = ['model', 'test acc %', 'Δ vs best single (pp, 95% CI)', 'Δ vs ensemble (pp, 95% CI)'];

/** The robustness table's rows: each fused model with all modalities and with each one removed; then each modality alone. */
function robustnessRows(r: MultimodalResult, s: MultimodalSummary): { header: string[]; rows: string[][] } | undefined {
  const labels = Object.keys(s.robustness);
  if (labels.length === 0) return undefined;
  const names = r.modalities.map((m) => m.name);
  const header = ['model', 'all modalities', ...names.map((m) => `without ${m}`)];
  const rows = labels.map((label) => {
    const f = s.fused.find((x) => x.label === label);
    return [`fused: ${label}`, f === undefined ? '—' : formatPercent(f.accuracy), ...names.map((m) => formatPercent(s.robustness[label][m]))];
  });
  // What the remaining modalities manage alone, for comparison: with two modalities, "without a" is b's own model.
  const reference = names.map((m) => {
    const rest = names.filter((n) => n !== m);
    const bestRest = rest.reduce((a, b) => (s.alone[b].mean > s.alone[a].mean ? b : a), rest[0]);
    return rest.length === 0 ? '—' : `${formatPercent(s.alone[bestRest])} (${bestRest})`;
  });
  rows.push(['best remaining modality alone', '—', ...reference]);
  return { header, rows };
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** Sentences that answer the run's question plainly, including when fusion did not win. */
export function multimodalVerdict(r: MultimodalResult, s: MultimodalSummary): string[] {
  const out: string[] = [];
  const n = r.seeds.length;
  const noise = n < 2 ? ' (1 seed: no noise estimate)' : '';
  const judge = (d: PairedInterval): 'beat' | 'lost to' | 'tied with' => (n < 2 ? (d.mean > 0 ? 'beat' : d.mean < 0 ? 'lost to' : 'tied with') : d.low > 0 ? 'beat' : d.high < 0 ? 'lost to' : 'tied with');
  for (const f of s.fused) {
    const vsBest = judge(f.overBest);
    const vsEns = judge(f.overEnsemble);
    const within = (v: string): string => (v === 'tied with' ? 'is within noise of' : v);
    out.push(
      `Fused (${f.label}) ${within(vsBest)} the best single modality (${s.best}): ${formatPercent(f.accuracy)} vs ${formatPercent(s.alone[s.best])}, ${formatPoints(f.overBest.mean)} pp${noise}; it ${within(vsEns)} the ensemble of the separately trained single-modality models (${formatPercent(s.ensemble)}), ${formatPoints(f.overEnsemble.mean)} pp.`,
    );
  }
  return out;
}

/** One seed's teaching outcome as (model, alone accuracy, taught accuracy) rows, views then the ensemble. */
function taughtPairs(seed: MultimodalResult['seeds'][number], pick: 'coTraining' | 'crossModal'): [string, number, number][] | undefined {
  if (pick === 'coTraining') {
    const c = seed.coTraining;
    return c === undefined ? undefined : [...c.final.map((v): [string, number, number] => [v.view, v.alone.accuracy, v.coTrained.accuracy]), ['ensemble', c.ensemble.alone.accuracy, c.ensemble.coTrained.accuracy]];
  }
  const m = seed.crossModal;
  return m === undefined ? undefined : [...m.perView.map((v): [string, number, number] => [v.view, v.alone.accuracy, v.mutual.accuracy]), ['ensemble', m.ensemble.alone.accuracy, m.ensemble.mutual.accuracy]];
}

/** Across seeds: each view's model alone vs taught (co-training or cross-modal mutual), and the ensemble. */
function teachingRows(r: MultimodalResult, pick: 'coTraining' | 'crossModal'): string[][] | undefined {
  const perSeed = r.seeds.map((s) => taughtPairs(s, pick));
  if (perSeed.length === 0 || perSeed.some((p) => p === undefined)) return undefined;
  const seeds = perSeed as [string, number, number][][];
  return seeds[0].map(([name], row) => {
    const alone = seeds.map((p) => p[row][1]);
    const taught = seeds.map((p) => p[row][2]);
    return [name, formatPercent(summarize(alone)), formatPercent(summarize(taught)), intervalCell(pairedInterval(taught.map((t, k) => t - alone[k])))];
  });
}

/** Across seeds: recall@k both ways (trained vs untrained), zero-shot and the linear probe. */
function alignmentRows(r: MultimodalResult): { title: string; rows: string[][] } | undefined {
  const runs = r.seeds.map((s) => s.alignment);
  if (runs.length === 0 || runs.some((a) => a === undefined)) return undefined;
  const all = runs as NonNullable<(typeof runs)[number]>[];
  const first = all[0];
  const a = first.towers.a.modality;
  const b = first.towers.b.modality;
  const pct = (values: number[]): string => formatPercent(summarize(values));
  const rows: string[][] = [];
  for (const k of first.recallAt.map(String)) {
    rows.push([`recall@${k} ${a} → ${b}`, pct(all.map((x) => x.retrieval.trained.aToB.recall[k])), pct(all.map((x) => x.retrieval.untrained.aToB.recall[k])), pct(all.map((x) => x.retrieval.chance[k]))]);
    rows.push([`recall@${k} ${b} → ${a}`, pct(all.map((x) => x.retrieval.trained.bToA.recall[k])), pct(all.map((x) => x.retrieval.untrained.bToA.recall[k])), pct(all.map((x) => x.retrieval.chance[k]))]);
  }
  if (all.every((x) => x.zeroShot !== undefined)) {
    const z = all.map((x) => x.zeroShot as NonNullable<typeof x.zeroShot>);
    rows.push([`zero-shot accuracy (${z[0].classifiedModality} from prompts)`, pct(z.map((x) => x.trained)), pct(z.map((x) => x.untrained)), pct(z.map((x) => x.chance))]);
  }
  if (all.every((x) => x.probe !== undefined)) {
    const p = all.map((x) => x.probe as NonNullable<typeof x.probe>);
    rows.push([`linear probe on ${p[0].modality}'s ${p[0].features} features`, pct(p.map((x) => x.aligned.accuracy)), pct(p.map((x) => x.untrained.accuracy)), '—']);
  }
  return { title: `${first.loss.name} alignment of ${a} and ${b} (${first.testPairs} test pairs, ${first.dim}-d shared space)`, rows };
}

const ALIGNMENT_HEADER = ['measure', 'aligned %', 'untrained %', 'chance %'];

/** The co-training and cross-modal tables (Markdown), when the run has them. */
function teachingMarkdown(r: MultimodalResult): string[] {
  const out: string[] = [];
  const co = teachingRows(r, 'coTraining');
  const first = r.seeds[0];
  if (co !== undefined && first?.coTraining !== undefined) {
    const c = first.coTraining;
    out.push(
      '',
      '## Co-training (Blum & Mitchell 1998)',
      '',
      `${c.labelled} labelled and ${c.unlabelled} unlabelled training samples (seed ${first.seed}); each modality's model labels its most confident pool samples for the others. "alone" is the same model trained on the labelled samples only (${c.budget.aloneEpochs} epochs; co-training trains ${c.budget.trainings} times for ${c.budget.epochsPerRound} epochs each).`,
      '',
      markdownTable(['model', 'alone acc %', 'co-trained acc %', 'Δ (pp, 95% CI)'], co),
    );
  }
  const al = alignmentRows(r);
  if (al !== undefined) out.push('', `## Alignment: ${al.title}`, '', markdownTable(ALIGNMENT_HEADER, al.rows));
  const cm = teachingRows(r, 'crossModal');
  if (cm !== undefined && first?.crossModal !== undefined) {
    out.push('', `## Cross-modal mutual learning (${first.crossModal.method})`, '', 'Each modality\'s own model, trained alone and trained with the others\' predictions as extra targets (same initial weights, data order and epochs).', '', markdownTable(['model', 'alone acc %', 'mutual acc %', 'Δ (pp, 95% CI)'], cm));
  }
  return out;
}

/** The whole report as Markdown. */
export function multimodalMarkdown(r: MultimodalResult): string {
  const s = summarizeMultimodal(r);
  const lines = [
    `# ${r.name}: fused vs alone`,
    '',
    `Data: ${r.data}. ${r.epochs} epochs, seeds ${r.seeds.map((x) => x.seed).join(', ')}, backend ${r.backend}. Missing modalities: ${r.missing.handling}, modality dropout ${r.missing.dropout}.`,
    '',
    ...multimodalVerdict(r, s).map((v) => `- ${v}`),
    '',
    markdownTable(MAIN_HEADER, mainRows(r, s)),
  ];
  const rob = robustnessRows(r, s);
  if (rob !== undefined) {
    lines.push('', '## Robustness: each modality removed from every test sample', '', markdownTable(rob.header, rob.rows));
  }
  lines.push(...teachingMarkdown(r));
  lines.push('', '## Models', '', markdownTable(['model', 'trainable params', 'train s (mean)'], modelRows(r)));
  return `${lines.join('\n')}\n`;
}

function modelRows(r: MultimodalResult): string[][] {
  const mean = (xs: number[]): string => (xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(1);
  return [
    ...r.modalities.map((m) => [`${m.name} alone`, String(r.seeds[0]?.params.alone[m.name] ?? '—'), mean(r.seeds.map((s) => s.seconds.alone[m.name]))]),
    ...r.fusions.map((f) => [`fused: ${f.label}`, String(r.seeds[0]?.params.fused[f.label] ?? '—'), mean(r.seeds.map((s) => s.seconds.fused[f.label]))]),
  ];
}

/** The main and robustness tables as aligned text, with the verdict (for the terminal). */
export function multimodalText(r: MultimodalResult): string {
  const s = summarizeMultimodal(r);
  const parts = [alignTable([MAIN_HEADER, ...mainRows(r, s)], { rule: true })];
  const rob = robustnessRows(r, s);
  if (rob !== undefined) parts.push(`Robustness (each modality removed from every test sample):\n${alignTable([rob.header, ...rob.rows], { rule: true })}`);
  const co = teachingRows(r, 'coTraining');
  if (co !== undefined) parts.push(`Co-training (labelled samples only vs co-trained):\n${alignTable([['model', 'alone acc %', 'co-trained acc %', 'Δ (pp, 95% CI)'], ...co], { rule: true })}`);
  const al = alignmentRows(r);
  if (al !== undefined) parts.push(`Alignment: ${al.title}\n${alignTable([ALIGNMENT_HEADER, ...al.rows], { rule: true })}`);
  const cm = teachingRows(r, 'crossModal');
  if (cm !== undefined) parts.push(`Cross-modal mutual learning (${r.seeds[0]?.crossModal?.method ?? ''}):\n${alignTable([['model', 'alone acc %', 'mutual acc %', 'Δ (pp, 95% CI)'], ...cm], { rule: true })}`);
  parts.push(multimodalVerdict(r, s).join('\n'));
  return parts.join('\n\n');
}

