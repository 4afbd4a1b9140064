/**
 * JSON Lines datasets: one object per line, with a features array (possibly nested, e.g. an
 * image as rows of pixels) and a label that is a class index or a class name.
 */
import { DataMalformedError } from '../errors.js';
import { labelsFromIndices, labelsFromNames, type EncodedLabels } from './class-labels.js';
import { makeDataset, sampleSize, type Dataset } from './dataset.js';

/** Options of `parseJsonl`: the keys under which each line holds its features and its label. */
export interface JsonlOptions {
  /** Key of the features array; default 'features'. */
  featuresKey?: string;
  /** Key of the label; default 'label'. */
  labelKey?: string;
}

/** Where a value comes from, for error messages. */
interface Place {
  readonly source: string;
  readonly line: number;
}

/** Throws a DataMalformedError for one line of a file. */
function fail(at: Place, message: string, hint?: string): never {
  throw new DataMalformedError(`${at.source}: line ${at.line}: ${message}`, hint);
}

/** The shape of a (nested) features array, following the first element at each level. */
function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) shape.push(v.length);
  return shape;
}

/** Appends the numbers of a nested array of the given shape to `out`, checking every value. */
function flattenInto(value: unknown, shape: readonly number[], ctx: { at: Place; key: string; out: number[]; shapeLine: number }): void {
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) {
        fail(ctx.at, `${path} is ${JSON.stringify(v) ?? String(v)}, not a finite float32 number`, 'features must be numbers: remove or impute missing values');
      }
      ctx.out.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `an array of length ${v.length}` : JSON.stringify(v) ?? String(v);
      fail(ctx.at, `${path} is ${got}, expected an array of length ${shape[depth]} (features of shape [${shape.join(', ')}] as on line ${ctx.shapeLine})`, 'every line must have features of the same shape');
    }
    v.forEach((item, k) => walk(item, depth + 1, `${path}[${k}]`));
  };
  walk(value, 0, ctx.key);
}

/** Parses one non-empty line into a plain object. */
function parseLine(text: string, at: Place): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    fail(at, `invalid JSON (${(err as Error).message})`, 'each line must be one complete JSON object; check for a line break inside an object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(at, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`, 'each line must be an object such as {"features": [...], "label": 0}');
  }
  return value as Record<string, unknown>;
}

/** Maps raw labels to class indices: integers as they are, strings to sorted distinct names. */
function encodeLabels(raw: Array<number | string>, lines: number[], source: string): EncodedLabels {
  const firstKind = typeof raw[0];
  const other = raw.findIndex((y) => typeof y !== firstKind);
  if (other >= 0) {
    fail(
      { source, line: lines[other] },
      `label ${JSON.stringify(raw[other])} is a ${typeof raw[other]} but the label on line ${lines[0]} is a ${firstKind}`,
      'use class indices on every line or class names on every line',
    );
  }
  const encoded = firstKind === 'number' ? labelsFromIndices(raw as number[]) : labelsFromNames(raw as string[]);
  if (encoded.numClasses < 2) {
    throw new DataMalformedError(`${source}: every line has the label ${JSON.stringify(raw[0])}, a classification dataset needs at least 2 classes`);
  }
  return encoded;
}

/** The rows of a JSON Lines file before its labels are encoded (see `readJsonlRows`). */
export interface JsonlRows {
  /** Every line's features, flattened in order: rows × prod(sampleShape). */
  features: Float32Array;
  /** The first line's features shape. */
  sampleShape: number[];
  /** 1-based line of each row. */
  lines: number[];
  /** Each row's raw label (a class index or a class name); absent when no line has one and labels are optional. */
  labels?: Array<number | string>;
}

/**
 * Reads the rows of JSON Lines text; `source` names it in error messages. Blank lines are skipped;
 * the first line's features fix the sample shape. With `optionalLabels`, a file whose lines have
 * no label is read too (every line labelled, or none).
 */
export function readJsonlRows(text: string, source: string, opts: JsonlOptions & { optionalLabels?: boolean } = {}): JsonlRows {
  const featuresKey = opts.featuresKey ?? 'features';
  const labelKey = opts.labelKey ?? 'label';
  const values: number[] = [];
  const raw: Array<number | string> = [];
  const lines: number[] = [];
  let shape: number[] | undefined;
  let shapeLine = 0;
  text.replace(/^\uFEFF/, '').split('\n').forEach((lineText, i) => {
    if (lineText.trim() === '') return;
    const at: Place = { source, line: i + 1 };
    const obj = parseLine(lineText, at);
    if (!(featuresKey in obj)) {
      fail(at, `no '${featuresKey}' key (keys: ${Object.keys(obj).join(', ') || 'none'})`, 'name the features key with the featuresKey option');
    }
    const labelled = labelKey in obj;
    if (!labelled && opts.optionalLabels !== true) fail(at, `no '${labelKey}' key (keys: ${Object.keys(obj).join(', ') || 'none'})`, 'name the label key with the labelKey option');
    if (opts.optionalLabels === true && lines.length > 0 && labelled !== raw.length > 0) {
      fail(at, labelled ? `has a '${labelKey}' key but line ${lines[0]} has none` : `no '${labelKey}' key but line ${lines[0]} has one`, 'label every line or none');
    }
    const features = obj[featuresKey];
    if (shape === undefined) {
      shape = shapeOf(features);
      shapeLine = at.line;
      if (shape.length === 0) fail(at, `'${featuresKey}' is ${JSON.stringify(features)}, expected an array of numbers`);
      if (sampleSize(shape) === 0) fail(at, `'${featuresKey}' has shape [${shape.join(', ')}] with no values`);
    }
    flattenInto(features, shape, { at, key: featuresKey, out: values, shapeLine });
    lines.push(at.line);
    if (!labelled) return;
    const y = obj[labelKey];
    if (!(typeof y === 'string' || (typeof y === 'number' && Number.isInteger(y) && y >= 0 && y <= 0x7fffffff))) {
      fail(at, `label ${JSON.stringify(y)} is neither a class index (an integer >= 0) nor a class name (a string)`);
    }
    raw.push(y);
  });
  if (shape === undefined) throw new DataMalformedError(`${source}: the file has no data lines`, 'check the path and that the file is JSON Lines');
  return { features: Float32Array.from(values), sampleShape: shape, lines, ...(raw.length > 0 ? { labels: raw } : {}) };
}

/**
 * Parses JSON Lines text into a dataset; `source` names it in error messages. Blank lines are
 * skipped; the first line's features fix the sample shape.
 */
export function parseJsonl(text: string, source: string, opts: JsonlOptions = {}): Dataset {
  const rows = readJsonlRows(text, source, opts);
  const encoded = encodeLabels(rows.labels ?? [], rows.lines, source);
  return makeDataset({ features: rows.features, sampleShape: rows.sampleShape, ...encoded }, source);
}
