/**
 * CSV tables as classification datasets: numeric feature columns and one label column.
 * Minimal RFC 4180: quoted fields may hold delimiters, newlines and doubled quotes ("").
 */
import { ConfigError, DataMalformedError } from '../errors.js';
import { labelsFromIndices, labelsFromNames, type EncodedLabels } from './class-labels.js';
import { makeDataset, type Dataset } from './dataset.js';

export interface CsvOptions {
  /** Label column: a name (needs a header) or a 0-based index; default: the last column. */
  labelColumn?: string | number;
  /** Whether the first row is a header; default 'auto' (see `parseCsv`). */
  header?: boolean | 'auto';
  /** Field delimiter, one character; default ','. */
  delimiter?: string;
}

/** One record of the file and the 1-based line it starts on. */
export interface CsvRow {
  readonly line: number;
  readonly cells: string[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Whether a cell holds a decimal number (surrounding blanks allowed). */
function isNumeric(cell: string): boolean {
  return NUMBER.test(cell.trim());
}

/** Whether a cell holds text: neither empty nor a number. */
function isText(cell: string): boolean {
  return cell.trim() !== '' && !isNumeric(cell);
}

/** Splits CSV text into records, skipping blank lines; handles CRLF and quoted fields. */
export function splitRows(text: string, source: string, delimiter: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = (): void => {
    cells.push(field);
    if (cells.length > 1 || cells[0].trim() !== '') rows.push({ line: rowLine, cells });
    cells = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && field.trim() === '') {
      const start = line;
      field = '';
      i++;
      for (;;) {
        if (i >= text.length) {
          throw new DataMalformedError(`${source}: line ${start}: quoted field is never closed`, 'close the quote, or double quotes inside quoted fields ("")');
        }
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (text[i] === '\n') line++;
        field += text[i++];
      }
      while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
      const next = text[i];
      if (i < text.length && next !== delimiter && next !== '\n' && next !== '\r') {
        throw new DataMalformedError(
          `${source}: line ${line}: unexpected text after a closing quote`,
          'quote the whole field and double the quotes inside it ("")',
        );
      }
    } else if (c === delimiter) {
      cells.push(field);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      endRow();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      rowLine = line;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || cells.length > 0) endRow();
  return rows;
}

/** Checks the delimiter option and returns it. */
function checkDelimiter(delimiter: string): string {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ConfigError('delimiter', `must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  }
  return delimiter;
}

/** The shape of a table, for resolving column options. */
interface TableInfo {
  readonly width: number;
  /** Header cells, when the table has a header. */
  readonly names?: string[];
  readonly source: string;
}

/** Resolves the label column option (default: the last column) to a 0-based index. */
function labelIndex(col: string | number | undefined, table: TableInfo): number {
  const { width, names, source } = table;
  if (col === undefined) return width - 1;
  if (typeof col === 'string') {
    if (names === undefined) {
      throw new ConfigError('labelColumn', `'${col}' is a column name but ${source} is read without a header`, 'pass the 0-based column index instead, or header: true');
    }
    const at = names.findIndex((n) => n.trim() === col);
    if (at < 0) throw new ConfigError('labelColumn', `${source} has no column '${col}'`, `use one of: ${names.map((n) => n.trim()).join(', ')}`);
    return at;
  }
  if (!Number.isInteger(col) || col < 0 || col >= width) {
    throw new ConfigError('labelColumn', `${source} has ${width} columns, so the label column index must be in [0, ${width}), got ${col}`);
  }
  return col;
}

/**
 * Decides whether the first row is a header in 'auto' mode: yes when a feature cell holds text,
 * or when only the label cell holds text while the label cells below it are all numbers.
 */
function looksLikeHeader(rows: CsvRow[], label: number): boolean {
  const first = rows[0].cells;
  if (first.some((c, j) => j !== label && isText(c))) return true;
  return isText(first[label]) && rows.length > 1 && rows.slice(1).every((r) => isNumeric(r.cells[label] ?? ''));
}

/** Names a column for messages: `'name' (index 2)` with a header, `index 2` without. */
function columnName(j: number, names: string[] | undefined): string {
  return names === undefined ? `column index ${j}` : `column '${names[j].trim()}' (index ${j})`;
}

/** Maps label cells to class indices: integers as they are, otherwise sorted distinct strings. */
function encodeLabels(cells: string[]): EncodedLabels {
  const values = cells.map((c) => c.trim());
  const asInts = values.map((v) => (isNumeric(v) ? Number(v) : NaN));
  if (asInts.every((y) => Number.isInteger(y) && y >= 0 && y <= 0x7fffffff)) return labelsFromIndices(asInts);
  return labelsFromNames(values);
}

/**
 * Parses CSV text into a dataset; `source` names it in error messages. With `header: 'auto'`
 * the first row is a header when one of its feature cells is not a number (or only its label
 * cell is text while all labels below are numbers).
 */
export function parseCsv(text: string, source: string, opts: CsvOptions = {}): Dataset {
  const delimiter = checkDelimiter(opts.delimiter ?? ',');
  const rows = splitRows(text.replace(/^\uFEFF/, ''), source, delimiter);
  if (rows.length === 0) throw new DataMalformedError(`${source}: the file has no rows`, 'check the path and that the file is a CSV table');
  const width = rows[0].cells.length;
  if (width < 2) {
    throw new DataMalformedError(`${source}: line ${rows[0].line} has 1 column, a dataset needs at least one feature column and a label column`, `if the columns are not separated by '${delimiter}', pass the delimiter option`);
  }
  const header = opts.header ?? 'auto';
  const byName = typeof opts.labelColumn === 'string';
  // A label column given by name implies a header; otherwise 'auto' looks at the first row.
  const hasHeader = header === 'auto' ? byName || looksLikeHeader(rows, labelIndex(opts.labelColumn, { width, source })) : header;
  const names = hasHeader ? rows[0].cells : undefined;
  const label = labelIndex(opts.labelColumn, { width, names, source });
  const data = hasHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw new DataMalformedError(`${source}: the file has a header but no data rows`);
  const numFeatures = width - 1;
  const features = new Float32Array(data.length * numFeatures);
  const labelCells: string[] = [];
  data.forEach((row, i) => {
    if (row.cells.length !== width) {
      throw new DataMalformedError(
        `${source}: line ${row.line} has ${row.cells.length} fields, expected ${width} as on line ${rows[0].line}`,
        `check for a missing or extra '${delimiter}' on that line, and quote fields that contain it`,
      );
    }
    let k = i * numFeatures;
    row.cells.forEach((cell, j) => {
      if (j === label) return;
      if (!isNumeric(cell)) {
        const what = cell.trim() === '' ? 'is empty' : `is not a number: ${JSON.stringify(cell.trim())}`;
        throw new DataMalformedError(
          `${source}: line ${row.line}, ${columnName(j, names)} ${what}`,
          'feature columns must be numeric: remove or impute missing values, encode categories as numbers, or set labelColumn if this is the label',
        );
      }
      const value = Number(cell);
      if (!Number.isFinite(Math.fround(value))) {
        throw new DataMalformedError(`${source}: line ${row.line}, ${columnName(j, names)} value ${cell.trim()} is out of float32 range`, 'rescale this column');
      }
      features[k++] = value;
    });
    if (row.cells[label].trim() === '') {
      throw new DataMalformedError(`${source}: line ${row.line}, ${columnName(label, names)} (the label) is empty`, 'every row needs a label: remove unlabelled rows');
    }
    labelCells.push(row.cells[label]);
  });
  const encoded = encodeLabels(labelCells);
  if (encoded.numClasses < 2) {
    throw new DataMalformedError(`${source}: every row has the label '${labelCells[0].trim()}', a classification dataset needs at least 2 classes`, 'check that labelColumn names the label column');
  }
  // Columns are matched by name across files only when the names tell them apart.
  const named = names?.map((n) => n.trim()).filter((_, j) => j !== label);
  const featureNames = named !== undefined && new Set(named).size === named.length && named.every((n) => n !== '') ? named : undefined;
  return makeDataset({ features, sampleShape: [numFeatures], ...encoded, ...(featureNames === undefined ? {} : { featureNames }) }, source);
}
