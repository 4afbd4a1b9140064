/**
 * CSV tables to features: choosing the feature columns and their encodings on the training file
 * (`fitCsvColumns`: numeric, or categorical with levels), then encoding any file the same way
 * (`encodeCsvTable`: missing cells refused, dropped or left NaN for imputation; one-hot or index
 * for text columns; columns found by header name or index). Pure and browser-safe.
 */
import { ConfigError, DataMalformedError, ShapeMismatchError } from '../errors.js';
import { columnIndex, columnLabel, isNumericCell, type CsvTable } from './csv-table.js';
import type { CategoricalEncoding, ColumnEncoding, ColumnRef, MissingPolicy } from './feature-pipeline.js';

/** What `fitCsvColumns` decides from: the column options of `data`. */
export interface FitColumnsOptions {
  /** The label column; default the last column. */
  labelColumn?: ColumnRef;
  /** Feature columns (names or indices), in model order; default every column but the label. */
  featureColumns?: readonly ColumnRef[];
  /** Cells that mean missing. */
  missingValues: readonly string[];
  /** Text feature columns: their encoding and, optionally, fixed levels per column (by name, or index as a string). Absent: a text column is an error. */
  categorical?: { encoding: CategoricalEncoding; levels?: Readonly<Record<string, readonly string[]>> };
}

/** The columns fitted on a training table. */
export interface FittedColumns {
  /** The label column, as a header name (tables with a header) or index. */
  labelColumn: ColumnRef;
  /** Feature columns in model order. */
  columns: ColumnEncoding[];
}

/** The hint of a text cell in a feature column. */
export const TEXT_FEATURE_HINT =
  'feature columns must be numeric: set data.categorical to encode text columns (one-hot or index), add the cell to data.missing.values if it means missing, choose the feature columns with data.featureColumns, or set data.labelColumn if this is the label';

/** The hint of a missing cell under the `refuse` policy. */
export const MISSING_CELL_HINT = "fix the file, or set data.missing.policy to 'drop' (drop such rows) or 'impute' (the training mean)";

/** How a column is referred to in the pipeline: its header name, or its index. */
function refOf(table: CsvTable, j: number): ColumnRef {
  return table.names === undefined ? j : table.names[j];
}

/** Chooses the label and feature columns of a training table and the encoding of each feature column. */
export function fitCsvColumns(table: CsvTable, opts: FitColumnsOptions): FittedColumns {
  const label = opts.labelColumn === undefined ? table.width - 1 : (columnIndex(table, opts.labelColumn, 'data.labelColumn') as number);
  const indices = opts.featureColumns === undefined ? [...Array(table.width).keys()].filter((j) => j !== label) : opts.featureColumns.map((c) => columnIndex(table, c, 'data.featureColumns') as number);
  if (indices.includes(label)) throw new ConfigError('data.featureColumns', `includes the label column (${columnLabel(table, label)})`, 'remove it from data.featureColumns, or set data.labelColumn');
  if (new Set(indices).size !== indices.length) throw new ConfigError('data.featureColumns', 'names a column twice', 'list each feature column once');
  if (indices.length === 0) throw new ConfigError('data.featureColumns', 'no feature columns', 'list at least one feature column');
  const missing = new Set(opts.missingValues);
  const fixed = opts.categorical?.levels ?? {};
  for (const key of Object.keys(fixed)) {
    const j = table.names === undefined ? Number(key) : table.names.indexOf(key);
    if (!indices.includes(j)) throw new ConfigError(`data.categorical.levels.${key}`, `is not a feature column of ${table.source}`, 'key the levels by the header name of a feature column (or its 0-based index in a file without a header)');
  }
  const columns = indices.map((j): ColumnEncoding => {
    const column = refOf(table, j);
    const given = fixed[String(column)];
    if (given !== undefined && opts.categorical !== undefined) return { column, encoding: opts.categorical.encoding, levels: [...given] };
    const texts = new Set<string>();
    let firstText: { line: number; cell: string } | undefined;
    for (const row of table.rows) {
      const cell = row.cells[j].trim();
      if (missing.has(cell) || isNumericCell(cell)) continue;
      texts.add(cell);
      firstText ??= { line: row.line, cell };
    }
    if (firstText === undefined) return { column, encoding: 'numeric' };
    if (opts.categorical === undefined || opts.categorical.levels !== undefined) {
      const where = `${table.source}: line ${firstText.line}, ${columnLabel(table, j)}`;
      const what = firstText.cell === '' ? 'is empty' : `is not a number: ${JSON.stringify(firstText.cell)}`;
      throw new DataMalformedError(`${where} ${what}`, opts.categorical === undefined ? TEXT_FEATURE_HINT : `give the levels of this column in data.categorical.levels (its key: '${String(column)}')`);
    }
    return { column, encoding: opts.categorical.encoding, levels: [...texts].sort() };
  });
  return { labelColumn: refOf(table, label), columns };
}

