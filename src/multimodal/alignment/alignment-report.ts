/**
 * The Markdown report of an alignment run (alignment-result.ts): recall@k both ways for the
 * aligned model, the same model at its initial weights and chance; zero-shot accuracy when
 * prompts were given; the linear probe on aligned vs untrained features, with the gain in
 * percentage points; and the per-epoch loss and temperature. Pure: no tfjs, no I/O.
 */
import type { AlignmentResult } from './alignment-result.js';
import type { RetrievalDirection } from './retrieval.js';

/** Decimals of values shown in percent. */
const PERCENT_DIGITS = 1;

function percent(v: number): string {
  return Number.isFinite(v) ? (v * 100).toFixed(PERCENT_DIGITS) : String(v);
}

/** A difference of fractions in signed percentage points. */
function points(d: number): string {
  if (!Number.isFinite(d)) return String(d);
  const s = (d * 100).toFixed(PERCENT_DIGITS);
  return d > 0 ? `+${s}` : s;
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((s) => s.replace(/\|/g, '\\|')).join(' | ')} |`;
}

function header(cells: readonly string[], leftColumns = 1): string[] {
  return [row(cells), `|${cells.map((_, i) => (i < leftColumns ? '---' : '---:')).join('|')}|`];
}

function retrievalRow(label: string, what: string, d: RetrievalDirection, ks: readonly number[]): string {
  return row([label, what, ...ks.map((k) => percent(d.recall[String(k)] ?? NaN)), d.meanRank.toFixed(1), d.medianRank.toFixed(1)]);
}

/** The run's report.md section: setup, retrieval table, zero-shot, probe, epochs. */
export function alignmentReportMarkdown(result: AlignmentResult): string {
  const a = result.towers.a.modality;
  const b = result.towers.b.modality;
  const ks = result.recallAt;
  const first = result.epochs[0];
  const last = result.epochs[result.epochs.length - 1];
  const lines: string[] = [
    `# jointly: alignment, ${a} ↔ ${b} (${result.loss.name})`,
    '',
    `- towers: ${a} (${result.towers.a.encoder} encoder, width ${result.towers.a.width}) and ${b} (${result.towers.b.encoder} encoder, width ${result.towers.b.width}), each projected to a shared space of width ${result.dim}`,
    `- training: ${result.epochs.length} epochs on ${result.trainPairs} pairs; seed ${result.seed}; backend ${result.backend}; ${result.trainSeconds.toFixed(1)} s training, ${result.seconds.toFixed(1)} s in all`,
    ...(first === undefined || last === undefined ? [] : [`- temperature: ${first.temperature.toFixed(4)} after epoch 1 → ${last.temperature.toFixed(4)} after epoch ${last.epoch}`]),
    '',
    `## Retrieval (${result.testPairs} test pairs; recall@k in %; ties count against the pair)`,
    '',
    ...header(['direction', 'model', ...ks.map((k) => `R@${k}`), 'mean rank', 'median rank'], 2),
    retrievalRow(`${a} → ${b}`, 'aligned', result.retrieval.trained.aToB, ks),
    retrievalRow(`${a} → ${b}`, 'untrained', result.retrieval.untrained.aToB, ks),
    retrievalRow(`${b} → ${a}`, 'aligned', result.retrieval.trained.bToA, ks),
    retrievalRow(`${b} → ${a}`, 'untrained', result.retrieval.untrained.bToA, ks),
    row(['either', 'chance', ...ks.map((k) => percent(result.retrieval.chance[String(k)] ?? NaN)), ((result.testPairs + 1) / 2).toFixed(1), ((result.testPairs + 1) / 2).toFixed(1)]),
  ];
  const z = result.zeroShot;
  if (z !== undefined) {
    const promptModality = result.towers[z.promptTower].modality;
    lines.push(
      '',
      `## Zero-shot classification (${z.prompts} ${promptModality} prompts; ${z.samples} ${z.classifiedModality} test samples)`,
      '',
      ...header(['model', 'accuracy %']),
      row(['aligned', percent(z.trained)]),
      row(['untrained', percent(z.untrained)]),
      row(['chance', percent(z.chance)]),
    );
  }
  const p = result.probe;
  if (p !== undefined) {
    lines.push(
      '',
      `## Linear probe on ${p.modality}'s frozen ${p.features === 'encoder' ? 'encoder' : 'shared-space'} features (${p.trainSamples} train / ${p.testSamples} test samples)`,
      '',
      ...header(['features', 'test accuracy %', 'train accuracy %']),
      row(['aligned', percent(p.aligned.accuracy), percent(p.aligned.trainAccuracy)]),
      row(['untrained (initial weights)', percent(p.untrained.accuracy), percent(p.untrained.trainAccuracy)]),
      '',
      `Alignment changed the probe's test accuracy by ${points(p.aligned.accuracy - p.untrained.accuracy)} points.`,
    );
  }
  if (result.epochs.length > 0) {
    const names = Object.keys(result.epochs[0].parameters).filter((n) => n !== 'logitScale');
    lines.push('', '## Epochs', '', ...header(['epoch', 'loss', 'temperature', ...names, 'seconds']));
    for (const e of result.epochs) lines.push(row([String(e.epoch), e.loss.toFixed(4), e.temperature.toFixed(4), ...names.map((n) => (e.parameters[n] ?? NaN).toFixed(4)), e.seconds.toFixed(1)]));
  }
  return `${lines.join('\n')}\n`;
}
