/**
 * A CSV file as a table of text cells: leading lines skipped, the delimiter given or detected,
 * the header decided, every row checked to have the same number of fields, and columns looked
 * up by header name or index. Encoding cells into features is csv-encode.ts's job. Pure and
 * browser-safe.
 */
import { ConfigError, DataMalformedError } from '../errors.js';
import { splitRows, type CsvRow } from './csv.js';
import type { ColumnRef } from './feature-pipeline.js';

/** Delimiters tried when none is given, in order of preference on a tie. */
export const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;

/** How to read the table. */
export interface CsvTableOptions {
  /**
   * `true`/`false`: whether the first line is a header; `'auto'` (default): a header when a
   * feature cell of the first row is text (see `looksLikeHeader`); a number N: skip N leading
   * lines (e.g. scikit-learn's count line), and the next line is data, not a header.
   */
  header?: boolean | 'auto' | number;
  /** Field delimiter, one character; default: detected from the first lines (see `detectDelimiter`). */
  delimiter?: string;
  /** The label column, for the 'auto' header rule (a name implies a header). Default: the last column. */
  labelColumn?: ColumnRef;
  /** Whether columns are named by header names (implies a header in 'auto' mode). */
  namedColumns?: boolean;
}

/** The table read from a file. */
export interface CsvTable {
  readonly source: string;
  /** Data rows (the header excluded), each with the 1-based line it starts on. */
  readonly rows: CsvRow[];
  /** Header cells (trimmed), when the table has a header. */
  readonly names?: string[];
  /** Fields per row. */
  readonly width: number;
  readonly delimiter: string;
  /** Physical lines skipped before the table. */
  readonly skipLines: number;
  /** Line of the first row (the header, or the first data row), for messages. */
  readonly firstLine: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Whether a cell holds a decimal number (surrounding blanks allowed). */
export function isNumericCell(cell: string): boolean {
  return NUMBER.test(cell.trim());
}

/** Whether a cell holds text: neither empty nor a number. */
function isText(cell: string): boolean {
  return cell.trim() !== '' && !isNumericCell(cell);
}

/** Occurrences of `d` outside double quotes in one line. */
function countOutsideQuotes(line: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === d && !quoted) n++;
  }
  return n;
}

/**
 * The delimiter of a CSV text: among `,` `;` tab `|`, the one that occurs the same number of
 * times (at least once) on each of the first 10 non-blank lines, the most often on a tie; when
 * none is consistent, the one most frequent on the first line; ',' when none occurs.
 */
export function detectDelimiter(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 10);
  if (lines.length === 0) return ',';
  let best: { d: string; n: number } | undefined;
  for (const d of DELIMITER_CANDIDATES) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    if (counts[0] > 0 && counts.every((c) => c === counts[0]) && (best === undefined || counts[0] > best.n)) best = { d, n: counts[0] };
  }
  if (best !== undefined) return best.d;
  let first: { d: string; n: number } = { d: ',', n: 0 };
  for (const d of DELIMITER_CANDIDATES) {
    const n = countOutsideQuotes(lines[0], d);
    if (n > first.n) first = { d, n };
  }
  return first.d;
}

/** Checks a delimiter option and returns it. */
export function checkDelimiter(delimiter: string): string {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ConfigError('data.delimiter', `must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  }
  return delimiter;
}

/** The text after its first `n` physical lines. */
function skipLines(text: string, n: number, source: string): string {
  let at = 0;
  for (let k = 0; k < n; k++) {
    const next = text.indexOf('\n', at);
    if (next < 0) throw new DataMalformedError(`${source}: data.header says to skip ${n} lines but the file has only ${k + 1}`, 'set data.header to the number of lines before the first data row');
    at = next + 1;
  }
  return text.slice(at);
}

/**
 * Decides whether the first row is a header in 'auto' mode: yes when a feature cell holds text,
 * or when only the label cell holds text while the label cells below it are all numbers.
 */
function looksLikeHeader(rows: CsvRow[], label: number): boolean {
  const first = rows[0].cells;
  if (first.some((c, j) => j !== label && isText(c))) return true;
  return isText(first[label] ?? '') && rows.length > 1 && rows.slice(1).every((r) => isNumericCell(r.cells[label] ?? ''));
}

/** Reads CSV text into a table (see `CsvTableOptions`); `source` names it in messages. */
export function readCsvTable(text: string, source: string, opts: CsvTableOptions = {}): CsvTable {
  const header = opts.header ?? 'auto';
  const skip = typeof header === 'number' ? header : 0;
  if (!Number.isInteger(skip) || skip < 0) throw new ConfigError('data.header', `a number of lines to skip must be an integer >= 0, got ${skip}`);
  const body = skipLines(text.replace(/^\uFEFF/, ''), skip, source);
  const delimiter = checkDelimiter(opts.delimiter ?? detectDelimiter(body));
  const rows = splitRows(body, source, delimiter, skip + 1);
  if (rows.length === 0) throw new DataMalformedError(`${source}: the file has no rows`, 'check the path and that the file is a CSV table');
  const width = rows[0].cells.length;
  if (width < 2) {
    throw new DataMalformedError(
      `${source}: line ${rows[0].line} has 1 column, a dataset needs at least one feature column and a label column`,
      `if the columns are not separated by '${delimiter}', set data.delimiter`,
    );
  }
  for (const row of rows) {
    if (row.cells.length !== width) {
      throw new DataMalformedError(
        `${source}: line ${row.line} has ${row.cells.length} fields, expected ${width} as on line ${rows[0].line}`,
        `check for a missing or extra '${delimiter}' on that line and quote fields that contain it; if the file starts with lines that are not the table, set data.header to the number of lines to skip`,
      );
    }
  }
  let hasHeader: boolean;
  if (typeof header === 'number') hasHeader = false;
  else if (header !== 'auto') hasHeader = header;
  else if (opts.namedColumns === true || typeof opts.labelColumn === 'string') hasHeader = true;
  else {
    const label = typeof opts.labelColumn === 'number' && opts.labelColumn < width ? opts.labelColumn : width - 1;
    hasHeader = looksLikeHeader(rows, label);
  }
  const data = hasHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw new DataMalformedError(`${source}: the file has a header but no data rows`, 'check that data.header is right for this file');
  return {
    source,
    rows: data,
    ...(hasHeader ? { names: rows[0].cells.map((c) => c.trim()) } : {}),
    width,
    delimiter,
    skipLines: skip,
    firstLine: rows[0].line,
  };
}

/**
 * The 0-based index of a column in a table, or undefined when a named column is absent and
 * `optional` is set. `field` names the option in messages (e.g. `data.labelColumn`).
 */
export function columnIndex(table: CsvTable, col: ColumnRef, field: string, optional = false): number | undefined {
  const { width, names, source } = table;
  if (typeof col === 'string') {
    if (names === undefined) {
      throw new ConfigError(field, `'${col}' is a column name but ${source} is read without a header`, 'give the 0-based column index instead, or set data.header to true');
    }
    const at = names.indexOf(col);
    if (at >= 0) return at;
    if (optional) return undefined;
    throw new ConfigError(field, `${source} has no column '${col}'`, `use one of: ${names.join(', ')}`);
  }
  if (col >= width) {
    if (optional) return undefined;
    throw new ConfigError(field, `${source} has ${width} columns, so a column index must be in [0, ${width}), got ${col}`);
  }
  return col;
}

/** Names a column for messages: `column 'name' (index 2)` with a header, `column index 2` without. */
export function columnLabel(table: CsvTable, j: number): string {
  return table.names === undefined ? `column index ${j}` : `column '${table.names[j]}' (index ${j})`;
}
