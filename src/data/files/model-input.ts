/**
 * A data file read the way a saved model's schema says, for evaluation or prediction: a CSV file
 * with the model's CSV options, feature columns, encodings, missing-value policy and impute
 * values, then its scaling; a JSON Lines file with its scaling. Without a pipeline in the schema
 * (models saved before pipelines, or trained on data used as read) the file is read as it is,
 * its columns matched by the schema's feature names when both have them. Node (reads the file).
 */
import { DataMalformedError, ShapeMismatchError, ConfigError } from '../../errors.js';
import { encodeLabels } from '../csv.js';
import { encodeCsvTable, type EncodedTable } from '../csv-encode.js';
import { readCsvTable, type CsvTable } from '../csv-table.js';
import { sampleSize } from '../dataset.js';
import { readJsonlRows } from '../jsonl.js';
import type { ColumnEncoding, ColumnRef, FeaturePipeline } from '../feature-pipeline.js';
import { applyImpute, applyScaling, hasMissing } from '../feature-scaling.js';
import type { DataSchema } from '../schema.js';
import { readDataText } from './read-data-file.js';

/** A data file read the way a saved model's schema says (CSV options, feature columns, encoding, missing values, scaling), for evaluation or prediction. */
export interface ModelInput {
  /** Features in the model's order, scaled as at training: rows × prod(sampleShape). */
  features: Float32Array;
  sampleShape: number[];
  /** 1-based line in the file of each row kept (rows dropped for missing values are not here). */
  lines: number[];
  /** Class indices in the schema's class order, when the file has the label column (always when requireLabels). */
  labels?: Int32Array;
  /** E.g. "all 113 rows of wine-test.csv" or "110 of 113 rows of x.csv (3 dropped: missing values)". */
  description: string;
}

/** Options of `loadModelInput`. */
export interface ModelInputOptions {
  /** The label column (header name or 0-based index); default: the schema's, else the last column when the file has one more column than the model has features. */
  labelColumn?: string | number;
  /** Whether a file without the label column is an error (evaluation); prediction files usually have none. */
  requireLabels: boolean;
}

/** Features and labels as read, before impute values and scaling. */
interface Read {
  features: Float32Array;
  sampleShape: number[];
  lines: number[];
  /** Label values as read (trimmed cells, or JSON values). */
  labels?: Array<string | number>;
  dropped: number;
}

/**
 * How many of the `skip` leading lines the training file skipped (e.g. scikit-learn's count line)
 * this file has too: a file to predict on is often the table alone, and skipping its first row
 * would drop a sample. A leading line is data when it looks like the first line after them: as
 * many fields, each a number where that line's is a number. Reading stops at the first such line.
 */
function leadingLinesToSkip(text: string, skip: number, delimiter: string): number {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/, skip + 1);
  if (lines.length <= skip) return skip;
  const kinds = (line: string): string => line.split(delimiter).map((cell) => (cell.trim() !== '' && Number.isFinite(Number(cell)) ? 'n' : 't')).join('');
  const table = kinds(lines[skip]);
  let n = 0;
  while (n < skip && kinds(lines[n]) !== table) n++;
  return n;
}

/** The table of a CSV file, read with the pipeline's options (or detected ones). */
function readTable(text: string, path: string, pipeline: FeaturePipeline | undefined, labelColumn: ColumnRef | undefined, named: boolean): CsvTable {
  const csv = pipeline?.csv;
  return readCsvTable(text, path, {
    header: csv === undefined ? 'auto' : csv.header ? true : leadingLinesToSkip(text, csv.skipLines, csv.delimiter),
    ...(csv === undefined ? {} : { delimiter: csv.delimiter }),
    ...(labelColumn === undefined ? {} : { labelColumn }),
    namedColumns: named,
  });
}

/** Reads a CSV file (see the file comment). */
function readCsv(path: string, schema: DataSchema | undefined, opts: ModelInputOptions): Read {
  const text = readDataText(path, 'CSV file');
  const pipeline = schema?.pipeline;
  const features = schema === undefined ? undefined : sampleSize(schema.inputShape);
  let labelColumn: ColumnRef | undefined = opts.labelColumn ?? pipeline?.labelColumn;
  const byName = pipeline?.columns === undefined && schema?.featureNames !== undefined;
  const table = readTable(text, path, pipeline, labelColumn, byName && pipeline?.csv === undefined && typeof labelColumn !== 'number');
  let columns: ColumnEncoding[] | undefined = pipeline?.columns;
  if (columns === undefined && byName && table.names !== undefined && schema?.featureNames !== undefined) {
    const names = schema.featureNames;
    columns = names.map((column) => ({ column, encoding: 'numeric' as const }));
    const last = table.names[table.width - 1];
    if (labelColumn === undefined && !names.includes(last)) labelColumn = last;
  }
  if (columns === undefined) {
    // Unnamed columns: the label is the given column, else the last one unless the file has exactly the model's features.
    const label = labelColumn !== undefined ? columnAt(table, labelColumn) : table.width === features ? undefined : table.width - 1;
    if (label !== undefined) labelColumn = table.names?.[label] ?? label;
    columns = [...Array(table.width).keys()].filter((j) => j !== label).map((j) => ({ column: table.names?.[j] ?? j, encoding: 'numeric' as const }));
  }
  const missing = pipeline?.missing ?? { values: [], policy: 'refuse' as const };
  const enc: EncodedTable = encodeCsvTable(table, {
    columns,
    ...(labelColumn === undefined ? {} : { labelColumn }),
    missingValues: missing.values,
    policy: missing.policy,
    ...(pipeline?.csv === undefined ? {} : { trainWidth: pipeline.csv.width }),
    requireLabels: opts.requireLabels,
  });
  let values = enc.features;
  if (hasMissing(values)) {
    const impute = missing.impute;
    if (impute === undefined || impute.length !== enc.width) {
      throw new DataMalformedError(`${path}: has missing values and the model has no impute values for them`, 'fill in the missing cells, or train the model with data.missing.policy \'impute\'');
    }
    values = applyImpute(values, enc.width, impute);
  }
  return { features: values, sampleShape: [enc.width], lines: enc.lines, ...(enc.labelCells === undefined ? {} : { labels: enc.labelCells }), dropped: enc.dropped };
}

