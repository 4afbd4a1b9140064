/**
 * The report of a federated run: per-round accuracy, loss, bytes and durations, and the
 * joint-versus-alone view of this mode: the federated model against every client trained on
 * its own data alone (the mean local-only accuracy) and against one model trained on all the
 * data pooled (the upper reference), on the same test set, seed and budget.
 */
import { lineChartSvg, type Series } from '../report/line-chart-svg.js';
import { summarize } from '../report/stats.js';
import { alignTable } from '../report/text-table.js';
import { renderHistogramTable, summarizeHistograms } from './partition/histogram.js';
import type { ClientRecord, RoundRecord } from './server/coordinator.js';
import type { Baselines, Divergence } from './simulation/run-simulation.js';

/** Everything the federated report is built from: the run's round history and, in simulations, the baselines. */
export interface FederatedReportInput {
  /** Title of the report and of its accuracy chart. */
  title: string;
  /** Strategy name shown in the table and the report. */
  strategy: string;
  /** Tensor backend the run used. */
  backend: string;
  /** One record per round, in order. */
  history: readonly RoundRecord[];
  /** Per-client counts of rounds sampled and replies, by client id. */
  clients: Record<string, ClientRecord>;
  /** Local-only accuracy of each client (simulation only). */
  localOnly?: Record<string, { accuracy: number; loss: number }>;
  /** Pooled-data accuracy (simulation only). */
  pooled?: { accuracy: number; loss: number };
  /** Baselines whose training diverged, so they have no score (simulation only). */
  diverged?: Baselines['diverged'];
  /** Epochs of the baselines (rounds × local epochs). */
  baselineEpochs?: number;
  /** Per-client label counts, clients × classes (simulation only); the table's columns are `classNames`, else `FederatedReportInput.classNames`, else the class indices. */
  histograms?: { counts: readonly (readonly number[])[]; classNames?: readonly string[] };
  /** The task's class names in index order (data.classes, or text labels); absent when its classes are unnamed integers. */
  classNames?: readonly string[];
  /** Ids of clients simulated as malicious; marked in the clients table. */
  malicious?: readonly string[];
  /** Extra lines listed under "Notes" at the end of the report. */
  notes?: readonly string[];
  /** The same federation without its privacy part: test accuracy after every round (`simulation.baselines.nonPrivate`). */
  nonPrivate?: { accuracy: readonly number[] };
}

/** The headline numbers, for the CLI's table and report.json. */
export interface FederatedSummary {
  rounds: number;
  finalAccuracy: number | undefined;
  bestAccuracy: number | undefined;
  localOnlyMean: number | undefined;
  localOnlyStd: number | undefined;
  pooled: number | undefined;
  /** Federated minus mean local-only accuracy, in points of accuracy (fraction). */
  gainOverLocal: number | undefined;
  /** Federated minus pooled. */
  gapToPooled: number | undefined;
  /** Why the pooled baseline has no score, e.g. `loss NaN at epoch 1, step 6`; undefined when it has one or did not run. */
  pooledDiverged: string | undefined;
  /** Local-only clients whose training diverged (they are not in the local-only mean). */
  localOnlyDiverged: number;
  bytesSent: number;
  bytesReceived: number;
  meanRoundSeconds: number;
  refusedRounds: number;
  failures: number;
  /** Differential privacy spent by the last aggregated round (DP-FedAvg), when the strategy has a privacy part. */
  privacy?: { epsilon: number; delta: number };
  /** The same federation's final accuracy without privacy, when it ran. */
  nonPrivate?: number;
  /** Federated (private) minus non-private final accuracy: what privacy cost. */
  privacyCost?: number;
}

/** Where a baseline diverged, e.g. `loss NaN at epoch 1, step 6`. */
export function divergenceText(d: Divergence): string {
  const at = d.epoch === undefined ? '' : ` at epoch ${d.epoch}${d.step === undefined ? '' : `, step ${d.step}`}`;
  return `loss ${d.loss}${at}`;
}

const pct = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(2)}%`);
const pts = (x: number | undefined): string => (x === undefined ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} pp`);

/** Mebibytes with one decimal. */
export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

/**
 * The headline numbers of a run: final and best server-side test accuracy (fractions in [0, 1]),
 * the local-only and pooled baselines and the differences to them, total bytes, mean round
 * seconds, refused rounds and failed replies. Fields without data are undefined.
 */
