/**
 * CSV tables as classification datasets: numeric feature columns and one label column.
 * Minimal RFC 4180: quoted fields may hold delimiters, newlines and doubled quotes ("").
 */
import { DataMalformedError } from '../errors.js';
import { labelsFromIndices, labelsFromNames, type EncodedLabels } from './class-labels.js';
import { fitCsvColumns, encodeCsvTable, type EncodedTable } from './csv-encode.js';
import { readCsvTable } from './csv-table.js';
import { makeDataset, type Dataset } from './dataset.js';
import { DEFAULT_MISSING_VALUES, type CategoricalEncoding, type ColumnRef, type FeaturePipeline, type MissingPolicy } from './feature-pipeline.js';

/** How to read a CSV file into a dataset (the CSV fields of `data`, see config.ts). */
export interface CsvOptions {
  /** Label column: a name (needs a header) or a 0-based index; default: the last column. */
  labelColumn?: string | number;
  /**
   * Whether the first row is a header; default 'auto' (see `parseCsv`). A number N skips N
   * leading lines, and the next line is data (scikit-learn's files: 1).
   */
  header?: boolean | 'auto' | number;
  /** Field delimiter, one character; default: detected among `,` `;` tab `|` (see `detectDelimiter`). */
  delimiter?: string;
  /** Feature columns (names or 0-based indices) in model order; default every column but the label. */
  featureColumns?: readonly ColumnRef[];
  /** Missing cells: which cells mean missing (default `DEFAULT_MISSING_VALUES`) and the policy (default `refuse`). */
  missing?: { values?: readonly string[]; policy?: MissingPolicy };
  /** Text feature columns: encoding, and optional fixed levels per column. Default: a text feature column is an error. */
  categorical?: { encoding: CategoricalEncoding; levels?: Readonly<Record<string, readonly string[]>> };
}

