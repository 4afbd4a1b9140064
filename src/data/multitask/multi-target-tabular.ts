/**
 * Multi-target tables: CSV (with a header) and JSON Lines with several label columns, one task
 * each, and numeric feature columns gathered into the float input `x`. Pure: text in, FieldDataset
 * out. Missing labels are allowed (empty CSV cells; null or absent JSONL keys): they get mask 0.
 * Missing features are not: they are an error naming the line and the column.
 *
 * Kind of a target, when not given: any labelled value that is not a number → `classes` (the
 * distinct values as text, sorted, are the class names); only 0 and 1 (or JSON true/false) →
 * `binary`; otherwise numbers → `regression` (integer codes with more than two values too: say
 * `kind: 'classes'` for them). Explicit `classes` over non-negative integers uses them as class
 * indices (numClasses = largest + 1), as the single-label CSV parser does; over anything else,
 * the sorted distinct texts.
 *
 * To read a test file with the same encoding as its training file, pass the training file's
 * resolved `targets` and `features` (returned by the parser) as the options of the second parse.
 */
import { ConfigError, DataMalformedError, DataMissingError } from '../../errors.js';
import { splitRows } from '../csv.js';
import { makeFieldDataset, type FieldDataset, type TargetField } from '../fields.js';

/** Target kinds a table column can hold. */
export const TABULAR_TARGET_KINDS = ['classes', 'binary', 'regression'] as const;
export type TabularTargetKind = (typeof TABULAR_TARGET_KINDS)[number];

/** One label column. */
export interface TargetSpec {
  /** Column (CSV header name, JSONL key) holding the labels. */
  column: string;
  /** Kind of the task; default: detected from the values (see the module comment). */
  kind?: TabularTargetKind;
  /** Name of the task (and of its field); default: the column name. */
  name?: string;
  /** Class names in index order (`classes`): text labels are looked up in it; a label not in it is an error. */
  classNames?: readonly string[];
  /** Number of classes (`classes` over integer indices); default: largest index + 1. */
  numClasses?: number;
}

/** A target spec after parsing: kind, name and encoding fixed. */
export interface ResolvedTarget extends TargetSpec {
  kind: TabularTargetKind;
  name: string;
}

/** Options of the multi-target parsers. */
export interface MultiTargetOptions {
  /** The label columns, one task each (at least one). */
  targets: readonly TargetSpec[];
  /** Feature columns, in the order of `x`; default: every column that is not a target, in file order. */
  features?: readonly string[];
  /** CSV: lines before the header to skip (e.g. 1 for scikit-learn's CSVs, whose first line holds counts); default 0. */
  skipLines?: number;
  /** CSV field delimiter, one character; default ','. */
  delimiter?: string;
}

/** What a parse returns: the data and the encoding to reuse for a test file. */
export interface MultiTargetTable {
  readonly data: FieldDataset;
  readonly targets: readonly ResolvedTarget[];
  readonly features: readonly string[];
}

/** One record: the line it starts on and its raw values by column (undefined: missing). */
interface Row {
  readonly line: number;
  readonly get: (column: string) => unknown;
}

/** A table in neutral form, whatever the file format. */
interface Table {
  readonly source: string;
  /** Column names in file order. */
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
  /** 'column' (CSV) or 'key' (JSONL), for messages. */
  readonly word: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A raw value as a number, or undefined when it is not one (booleans are 0/1). */
function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && NUMBER.test(v.trim())) return Number(v);
  return undefined;
}

/** A raw label as class text. */
function asText(v: unknown): string {
  return typeof v === 'string' ? v.trim() : String(v);
}

