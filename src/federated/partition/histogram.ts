/** Per-client label histograms of a partition, their summary statistics, and a Markdown table for reports. */

/** Label counts of each client: `histogram[client][class]`. */
export function labelHistograms(labels: Int32Array, numClasses: number, parts: readonly ArrayLike<number>[]): number[][] {
  return parts.map((part) => {
    const counts = new Array<number>(numClasses).fill(0);
    for (let i = 0; i < part.length; i++) counts[labels[part[i]]]++;
    return counts;
  });
}

/** What a partition looks like at a glance. */
export interface PartitionSummary {
  /** Number of clients. */
  numClients: number;
  /** Samples over all clients. */
  totalSamples: number;
  /** Smallest client size. */
  minSize: number;
  /** Largest client size. */
  maxSize: number;
  /** Mean client size. */
  meanSize: number;
  /** Standard deviation of the client sizes over their mean (0 when all sizes are equal). */
  sizeCv: number;
  /** Mean number of classes with at least one sample, per client. */
  meanClassesPresent: number;
  /**
   * Mean effective number of classes per client, the inverse Simpson index 1 / Σ p_c² of its
   * label proportions: 1 when a client has a single class, numClasses when its labels are uniform.
   */
  meanEffectiveClasses: number;
}

/** Summary statistics of per-client label histograms (clients × classes). */
export function summarizeHistograms(histograms: readonly (readonly number[])[]): PartitionSummary {
  const sizes = histograms.map((h) => h.reduce((a, b) => a + b, 0));
  const numClients = histograms.length;
  const totalSamples = sizes.reduce((a, b) => a + b, 0);
  const meanSize = numClients > 0 ? totalSamples / numClients : 0;
  const variance = numClients > 0 ? sizes.reduce((a, s) => a + (s - meanSize) ** 2, 0) / numClients : 0;
  let present = 0;
  let effective = 0;
  histograms.forEach((h, c) => {
    present += h.filter((x) => x > 0).length;
    if (sizes[c] > 0) effective += 1 / h.reduce((a, x) => a + (x / sizes[c]) ** 2, 0);
  });
  return {
    numClients,
    totalSamples,
    minSize: numClients > 0 ? Math.min(...sizes) : 0,
    maxSize: numClients > 0 ? Math.max(...sizes) : 0,
    meanSize,
    sizeCv: meanSize > 0 ? Math.sqrt(variance) / meanSize : 0,
    meanClassesPresent: numClients > 0 ? present / numClients : 0,
    meanEffectiveClasses: numClients > 0 ? effective / numClients : 0,
  };
}

/** Options of `renderHistogramTable`. */
export interface HistogramTableOptions {
  /** Column headers of the classes; default the class indices. */
  classNames?: readonly string[];
  /** Show at most this many clients, then one line saying how many more there are. Default all. */
  maxRows?: number;
}

/**
 * A Markdown table of per-client label histograms: one row per client with its id, size and
 * count of each class, numbers right-aligned, columns padded so it also reads as plain text.
 */
export function renderHistogramTable(histograms: readonly (readonly number[])[], opts: HistogramTableOptions = {}): string {
  const numClasses = histograms.length > 0 ? histograms[0].length : (opts.classNames?.length ?? 0);
  const header = ['client', 'n', ...Array.from({ length: numClasses }, (_, c) => opts.classNames?.[c] ?? String(c))];
  const shown = histograms.slice(0, opts.maxRows ?? histograms.length);
  const rows = shown.map((h, i) => [String(i), String(h.reduce((a, b) => a + b, 0)), ...h.map(String)]);
  const widths = header.map((cell, col) => Math.max(3, cell.length, ...rows.map((r) => r[col].length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, col) => cell.padStart(widths[col])).join(' | ')} |`;
  const lines = [line(header), `|${widths.map((w) => `${'-'.repeat(w + 1)}:`).join('|')}|`, ...rows.map(line)];
  const hidden = histograms.length - shown.length;
  if (hidden > 0) lines.push('', `(${hidden} more client${hidden === 1 ? '' : 's'} not shown)`);
  return lines.join('\n');
}