export function summarizeFederated(input: FederatedReportInput): FederatedSummary {
  const accs = input.history.map((r) => r.evaluation?.accuracy).filter((a): a is number => a !== undefined);
  const final = accs.length > 0 ? accs[accs.length - 1] : undefined;
  const local = input.localOnly === undefined ? undefined : summarize(Object.values(input.localOnly).map((s) => s.accuracy));
  return {
    rounds: input.history.length,
    finalAccuracy: final,
    bestAccuracy: accs.length > 0 ? Math.max(...accs) : undefined,
    localOnlyMean: local?.mean,
    localOnlyStd: local?.std,
    pooled: input.pooled?.accuracy,
    gainOverLocal: final !== undefined && local !== undefined ? final - local.mean : undefined,
    gapToPooled: final !== undefined && input.pooled !== undefined ? final - input.pooled.accuracy : undefined,
    pooledDiverged: input.diverged?.pooled === undefined ? undefined : divergenceText(input.diverged.pooled),
    localOnlyDiverged: Object.keys(input.diverged?.localOnly ?? {}).length,
    bytesSent: input.history.reduce((s, r) => s + r.bytesSent, 0),
    bytesReceived: input.history.reduce((s, r) => s + r.bytesReceived, 0),
    meanRoundSeconds: input.history.length === 0 ? 0 : input.history.reduce((s, r) => s + r.seconds, 0) / input.history.length,
    refusedRounds: input.history.filter((r) => r.refused !== undefined).length,
    failures: input.history.reduce((s, r) => s + r.failures.length, 0),
    ...privacyOf(input.history),
    ...nonPrivateOf(input.nonPrivate, final),
  };
}

/** The non-private twin's final accuracy and the private run's difference to it, when the twin ran. */
function nonPrivateOf(twin: FederatedReportInput['nonPrivate'], final: number | undefined): { nonPrivate?: number; privacyCost?: number } {
  const last = twin?.accuracy[twin.accuracy.length - 1];
  if (last === undefined || Number.isNaN(last)) return {};
  return { nonPrivate: last, ...(final === undefined ? {} : { privacyCost: final - last }) };
}

/** ε and δ after the last round that reported them (the ledger only grows), or nothing without privacy. */
function privacyOf(history: FederatedReportInput['history']): { privacy?: { epsilon: number; delta: number } } {
  const last = [...history].reverse().find((r) => r.aggregate.epsilon !== undefined && r.aggregate.delta !== undefined);
  return last === undefined ? {} : { privacy: { epsilon: last.aggregate.epsilon, delta: last.aggregate.delta } };
}

/** ε for a table cell: 4 significant digits, ∞, or – when the round reported none. */
const eps = (x: number | undefined): string => (x === undefined ? '–' : Number.isFinite(x) ? x.toPrecision(4) : '∞');

/** The joint-vs-alone table as aligned text (for the terminal). */
export function federatedTable(input: FederatedReportInput, s: FederatedSummary = summarizeFederated(input)): string {
  const rows: string[][] = [['', 'test accuracy', 'federated − this']];
  const privacy = s.privacy === undefined ? '' : `, ε = ${eps(s.privacy.epsilon)} at δ = ${s.privacy.delta}`;
  rows.push([`federated (${input.strategy}, ${s.rounds} rounds${privacy})`, pct(s.finalAccuracy), '']);
  const divergedLocal = Object.values(input.diverged?.localOnly ?? {});
  if (s.localOnlyMean !== undefined) {
    const also = divergedLocal.length === 0 ? '' : `; ${divergedLocal.length} more diverged`;
    rows.push([`local-only (mean of ${Object.keys(input.localOnly ?? {}).length} clients${also})`, `${pct(s.localOnlyMean)} ± ${((s.localOnlyStd ?? 0) * 100).toFixed(2)}`, pts(s.gainOverLocal)]);
  } else if (divergedLocal.length > 0) {
    rows.push([`local-only (${divergedLocal.length} clients)`, `diverged (every client; first: ${divergenceText(divergedLocal[0])})`, '–']);
  }
  if (s.nonPrivate !== undefined) rows.push(['the same federation without privacy', pct(s.nonPrivate), pts(s.privacyCost)]);
  if (s.pooled !== undefined) rows.push(['pooled (all data in one place)', pct(s.pooled), pts(s.gapToPooled)]);
  else if (s.pooledDiverged !== undefined) rows.push(['pooled (all data in one place)', `diverged (${s.pooledDiverged})`, '–']);
  return alignTable(rows);
}

