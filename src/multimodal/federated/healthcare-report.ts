/**
 * The tables of the federated healthcare example, as Markdown: per site, the fused model trained
 * alone (the site by itself), federated and pooled (all sites' data in one place); and per site,
 * the federated image-only, record-only and fused models; with the sites' data and a verdict
 * line under each table. Pure: it formats scores the runner measured.
 */

/** Accuracies of one variant on one set of patients (undefined: not run, or diverged). */
export interface ScoreCell {
  alone?: number;
  federated?: number;
  pooled?: number;
}

/** One site: its data and scanner (what makes the sites non-IID). */
export interface SiteInfo {
  id: string;
  trainPatients: number;
  heldOutPatients: number;
  /** Fraction of positive diagnoses among its training patients. */
  positiveRate: number;
  meanAge: number;
  scannerGain: number;
  scannerOffset: number;
}

/** A variant's scores: per site on the site's held-out patients, over all sites' held-out patients (example-weighted), and on the shared test set. */
export interface VariantScores {
  modalities: readonly string[];
  perSite: Readonly<Record<string, ScoreCell>>;
  allSites: ScoreCell;
  /** On the shared test set; `alone` is the mean over the sites' own models. */
  sharedTest: ScoreCell;
}

export interface HealthcareReportInput {
  title: string;
  /** One paragraph: data, model, strategy, rounds. */
  description: string;
  sites: readonly SiteInfo[];
  sharedTestPatients: number;
  variants: Readonly<Partial<Record<'image-only' | 'record-only' | 'fused', VariantScores>>>;
  notes?: readonly string[];
}

const pct = (x: number | undefined): string => (x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
const pts = (a: number | undefined, b: number | undefined): string => {
  if (a === undefined || b === undefined) return '–';
  const d = (a - b) * 100;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)} pp`;
};

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** The rows every score table has: the sites, all sites' held-out patients, the shared test set. */
function rowsOf(input: HealthcareReportInput, cells: (where: Where, id: string) => string[]): string[][] {
  return [
    ...input.sites.map((s) => [s.id, ...cells('site', s.id)]),
    [`all sites (${input.sites.reduce((n, s) => n + s.heldOutPatients, 0)} held-out)`, ...cells('all', '')],
    [`shared test set (${input.sharedTestPatients})`, ...cells('shared', '')],
  ];
}

type Where = 'site' | 'all' | 'shared';

function cellOf(scores: VariantScores | undefined, where: Where, id: string): ScoreCell {
  if (scores === undefined) return {};
  return where === 'site' ? (scores.perSite[id] ?? {}) : where === 'all' ? scores.allSites : scores.sharedTest;
}

/** Sites where `better` beats `than` (both measured), as "k of n". */
function countWins(input: HealthcareReportInput, better: (id: string) => number | undefined, than: (id: string) => number | undefined): { wins: number; of: number } {
  let wins = 0;
  let of = 0;
  for (const s of input.sites) {
    const a = better(s.id);
    const b = than(s.id);
    if (a === undefined || b === undefined) continue;
    of++;
    if (a > b) wins++;
  }
  return { wins, of };
}

/** The example's report as Markdown. */
export function healthcareMarkdown(input: HealthcareReportInput): string {
  const { fused } = input.variants;
  const lines: string[] = [`# ${input.title}`, '', input.description, '', '## Sites', ''];
  lines.push(
    ...table(
      ['site', 'train patients', 'held-out patients', 'positive (train)', 'mean age', 'scanner gain', 'scanner offset'],
      input.sites.map((s) => [s.id, String(s.trainPatients), String(s.heldOutPatients), pct(s.positiveRate), s.meanAge.toFixed(1), s.scannerGain.toFixed(3), s.scannerOffset.toFixed(3)]),
    ),
    '',
  );

  lines.push('## Fused model: alone vs federated vs pooled', '', 'Test accuracy on each site\'s own held-out patients. Alone: the site trained by itself; pooled: one model on every site\'s training patients; on the shared test set, alone is the mean of the sites\' own models.', '');
  lines.push(
    ...table(
      ['site', 'alone', 'federated', 'pooled', 'federated − alone'],
      rowsOf(input, (where, id) => {
        const c = cellOf(fused, where, id);
        return [pct(c.alone), pct(c.federated), pct(c.pooled), pts(c.federated, c.alone)];
      }),
    ),
    '',
  );
  if (fused !== undefined) {
    const w = countWins(input, (id) => fused.perSite[id]?.federated, (id) => fused.perSite[id]?.alone);
    const all = fused.allSites;
    const vsPooled = all.pooled === undefined || all.federated === undefined ? '' : `; pooled training reached ${pct(all.pooled)} (${pts(all.pooled, all.federated)} against federated)`;
    if (w.of > 0) lines.push(`Federated training beat training alone on ${w.wins} of ${w.of} sites (all sites: ${pct(all.federated)} vs ${pct(all.alone)}, ${pts(all.federated, all.alone)})${vsPooled}.`, '');
  }

  lines.push('## Federated model: image-only vs record-only vs fused', '', 'Test accuracy of the federated global model of each variant, on each site\'s held-out patients.', '');
  const single = (c: { image?: number; record?: number }): number | undefined => (c.image === undefined && c.record === undefined ? undefined : Math.max(c.image ?? -1, c.record ?? -1));
  const fedOf = (name: 'image-only' | 'record-only' | 'fused', where: Where, id: string): number | undefined => cellOf(input.variants[name], where, id).federated;
  lines.push(
    ...table(
      ['site', 'image-only', 'record-only', 'fused', 'fused − best single'],
      rowsOf(input, (where, id) => {
        const [image, record, both] = [fedOf('image-only', where, id), fedOf('record-only', where, id), fedOf('fused', where, id)];
        return [pct(image), pct(record), pct(both), pts(both, single({ image, record }))];
      }),
    ),
    '',
  );
  if (fused !== undefined && input.variants['image-only'] !== undefined && input.variants['record-only'] !== undefined) {
    const best = (id: string): number | undefined => single({ image: fedOf('image-only', 'site', id), record: fedOf('record-only', 'site', id) });
    const w = countWins(input, (id) => fedOf('fused', 'site', id), best);
    const [image, record, both] = [fedOf('image-only', 'all', ''), fedOf('record-only', 'all', ''), fedOf('fused', 'all', '')];
    const bestName = (image ?? -1) >= (record ?? -1) ? 'image-only' : 'record-only';
    lines.push(`Fusion beat the best single modality on ${w.wins} of ${w.of} sites (all sites: fused ${pct(both)} vs ${bestName} ${pct(single({ image, record }))}, ${pts(both, single({ image, record }))}).`, '');
  }

  const everyVariant = (['image-only', 'record-only', 'fused'] as const).filter((n) => input.variants[n] !== undefined);
  const withBaselines = everyVariant.filter((n) => {
    const a = input.variants[n]?.allSites;
    return a?.alone !== undefined || a?.pooled !== undefined;
  });
  if (withBaselines.length > 1) {
    lines.push('## Every variant: alone / federated / pooled', '', 'Each cell: alone / federated / pooled test accuracy on the site\'s held-out patients.', '');
    const triple = (c: ScoreCell): string => `${pct(c.alone)} / ${pct(c.federated)} / ${pct(c.pooled)}`;
    lines.push(...table(['site', ...withBaselines], rowsOf(input, (where, id) => withBaselines.map((n) => triple(cellOf(input.variants[n], where, id))))), '');
  }
  if (input.notes !== undefined && input.notes.length > 0) lines.push('## Notes', '', ...input.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}