/** A CSV file read as a training file: the dataset, the pipeline that reads files like it, and what was dropped. */
export interface CsvDataset {
  /** The dataset; with the `impute` policy its features hold NaN where cells were missing (prepare.ts imputes them). */
  dataset: Dataset;
  /** How the file was read and encoded (no impute values or scaling yet: those come from the training split). */
  pipeline: FeaturePipeline;
  /** Rows dropped for missing values (policy `drop`). */
  dropped: number;
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

/** Splits CSV text into records, skipping blank lines; handles CRLF and quoted fields. `firstLine` numbers the text's first line (after skipped lines). */
export function splitRows(text: string, source: string, delimiter: string, firstLine = 1): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let field = '';
  let line = firstLine;
  let rowLine = firstLine;
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

/** Maps label cells to class indices: integers as they are, otherwise sorted distinct strings. */
export function encodeLabels(cells: string[]): EncodedLabels {
  const values = cells.map((c) => c.trim());
  const asInts = values.map((v) => (isNumeric(v) ? Number(v) : NaN));
  if (asInts.every((y) => Number.isInteger(y) && y >= 0 && y <= 0x7fffffff)) return labelsFromIndices(asInts);
  return labelsFromNames(values);
}

/** A dataset from encoded rows: NaN (missing, to be imputed) is allowed in the features, everything else is checked by `makeDataset`. */
export function datasetWithMissing(parts: Dataset, source: string): Dataset {
  const checked = makeDataset({ ...parts, features: parts.features.map((v) => (Number.isNaN(v) ? 0 : v)) }, source);
  return { ...checked, features: parts.features };
}

/**
 * Reads CSV text as a training file (see `CsvOptions`): the table, the feature columns and their
 * encodings fitted on it, the rows encoded, the labels as class indices (integers as they are,
 * text by sorted name). With `header: 'auto'` the first row is a header when one of its feature
 * cells is not a number (or only its label cell is text while all labels below are numbers).
 */
export function readCsvDataset(text: string, source: string, opts: CsvOptions = {}): CsvDataset {
  const missingValues = [...(opts.missing?.values ?? DEFAULT_MISSING_VALUES)];
  const policy = opts.missing?.policy ?? 'refuse';
  const table = readCsvTable(text, source, {
    ...(opts.header === undefined ? {} : { header: opts.header }),
    ...(opts.delimiter === undefined ? {} : { delimiter: opts.delimiter }),
    ...(opts.labelColumn === undefined ? {} : { labelColumn: opts.labelColumn }),
    namedColumns: opts.featureColumns?.some((c) => typeof c === 'string') === true,
  });
  const fitted = fitCsvColumns(table, {
    ...(opts.labelColumn === undefined ? {} : { labelColumn: opts.labelColumn }),
    ...(opts.featureColumns === undefined ? {} : { featureColumns: opts.featureColumns }),
    missingValues,
    ...(opts.categorical === undefined ? {} : { categorical: opts.categorical }),
  });
  const encoded = encodeCsvTable(table, { columns: fitted.columns, labelColumn: fitted.labelColumn, missingValues, policy, requireLabels: true });
  const labelCells = encoded.labelCells ?? [];
  if (labelCells.length === 0) throw new DataMalformedError(`${source}: every row was dropped for missing values (${encoded.dropped} rows)`, "check data.missing.values, or set data.missing.policy to 'impute'");
  const labels = encodeLabels(labelCells);
  if (labels.numClasses < 2) {
    throw new DataMalformedError(`${source}: every row has the label '${labelCells[0]}', a classification dataset needs at least 2 classes`, 'check that data.labelColumn names the label column');
  }
  const names = encoded.featureNames;
  const featureNames = names !== undefined && new Set(names).size === names.length && names.every((n) => n !== '') ? names : undefined;
  const dataset = datasetWithMissing({ features: encoded.features, sampleShape: [encoded.width], ...labels, ...(featureNames === undefined ? {} : { featureNames }) }, source);
  const pipeline: FeaturePipeline = {
    csv: { skipLines: table.skipLines, header: table.names !== undefined, delimiter: table.delimiter, width: table.width },
    labelColumn: fitted.labelColumn,
    columns: fitted.columns,
    missing: { values: missingValues, policy },
  };
  return { dataset, pipeline, dropped: encoded.dropped };
}

/**
 * Parses CSV text into a dataset; `source` names it in error messages (see `readCsvDataset`,
 * whose dataset this is). Missing cells are refused unless `opts.missing.policy` says otherwise.
 */
export function parseCsv(text: string, source: string, opts: CsvOptions = {}): Dataset {
  return readCsvDataset(text, source, opts).dataset;
}

/**
 * Reads another CSV file the way a pipeline says (a test file at training, a file at inference):
 * the same CSV options, columns, encodings and missing-value policy, labels as trimmed cells.
 * Impute values and scaling are not applied here (see files/model-input.ts).
 */
export function encodeCsvWithPipeline(text: string, source: string, pipeline: FeaturePipeline, opts: { requireLabels: boolean; labelColumn?: ColumnRef }): EncodedTable {
  const csv = pipeline.csv;
  const missing = pipeline.missing ?? { values: [...DEFAULT_MISSING_VALUES], policy: 'refuse' as const };
  const labelColumn = opts.labelColumn ?? pipeline.labelColumn;
  const table = readCsvTable(text, source, {
    header: csv === undefined ? 'auto' : csv.skipLines > 0 && !csv.header ? csv.skipLines : csv.header,
    ...(csv === undefined ? {} : { delimiter: csv.delimiter }),
    ...(labelColumn === undefined ? {} : { labelColumn }),
  });
  const columns = pipeline.columns ?? [...Array(table.width).keys()].filter((j) => j !== (typeof labelColumn === 'number' ? labelColumn : table.width - 1)).map((j) => ({ column: table.names?.[j] ?? j, encoding: 'numeric' as const }));
  return encodeCsvTable(table, {
    columns,
    ...(labelColumn === undefined ? {} : { labelColumn }),
    missingValues: missing.values,
    policy: missing.policy,
    ...(csv === undefined ? {} : { trainWidth: csv.width }),
    requireLabels: opts.requireLabels,
  });
}