/** One sentence: did federated training beat training alone? */
export function federatedVerdict(s: FederatedSummary): string {
  if (s.finalAccuracy === undefined) return 'No server-side evaluation: the run has no held-out score.';
  const pooledDiverged = s.pooledDiverged === undefined ? '' : `; the pooled baseline diverged (${s.pooledDiverged}), so there is no pooled reference`;
  if (s.gainOverLocal === undefined) {
    const why = s.localOnlyDiverged > 0 ? `the local-only baseline diverged on every client` : 'no local-only baseline in this run';
    return `Federated model: ${pct(s.finalAccuracy)} test accuracy (${why})${pooledDiverged}.`;
  }
  const verb = s.gainOverLocal > 0 ? 'beat' : 'did not beat';
  const pooled = s.gapToPooled === undefined ? '' : `; it is ${pts(s.gapToPooled)} from pooled training`;
  const local = s.localOnlyDiverged > 0 ? ` over the clients whose local-only training did not diverge (${s.localOnlyDiverged} did)` : '';
  return `Federated training ${verb} training alone: ${pct(s.finalAccuracy)} vs ${pct(s.localOnlyMean)} mean local-only (${pts(s.gainOverLocal)})${local}${pooled}${pooledDiverged}.`;
}

/** Per-round accuracy curve with the two reference lines. */
export function accuracySvg(input: FederatedReportInput): string {
  const series: Series[] = [
    { label: `federated (${input.strategy})`, points: input.history.filter((r) => r.evaluation !== undefined).map((r) => [r.round, (r.evaluation?.accuracy ?? 0) * 100]) },
  ];
  const last = Math.max(1, input.history.length);
  if (input.localOnly !== undefined) {
    const mean = summarize(Object.values(input.localOnly).map((s) => s.accuracy)).mean * 100;
    series.push({ label: 'local-only (mean)', points: [[1, mean], [last, mean]], dashed: true });
  }
  if (input.pooled !== undefined) series.push({ label: 'pooled', points: [[1, input.pooled.accuracy * 100], [last, input.pooled.accuracy * 100]], dashed: true });
  return lineChartSvg(series, { title: input.title, xLabel: 'round', yLabel: 'test accuracy (%)', formatY: (y) => y.toFixed(1) });
}

/**
 * Test accuracy against ε spent, after every round of a differentially private run, with the
 * same federation's accuracy without privacy after the same rounds (when it ran) at the same ε
 * positions; undefined for a run without privacy.
 */
export function privacySvg(input: FederatedReportInput): string | undefined {
  const rounds = input.history.filter((r) => r.evaluation !== undefined && r.aggregate.epsilon !== undefined && Number.isFinite(r.aggregate.epsilon));
  if (rounds.length === 0) return undefined;
  const series: Series[] = [{ label: `federated with privacy (${input.strategy})`, points: rounds.map((r) => [r.aggregate.epsilon, (r.evaluation?.accuracy ?? 0) * 100]) }];
  const twin = input.nonPrivate?.accuracy;
  if (twin !== undefined) {
    const points = rounds.filter((r) => r.round - 1 < twin.length && !Number.isNaN(twin[r.round - 1])).map((r): [number, number] => [r.aggregate.epsilon, twin[r.round - 1] * 100]);
    if (points.length > 0) series.push({ label: 'the same rounds without privacy', points, dashed: true });
  }
  return lineChartSvg(series, { title: `${input.title}: accuracy against ε`, xLabel: `ε spent (δ = ${rounds[0].aggregate.delta})`, yLabel: 'test accuracy (%)', formatY: (y) => y.toFixed(1) });
}