/** Whether a raw value counts as missing: undefined, null, or an empty/blank string. */
function isMissing(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** The kind of a column from its labelled values. */
function detectKind(values: readonly unknown[]): TabularTargetKind {
  const numbers = values.map(asNumber);
  if (numbers.some((v) => v === undefined)) return 'classes';
  return numbers.every((v) => v === 0 || v === 1) ? 'binary' : 'regression';
}

/** Checks the option lists against each other and the table's columns; returns the feature columns. */
function resolveColumns(table: Table, opts: MultiTargetOptions): string[] {
  if (opts.targets.length === 0) throw new ConfigError('targets', 'needs at least one label column', 'list the label columns: targets: [{ column: "..." }]');
  const have = new Set(table.columns);
  const listing = `${table.source} has the ${table.word}s: ${table.columns.join(', ') || 'none'}`;
  const names = new Set<string>();
  opts.targets.forEach((t, k) => {
    if (!have.has(t.column)) throw new DataMissingError(`${table.source}: no label ${table.word} '${t.column}' (targets[${k}])`, listing);
    const name = t.name ?? t.column;
    if (name === 'x') throw new ConfigError(`targets[${k}].name`, `a task cannot be named 'x', the name of the input`, 'give the task another name');
    if (names.has(name)) throw new ConfigError(`targets[${k}]`, `two tasks are named '${name}'`, 'give every task its own name');
    names.add(name);
  });
  const targetColumns = new Set(opts.targets.map((t) => t.column));
  const features = opts.features === undefined ? table.columns.filter((c) => !targetColumns.has(c)) : [...opts.features];
  features.forEach((f, k) => {
    if (!have.has(f)) throw new DataMissingError(`${table.source}: no feature ${table.word} '${f}' (features[${k}])`, listing);
    if (targetColumns.has(f)) throw new ConfigError(`features[${k}]`, `'${f}' is also a label column`, 'a column is either a feature or a target');
  });
  if (features.length === 0) throw new DataMalformedError(`${table.source}: no feature ${table.word}s besides the labels`, 'a multi-target table needs at least one numeric feature column');
  return features;
}

/** Reads the feature values of one row (numbers, or JSON arrays of numbers) into `out`; returns their count. */
function readFeatures(table: Table, row: Row, features: readonly string[], out: number[]): number {
  const start = out.length;
  for (const f of features) {
    const v = row.get(f);
    const where = `${table.source}: line ${row.line}, ${table.word} '${f}'`;
    if (isMissing(v)) throw new DataMalformedError(`${where} is missing`, 'feature values cannot be missing: remove or impute them, or list only complete columns in features');
    const values = Array.isArray(v) ? v : [v];
    for (const item of values) {
      const n = typeof item === 'boolean' ? undefined : asNumber(item);
      if (n === undefined || !Number.isFinite(Math.fround(n))) {
        throw new DataMalformedError(`${where} is not a number: ${JSON.stringify(item) ?? String(item)}`, 'feature columns must be numeric (finite float32): encode categories as numbers, or make the column a target');
      }
      out.push(n);
    }
  }
  return out.length - start;
}

/** Encodes one target column; `present[i]` is 1 where row i has a label. */
function encodeTarget(table: Table, spec: TargetSpec, index: number): { field: TargetField; resolved: ResolvedTarget } {
  const name = spec.name ?? spec.column;
  const raw = table.rows.map((r) => r.get(spec.column));
  const mask = Uint8Array.from(raw, (v) => (isMissing(v) ? 0 : 1));
  const labelled = raw.filter((_, i) => mask[i] === 1);
  if (labelled.length === 0) {
    throw new DataMalformedError(`${table.source}: task '${name}' (${table.word} '${spec.column}') has no labels at all`, 'fill in some labels, or drop the task from targets');
  }
  const kind = spec.kind ?? detectKind(labelled);
  const maskPart = labelled.length === raw.length ? {} : { mask };
  const bad = (i: number, what: string): never => {
    throw new DataMalformedError(`${table.source}: line ${table.rows[i].line}, ${table.word} '${spec.column}' (task '${name}'): ${JSON.stringify(raw[i]) ?? String(raw[i])} ${what}`, `set targets[${index}].kind to match the values, or fix the value`);
  };
  const numbers = (): Float32Array =>
    Float32Array.from(raw, (v, i) => {
      if (mask[i] === 0) return 0;
      const n = asNumber(v);
      if (n === undefined || !Number.isFinite(Math.fround(n))) return bad(i, 'is not a (float32) number');
      return n;
    });
  if (kind === 'regression') {
    return { field: { kind: 'regression', values: numbers(), width: 1, ...maskPart }, resolved: { ...spec, kind, name } };
  }
  if (kind === 'binary') {
    const values = numbers();
    values.forEach((v, i) => {
      if (mask[i] === 1 && v !== 0 && v !== 1) bad(i, 'is not 0 or 1');
    });
    return { field: { kind: 'binary', values, ...maskPart }, resolved: { ...spec, kind, name } };
  }
  // classes
  const asIndex = (v: unknown): number | undefined => {
    const n = typeof v === 'boolean' ? undefined : asNumber(v);
    return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 0x7fffffff ? n : undefined;
  };
  let classNames = spec.classNames;
  let labels: Int32Array;
  let numClasses: number;
  if (classNames === undefined && labelled.every((v) => asIndex(v) !== undefined)) {
    labels = Int32Array.from(raw, (v, i) => (mask[i] === 1 ? (asIndex(v) as number) : 0));
    numClasses = spec.numClasses ?? Math.max(2, labels.reduce((a, b) => Math.max(a, b), 0) + 1);
    labels.forEach((y, i) => {
      if (mask[i] === 1 && y >= numClasses) bad(i, `is not a class index below ${numClasses}`);
    });
  } else {
    classNames ??= [...new Set(labelled.map(asText))].sort();
    const lookup = new Map(classNames.map((c, k) => [c, k]));
    labels = Int32Array.from(raw, (v, i) => {
      if (mask[i] === 0) return 0;
      const k = lookup.get(asText(v));
      return k === undefined ? bad(i, `is not one of the classes ${classNames?.join(', ')}`) : k;
    });
    numClasses = classNames.length;
  }
  if (numClasses < 2) {
    throw new DataMalformedError(`${table.source}: task '${name}' has a single class (${asText(labelled[0])})`, 'a classes task needs at least 2 classes; check the column, or make it binary/regression');
  }
  const names = classNames === undefined ? {} : { classNames: [...classNames] };
  return {
    field: { kind: 'classes', labels, numClasses, ...names, ...maskPart },
    resolved: { ...spec, kind, name, numClasses, ...names },
  };
}

/** A FieldDataset from a neutral table. */
function tableToFields(table: Table, opts: MultiTargetOptions): MultiTargetTable {
  if (table.rows.length === 0) throw new DataMalformedError(`${table.source}: the file has no data rows`, 'check the path and that the file holds data');
  const features = resolveColumns(table, opts);
  const values: number[] = [];
  let width: number | undefined;
  let widthLine = 0;
  for (const row of table.rows) {
    const w = readFeatures(table, row, features, values);
    if (width === undefined) {
      width = w;
      widthLine = row.line;
    } else if (w !== width) {
      throw new DataMalformedError(`${table.source}: line ${row.line} has ${w} feature values, line ${widthLine} has ${width}`, 'every row needs features of the same length');
    }
  }
  const fields: Record<string, TargetField | { kind: 'float'; values: Float32Array; shape: number[] }> = {
    x: { kind: 'float', values: Float32Array.from(values), shape: [width ?? 0] },
  };
  const targets: ResolvedTarget[] = [];
  opts.targets.forEach((spec, k) => {
    const { field, resolved } = encodeTarget(table, spec, k);
    fields[resolved.name] = field;
    targets.push(resolved);
  });
  return { data: makeFieldDataset(fields, table.source), targets, features };
}

/**
 * Parses a multi-target CSV table (first row: the header); `source` names it in messages. Empty
 * label cells are missing labels; empty feature cells are an error.
 */
export function parseMultiTargetCsv(text: string, source: string, opts: MultiTargetOptions): MultiTargetTable {
  const delimiter = opts.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ConfigError('delimiter', `must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  }
  const skip = opts.skipLines ?? 0;
  const records = splitRows(text.replace(/^\uFEFF/, ''), source, delimiter).filter((r) => r.line > skip);
  if (records.length === 0) throw new DataMalformedError(`${source}: the file has no rows`, 'check the path and that the file is a CSV table with a header');
  const header = records[0].cells.map((c) => c.trim());
  const seen = new Set<string>();
  header.forEach((h, j) => {
    if (h === '') throw new DataMalformedError(`${source}: line ${records[0].line}: column ${j} of the header has no name`, skip === 0 ? 'name every column in the first row; if the file starts with lines before its header (scikit-learn\'s CSVs start with a line of counts), set data.skipLines' : `name every column of the header (line ${skip + 1})`);
    if (seen.has(h)) throw new DataMalformedError(`${source}: line ${records[0].line}: two columns are named '${h}'`, 'give every column its own name');
    seen.add(h);
  });
  const at = new Map(header.map((h, j) => [h, j]));
  const rows: Row[] = records.slice(1).map(({ line, cells }) => {
    if (cells.length !== header.length) {
      throw new DataMalformedError(`${source}: line ${line} has ${cells.length} fields, the header has ${header.length}`, `check for a missing or extra '${delimiter}' on that line, and quote fields that contain it`);
    }
    return { line, get: (column: string) => cells[at.get(column) as number] };
  });
  return tableToFields({ source, columns: header, rows, word: 'column' }, opts);
}

/**
 * Parses multi-target JSON Lines (one object per line); `source` names it in messages. A label
 * key that is null or absent on a line is a missing label; a feature key holds a number or an
 * array of numbers (concatenated into `x`, in feature order). Default features: the keys of all
 * lines that are not targets, in order of first appearance.
 */
export function parseMultiTargetJsonl(text: string, source: string, opts: MultiTargetOptions): MultiTargetTable {
  const columns: string[] = [];
  const seen = new Set<string>();
  const rows: Row[] = [];
  text.replace(/^\uFEFF/, '').split('\n').forEach((lineText, i) => {
    if (lineText.trim() === '') return;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (err) {
      throw new DataMalformedError(`${source}: line ${line}: invalid JSON (${(err as Error).message})`, 'each line must be one complete JSON object');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DataMalformedError(`${source}: line ${line}: expected a JSON object, got ${JSON.stringify(value)}`, 'each line must be an object such as {"x1": 0.5, "label": "a"}');
    }
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
    rows.push({ line, get: (column: string) => (Object.hasOwn(obj, column) ? obj[column] : undefined) });
  });
  return tableToFields({ source, columns, rows, word: 'key' }, opts);
}