/** What `encodeCsvTable` needs besides the table. */
export interface EncodeOptions {
  columns: readonly ColumnEncoding[];
  labelColumn?: ColumnRef;
  missingValues: readonly string[];
  policy: MissingPolicy;
  /** Columns of the training file, to tell whether a headerless file lacks the label column. */
  trainWidth?: number;
  /** Whether a file without the label column is an error. */
  requireLabels: boolean;
}

/** A table encoded into features. */
export interface EncodedTable {
  /** rows × width features; NaN where a cell was missing (policy `impute`). */
  features: Float32Array;
  width: number;
  /** Model feature names (tables with a header): the column name, or `name=level` for one-hot. */
  featureNames?: string[];
  /** The label cell of each kept row (trimmed), when the table has the label column. */
  labelCells?: string[];
  /** 1-based line of each kept row. */
  lines: number[];
  /** Rows dropped for missing values (policy `drop`). */
  dropped: number;
}

/** Where each pipeline column is in this table, and where its label is (undefined: none). */
function locate(table: CsvTable, opts: EncodeOptions): { label: number | undefined; at: number[] } {
  const { names, width } = table;
  if (names !== undefined) {
    const label = opts.labelColumn === undefined ? undefined : typeof opts.labelColumn === 'string' ? columnIndex(table, opts.labelColumn, '--label-column', true) : opts.labelColumn;
    const absent = opts.columns.filter((c) => typeof c.column === 'string' && !names.includes(c.column)).map((c) => `'${String(c.column)}'`);
    if (absent.length > 0) {
      throw new ShapeMismatchError(`${table.source}: lacks the feature column(s) ${absent.join(', ')}`, 'give the file the same feature columns as the training file (by header name; their order does not matter)');
    }
    return { label, at: opts.columns.map((c) => columnIndex(table, c.column, 'data.featureColumns') as number) };
  }
  const trainWidth = opts.trainWidth ?? width;
  const labelIdx = typeof opts.labelColumn === 'number' ? opts.labelColumn : undefined;
  const hasLabel = width === trainWidth;
  const noLabel = labelIdx !== undefined && width === trainWidth - 1;
  if (opts.columns.some((c) => typeof c.column === 'string')) {
    throw new ShapeMismatchError(`${table.source}: has no header, but the model's feature columns are named`, 'give the file the header row of the training file');
  }
  if (!hasLabel && !noLabel) {
    throw new ShapeMismatchError(
      `${table.source}: ${width} columns, but the training file had ${trainWidth}${labelIdx === undefined ? '' : ` (${trainWidth - 1} without the label)`}`,
      'give the file the same columns as the training file (with or without the label column)',
    );
  }
  const shift = (j: number): number => (noLabel && labelIdx !== undefined && j > labelIdx ? j - 1 : j);
  return { label: hasLabel ? labelIdx : undefined, at: opts.columns.map((c) => shift(c.column as number)) };
}