/** The index of a column option in a table. */
function columnAt(table: CsvTable, col: ColumnRef): number {
  if (typeof col === 'string') {
    const at = table.names?.indexOf(col) ?? -1;
    if (at < 0) throw new ConfigError('labelColumn', `${table.source} has no column '${col}'${table.names === undefined ? ' (it is read without a header)' : ''}`, table.names === undefined ? 'give the 0-based column index' : `use one of: ${table.names.join(', ')}`);
    return at;
  }
  if (col >= table.width) throw new ConfigError('labelColumn', `${table.source} has ${table.width} columns, so the label column index must be in [0, ${table.width}), got ${col}`);
  return col;
}

/** Reads a JSON Lines file: a `features` array per line and, optionally (unless required), a `label`. */
function readJsonl(path: string, opts: ModelInputOptions): Read {
  const rows = readJsonlRows(readDataText(path, 'JSON Lines file'), path, { optionalLabels: !opts.requireLabels });
  return { ...rows, dropped: 0 };
}

/** Label values as class indices in the schema's order (without a schema: integers as they are, text by sorted name). */
function classIndices(values: Array<string | number>, lines: number[], schema: DataSchema | undefined, path: string): Int32Array {
  if (schema === undefined) return encodeLabels(values.map(String)).labels;
  const names = schema.classNames;
  const index = new Map((names ?? []).map((n, k) => [n, k]));
  return Int32Array.from(values, (v, i) => {
    const text = String(v).trim();
    const named = index.get(text);
    if (named !== undefined) return named;
    const k = Number(text);
    if (text !== '' && Number.isInteger(k) && k >= 0 && k < schema.numClasses) return k;
    throw new DataMalformedError(
      `${path}: line ${lines[i]}: label ${JSON.stringify(text)} is not a class of the model (${names === undefined ? `classes 0 to ${schema.numClasses - 1}` : names.join(', ')})`,
      'fix or remove the row, or check that the label column is the right one',
    );
  });
}

/**
 * Reads `path` (.csv or .jsonl) into the model's input, as `schema` says (see the file comment);
 * ConfigError for another kind of file, DataMalformedError (exit 3) for bad cells or labels with
 * their line, ShapeMismatchError (exit 4) for missing columns or a feature count the model does
 * not read.
 */
export function loadModelInput(path: string, schema: DataSchema | undefined, opts: ModelInputOptions): ModelInput {
  const lower = path.toLowerCase();
  let read: Read;
  if (lower.endsWith('.csv')) read = readCsv(path, schema, opts);
  else if (lower.endsWith('.jsonl')) {
    if (opts.labelColumn !== undefined) throw new ConfigError('labelColumn', 'applies to CSV files, not to JSON Lines files (their label is the "label" key)', 'leave out the label column');
    read = readJsonl(path, opts);
  } else throw new ConfigError('data', `cannot tell what '${path}' is: not a .csv or .jsonl file`, 'give a CSV file (.csv) or a JSON Lines file (.jsonl)');
  if (schema !== undefined && read.sampleShape.join(',') !== schema.inputShape.join(',')) {
    throw new ShapeMismatchError(
      `${path}: samples of shape [${read.sampleShape.join(', ')}] but the model reads [${schema.inputShape.join(', ')}]`,
      'give the file the feature columns the model was trained on (check the label column and that no column is missing or extra)',
    );
  }
  const width = sampleSize(read.sampleShape);
  const scaling = schema?.pipeline?.scaling;
  const features = scaling === undefined ? read.features : applyScaling(read.features, width, scaling);
  const kept = read.lines.length;
  const description = read.dropped === 0 ? `all ${kept} rows of ${path}` : `${kept} of ${kept + read.dropped} rows of ${path} (${read.dropped} dropped: missing values)`;
  return {
    features,
    sampleShape: read.sampleShape,
    lines: read.lines,
    ...(read.labels === undefined ? {} : { labels: classIndices(read.labels, read.lines, schema, path) }),
    description,
  };
}