/** The report as Markdown. */
export function federatedMarkdown(input: FederatedReportInput): string {
  const s = summarizeFederated(input);
  const lines: string[] = [`# ${input.title}`, '', `Strategy ${input.strategy}, backend ${input.backend}.`, ''];
  if (input.classNames !== undefined) lines.push(`Classes (in index order): ${input.classNames.join(', ')}.`, '');
  lines.push('## Joint vs alone', '', '```', federatedTable(input, s), '```', '', federatedVerdict(s), '');
  if (input.baselineEpochs !== undefined && (input.localOnly !== undefined || input.pooled !== undefined || input.diverged !== undefined)) {
    lines.push(`Baselines trained ${input.baselineEpochs} epochs each (rounds × local epochs), from the same initial model, evaluated on the same test set.`, '');
  }
  lines.push('![accuracy per round](accuracy.svg)', '');
  if (s.privacy !== undefined) {
    lines.push(
      '## Privacy',
      '',
      `Differentially private (DP-FedAvg): after ${s.rounds} round(s), ε = ${eps(s.privacy.epsilon)} at δ = ${s.privacy.delta}, client-level (one client's whole data), by the Rényi DP accountant of the sampled Gaussian mechanism (Mironov et al. 2019) with the conversion of Canonne et al. 2020. The column ε below is the budget spent by the end of each round. The local-only and pooled baselines are trained without privacy.`,
      '',
      s.nonPrivate === undefined
        ? 'The same federation without privacy did not run (`simulation.baselines.nonPrivate`, or a networked run): compare with a run without `privacy` on the same config to see what privacy cost.'
        : `Without privacy the same federation (same seeds, sampling and rounds) reached ${pct(s.nonPrivate)}: ${
            s.privacyCost === undefined ? 'the private run has no final score' : s.privacyCost < 0 ? `privacy cost ${(-s.privacyCost * 100).toFixed(2)} pp of accuracy` : `the private run did as well or better (${pts(s.privacyCost)})`
          }.`,
      '',
      '![accuracy against ε](privacy.svg)',
      '',
    );
  }
  const dp = s.privacy !== undefined;
  lines.push('## Rounds', '');
  lines.push(`| round | clients | replied | failed | test acc | test loss | train loss |${dp ? ' ε |' : ''} sent | received | seconds |`, `|---|---|---|---|---|---|---|${dp ? '---|' : ''}---|---|---|`);
  for (const r of input.history) {
    lines.push(
      `| ${r.round}${r.refused === undefined ? '' : ' (refused)'} | ${r.sampled.length} | ${r.replied.length} | ${r.failures.length} | ${pct(r.evaluation?.accuracy)} | ${r.evaluation?.loss.toFixed(4) ?? '–'} | ${Number.isNaN(r.trainLoss) ? '–' : r.trainLoss.toFixed(4)} |${dp ? ` ${eps(r.aggregate.epsilon)} |` : ''} ${formatBytes(r.bytesSent)} | ${formatBytes(r.bytesReceived)} | ${r.seconds.toFixed(1)} |`,
    );
  }
  lines.push('', `Total sent ${formatBytes(s.bytesSent)}, received ${formatBytes(s.bytesReceived)}; mean round ${s.meanRoundSeconds.toFixed(1)} s.`, '');
  const failures = input.history.flatMap((r) => r.failures.map((f) => `- round ${r.round}, ${f.clientId}: ${f.reason}`));
  const refused = input.history.filter((r) => r.refused !== undefined).map((r) => `- round ${r.round}: ${r.refused}`);
  if (failures.length > 0 || refused.length > 0) lines.push('## Failures', '', ...refused, ...failures, '');
  const divergedLocal = input.diverged?.localOnly ?? {};
  if (input.localOnly !== undefined || Object.keys(divergedLocal).length > 0) {
    lines.push('## Clients', '', '| client | rounds sampled | replies | local-only acc |', '|---|---|---|---|');
    const scored = Object.keys(input.localOnly ?? {});
    const ids = Object.keys(divergedLocal).length === 0 ? scored : [...scored, ...Object.keys(divergedLocal)].sort();
    for (const id of ids) {
      const c = input.clients[id];
      const sc = input.localOnly?.[id];
      const d = divergedLocal[id];
      const acc = sc !== undefined ? pct(sc.accuracy) : d !== undefined ? `diverged (${divergenceText(d)})` : '–';
      lines.push(`| ${id}${input.malicious?.includes(id) === true ? ' (malicious)' : ''} | ${c?.sampled ?? 0} | ${c?.replied ?? 0} | ${acc} |`);
    }
    lines.push('');
  }
  if (input.histograms !== undefined) {
    const h = summarizeHistograms(input.histograms.counts);
    lines.push(
      '## Label histograms',
      '',
      `Classes present per client: ${h.meanClassesPresent.toFixed(2)} on average (effective classes ${h.meanEffectiveClasses.toFixed(2)}).`,
      '',
      renderHistogramTable(input.histograms.counts, { classNames: input.histograms.classNames ?? input.classNames, maxRows: 50 }),
      '',
    );
  }
  if (input.notes !== undefined && input.notes.length > 0) lines.push('## Notes', '', ...input.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
