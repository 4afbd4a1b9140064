/** Plain-text tables for terminals (pure). */

export interface AlignTableOptions {
  /**
   * Columns at this index and after are right-aligned (numbers), the ones before left-aligned
   * (labels). Default 1: only the first column is left-aligned.
   */
  rightAlignFrom?: number;
  /** Draw a rule of `─` under the first row (the header). Default false. */
  rule?: boolean;
}

/** Space between two columns. */
const GAP = '  ';

/**
 * Lines up `rows` (the first one usually the header) in columns as wide as their widest cell,
 * two spaces apart, one line per row. A left-aligned last column is not padded (no trailing
 * spaces). Every row must have the same number of cells.
 */
export function alignTable(rows: readonly (readonly string[])[], opts: AlignTableOptions = {}): string {
  if (rows.length === 0) return '';
  const columns = rows[0].length;
  rows.forEach((row, i) => {
    if (row.length !== columns) throw new Error(`alignTable: row ${i} has ${row.length} cells, the first row ${columns}`);
  });
  const rightFrom = opts.rightAlignFrom ?? 1;
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, col) => {
        if (col >= rightFrom) return cell.padStart(widths[col]);
        return col === columns - 1 ? cell : cell.padEnd(widths[col]);
      })
      .join(GAP);
  const lines = rows.map(line);
  if (opts.rule === true) lines.splice(1, 0, widths.map((w) => '─'.repeat(w)).join(GAP));
  return lines.join('\n');
}