/** Encodes a table with fitted columns (see the file comment); DataMalformedError names the line and column of a bad cell. */
export function encodeCsvTable(table: CsvTable, opts: EncodeOptions): EncodedTable {
  const { label, at } = locate(table, opts);
  if (label === undefined && opts.requireLabels) {
    throw new DataMalformedError(`${table.source}: has no label column${opts.labelColumn === undefined ? '' : ` '${String(opts.labelColumn)}'`}`, 'give the file its label column (data.labelColumn names it)');
  }
  const missing = new Set(opts.missingValues);
  const width = opts.columns.reduce((s, c) => s + (c.encoding === 'one-hot' ? c.levels.length : 1), 0);
  const levelIndex = opts.columns.map((c) => (c.encoding === 'numeric' ? undefined : new Map(c.levels.map((l, k) => [l, k]))));
  const out: number[] = [];
  const lines: number[] = [];
  const labelCells: string[] = [];
  let dropped = 0;
  const row = new Float32Array(width);
  rows: for (const r of table.rows) {
    if (label !== undefined) {
      const y = r.cells[label].trim();
      if (y === '' || missing.has(y)) {
        if (opts.policy === 'drop') {
          dropped++;
          continue;
        }
        throw new DataMalformedError(`${table.source}: line ${r.line}, ${columnLabel(table, label)} (the label) is ${y === '' ? 'empty' : `missing (${JSON.stringify(y)})`}`, "every row needs a label: remove unlabelled rows, or set data.missing.policy to 'drop'");
      }
    }
    let k = 0;
    for (let c = 0; c < opts.columns.length; c++) {
      const col = opts.columns[c];
      const j = at[c];
      const cell = r.cells[j].trim();
      const span = col.encoding === 'one-hot' ? col.levels.length : 1;
      if (missing.has(cell)) {
        if (opts.policy === 'drop') {
          dropped++;
          continue rows;
        }
        if (opts.policy === 'refuse') throw new DataMalformedError(`${table.source}: line ${r.line}, ${columnLabel(table, j)} is ${cell === '' ? 'empty' : `missing (${JSON.stringify(cell)})`}`, MISSING_CELL_HINT);
        row.fill(Number.NaN, k, k + span);
      } else if (col.encoding === 'numeric') {
        if (!isNumericCell(cell)) {
          const what = cell === '' ? 'is empty' : `is not a number: ${JSON.stringify(cell)}`;
          throw new DataMalformedError(`${table.source}: line ${r.line}, ${columnLabel(table, j)} ${what}`, TEXT_FEATURE_HINT);
        }
        const v = Number(cell);
        if (!Number.isFinite(Math.fround(v))) throw new DataMalformedError(`${table.source}: line ${r.line}, ${columnLabel(table, j)} value ${cell} is out of float32 range`, 'rescale this column');
        row[k] = v;
      } else {
        const level = (levelIndex[c] as Map<string, number>).get(cell);
        if (col.encoding === 'one-hot') {
          row.fill(0, k, k + span);
          // An unknown level is all zeros: no level of the training data.
          if (level !== undefined) row[k + level] = 1;
        } else {
          if (level === undefined) {
            throw new DataMalformedError(
              `${table.source}: line ${r.line}, ${columnLabel(table, j)} has the level ${JSON.stringify(cell)}, which the training data does not (levels: ${col.levels.join(', ')})`,
              "index encoding has no value for an unknown level: fix the cell, list the level in data.categorical.levels at training, or use data.categorical.encoding 'one-hot' (an unknown level is all zeros)",
            );
          }
          row[k] = level;
        }
      }
      k += span;
    }
    for (let q = 0; q < width; q++) out.push(row[q]);
    lines.push(r.line);
    if (label !== undefined) labelCells.push(r.cells[label].trim());
  }
  const names = table.names;
  const featureNames =
    names === undefined
      ? undefined
      : opts.columns.flatMap((c, i) => {
          const name = names[at[i]];
          return c.encoding === 'one-hot' ? c.levels.map((l) => `${name}=${l}`) : [name];
        });
  return {
    features: Float32Array.from(out),
    width,
    ...(featureNames === undefined ? {} : { featureNames }),
    ...(label === undefined ? {} : { labelCells }),
    lines,
    dropped,
  };
}
