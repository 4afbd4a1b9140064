/**
 * A generic multimodal loader: a manifest file (CSV with a header row, or JSON lines) whose
 * columns name each modality's file or value (Node: reads the manifest and the files it names).
 * The config (manifest-config.ts) says which columns form which modality:
 * - `image`: a column of image paths (PNG via png.ts, PGM via pgm.ts; by extension, else by the
 *   file's magic bytes), relative to the manifest's folder; values in [0, 1], shape
 *   [height, width, channels]; every image of a modality must have the same shape (the
 *   configured one, else the first image's);
 * - `text`: a column of inline texts, or with `file: true` of paths to UTF-8 text files;
 * - `tabular`: numeric columns (NaN where missing) and categorical ones ('' where missing);
 * and one label column (class names: `classes` if given, else the sorted distinct labels, or the
 * integers 0..k-1 as they are when every label is one). A cell whose trimmed value is one of
 * `missing` (default '', 'NA', '?'), or a JSON null or absent key, is missing: a modality is
 * missing for a sample (its `present` entry 0) when all its cells are. A row with every modality
 * missing, a missing or unknown label, a column absent from the file, an unreadable file, an
 * image of the wrong shape: each is an error naming the file, line and column.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { DataMalformedError, DataMissingError, ShapeMismatchError } from '../../errors.js';
import { deriveSeed } from '../../engine/random.js';
import { checkMultimodalDataset, selectMultimodalRows, type ModalityData, type MultimodalDataset } from '../../multimodal/modality.js';
import { splitRows } from '../csv.js';
import { stratifiedSplit } from '../split.js';
import { parseManifestConfig, type ManifestConfig, type ManifestModalityConfig } from './manifest-config.js';
import { decodePgm } from './pgm.js';
import { decodePng, type DecodedImage } from './png.js';

export { ManifestConfigSchema, ManifestDataConfigSchema, parseManifestConfig, type ManifestConfig, type ManifestConfigInput } from './manifest-config.js';

/** A cell as the file holds it: CSV gives strings; JSON lines also numbers, booleans and null. */
type Cell = string | number | boolean | null | undefined;

interface Row {
  readonly line: number;
  readonly get: (column: string) => Cell;
}

interface Table {
  readonly source: string;
  readonly dir: string;
  readonly columns: ReadonlySet<string>;
  readonly rows: readonly Row[];
}

/** Reads a manifest file into rows. */
export function readManifestTable(path: string, format: 'csv' | 'jsonl' | undefined, delimiter: string): Table {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataMissingError(`cannot read the manifest ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'check the manifest path');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const kind = format ?? (/\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv');
  const dir = dirname(resolve(path));
  if (kind === 'csv') {
    const all = splitRows(text, path, delimiter);
    if (all.length === 0) throw new DataMalformedError(`${path}: the manifest is empty`, 'write a header row and one row per sample');
    const header = all[0].cells.map((c) => c.trim());
    const index = new Map(header.map((h, k) => [h, k]));
    if (index.size !== header.length) {
      const dup = header.find((h, k) => header.indexOf(h) !== k);
      throw new DataMalformedError(`${path}: line ${all[0].line}: column '${dup}' appears twice in the header`, 'give every column a distinct name');
    }
    const rows = all.slice(1).map((r): Row => {
      if (r.cells.length !== header.length) {
        throw new DataMalformedError(`${path}: line ${r.line}: ${r.cells.length} cells, but the header has ${header.length} columns`, 'quote cells that hold the delimiter, and give every row all the columns');
      }
      return { line: r.line, get: (column) => r.cells[index.get(column) as number] };
    });
    return { source: path, dir, columns: new Set(header), rows };
  }
  const columns = new Set<string>();
  const rows: Row[] = [];
  text.split('\n').forEach((raw, k) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new DataMalformedError(`${path}: line ${k + 1}: invalid JSON (${(err as Error).message})`, 'each line must be one complete JSON object');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DataMalformedError(`${path}: line ${k + 1}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`, 'each line must be an object such as {"image": "a.png", "label": "cat"}');
    }
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) columns.add(key);
    rows.push({
      line: k + 1,
      get: (column) => {
        const v = obj[column];
        if (v === undefined || v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
        throw new DataMalformedError(`${path}: line ${k + 1}: column '${column}' holds ${Array.isArray(v) ? 'an array' : 'an object'}, expected a string or a number`, 'give a path, a text or a number in each column');
      },
    });
  });
  if (rows.length === 0) throw new DataMalformedError(`${path}: the manifest has no rows`, 'write one JSON object per sample and line');
  return { source: path, dir, columns, rows };
}

function columnsOf(m: ManifestModalityConfig): string[] {
  return m.kind === 'tabular' ? [...m.numeric, ...m.categorical] : [m.column];
}

function where(table: Table, row: Row, column: string): string {
  return `${table.source}: line ${row.line}: column '${column}'`;
}

function readFile(table: Table, row: Row, column: string, cell: string, what: string): Uint8Array {
  const path = resolve(table.dir, cell);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new DataMissingError(`${where(table, row, column)}: cannot read ${what} ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'check the path: it is relative to the manifest file');
  }
}

/** Decodes an image file by its extension (.png, .pgm, .pnm), else by its first bytes. */
export function decodeImageFile(bytes: Uint8Array, path: string): DecodedImage {
  const ext = extname(path).toLowerCase();
  if (ext === '.png' || (ext !== '.pgm' && ext !== '.pnm' && bytes[0] === 0x89 && bytes[1] === 0x50)) return decodePng(bytes, path);
  if (ext === '.pgm' || ext === '.pnm' || (bytes[0] === 0x50 && (bytes[1] === 0x32 || bytes[1] === 0x35))) return decodePgm(bytes, path);
  throw new DataMalformedError(`${path}: unsupported image format '${ext || '(no extension)'}'`, 'use PNG (8-bit grey, grey + alpha, RGB, RGBA) or PGM (P2, P5) images');
}

interface Encoded {
  readonly dataset: MultimodalDataset;
  readonly rawLabels: readonly string[];
}

/** Builds the modalities of one manifest table (labels still as strings). */
function buildModalities(table: Table, config: ManifestConfig): { modalities: Record<string, ModalityData>; present: Record<string, Uint8Array>; labels: string[]; lines: number[] } {
  const missing = new Set(config.missing);
  const isMissing = (v: Cell): boolean => v === undefined || v === null || (typeof v === 'string' && missing.has(v.trim())) || (typeof v !== 'string' && missing.has(String(v)));
  for (const column of [config.label, ...Object.values(config.modalities).flatMap(columnsOf)]) {
    if (!table.columns.has(column)) {
      const known = [...table.columns].join(', ');
      throw new DataMalformedError(`${table.source}: missing column '${column}' (the manifest has: ${known})`, 'fix the column name in the config, or add the column to the manifest');
    }
  }
  const n = table.rows.length;
  const modalities: Record<string, ModalityData> = {};
  const present: Record<string, Uint8Array> = {};
  for (const [name, m] of Object.entries(config.modalities)) {
    const mask = new Uint8Array(n);
    if (m.kind === 'image') {
      let shape: readonly number[] | undefined = m.shape;
      let shapeFrom = shape === undefined ? '' : `the configured shape (modalities.${name}.shape)`;
      const decoded: (DecodedImage | undefined)[] = table.rows.map((row) => {
        const cell = row.get(m.column);
        if (isMissing(cell)) return undefined;
        const path = String(cell).trim();
        const img = decodeImageFile(readFile(table, row, m.column, path, 'image'), resolve(table.dir, path));
        const got = [img.height, img.width, img.channels];
        if (shape === undefined) {
          shape = got;
          shapeFrom = `the shape of the first image (line ${row.line}: ${path})`;
        } else if (got.join() !== shape.join()) {
          throw new ShapeMismatchError(
            `${where(table, row, m.column)}: ${path} is an image of the wrong shape: [${got.join(', ')}] (height, width, channels), expected [${shape.join(', ')}], ${shapeFrom}`,
            `resize or convert the images to one shape${m.shape === undefined ? `, or set modalities.${name}.shape` : ''}`,
          );
        }
        return img;
      });
      if (shape === undefined) throw new DataMalformedError(`${table.source}: column '${m.column}' of image modality '${name}' has no image at all`, `fill in image paths, or give modalities.${name}.shape if the split really has none`);
      const size = shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(n * size);
      decoded.forEach((img, i) => {
        if (img === undefined) return;
        values.set(img.values, i * size);
        mask[i] = 1;
      });
      modalities[name] = { kind: 'image', values, shape: [...shape] };
    } else if (m.kind === 'text') {
      const texts = table.rows.map((row, i) => {
        const cell = row.get(m.column);
        if (isMissing(cell)) return '';
        mask[i] = 1;
        if (!m.file) return String(cell);
        const bytes = readFile(table, row, m.column, String(cell).trim(), 'text file');
        return new TextDecoder('utf-8').decode(bytes);
      });
      modalities[name] = { kind: 'text', texts };
    } else {
      const numeric = new Float32Array(n * m.numeric.length);
      const categorical = m.categorical.map(() => new Array<string>(n).fill(''));
      table.rows.forEach((row, i) => {
        m.numeric.forEach((column, k) => {
          const cell = row.get(column);
          if (isMissing(cell)) {
            numeric[i * m.numeric.length + k] = NaN;
            return;
          }
          const v = typeof cell === 'number' ? cell : typeof cell === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(cell) ? Number(cell) : NaN;
          if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
            throw new DataMalformedError(`${where(table, row, column)}: ${JSON.stringify(cell)} is not a finite number`, `use a number, or one of the missing markers (${config.missing.map((s) => JSON.stringify(s)).join(', ')})`);
          }
          numeric[i * m.numeric.length + k] = v;
          mask[i] = 1;
        });
        m.categorical.forEach((column, k) => {
          const cell = row.get(column);
          if (isMissing(cell)) return;
          categorical[k][i] = String(cell).trim();
          mask[i] = 1;
        });
      });
      modalities[name] = { kind: 'tabular', numeric, numericNames: [...m.numeric], categorical, categoricalNames: [...m.categorical] };
    }
    present[name] = mask;
  }
  const labels = table.rows.map((row) => {
    const cell = row.get(config.label);
    if (isMissing(cell)) throw new DataMalformedError(`${where(table, row, config.label)}: the label is missing`, 'give every row a label (unlabeled samples are not supported by the manifest loader)');
    return String(cell).trim();
  });
  table.rows.forEach((row, i) => {
    if (!Object.values(present).some((mask) => mask[i] === 1)) {
      throw new DataMalformedError(`${table.source}: line ${row.line}: every modality is missing (${Object.keys(present).join(', ')})`, 'drop the row or fill in at least one modality: nothing can be predicted from it');
    }
  });
  return { modalities, present, labels, lines: table.rows.map((r) => r.line) };
}

/** The class names of the labels of one or more tables: `classes`, else the integers 0..k-1 or the sorted distinct names. */
function classNamesOf(config: ManifestConfig, labels: readonly string[]): { names: string[]; integer: boolean } {
  if (config.classes !== undefined) return { names: [...config.classes], integer: false };
  const distinct = [...new Set(labels)];
  if (distinct.every((l) => /^\d+$/.test(l))) {
    const max = Math.max(...distinct.map(Number));
    return { names: Array.from({ length: Math.max(2, max + 1) }, (_, k) => String(k)), integer: true };
  }
  return { names: distinct.sort(), integer: false };
}

function encode(table: Table, built: ReturnType<typeof buildModalities>, classes: { names: string[]; integer: boolean }, config: ManifestConfig): Encoded {
  const index = new Map(classes.names.map((c, k) => [c, k]));
  const labels = Int32Array.from(built.labels, (l, i) => {
    const k = classes.integer ? (/^\d+$/.test(l) ? Number(l) : undefined) : index.get(l);
    if (k === undefined || k >= classes.names.length) {
      throw new DataMalformedError(`${table.source}: line ${built.lines[i]}: column '${config.label}': unknown label '${l}' (classes: ${classes.names.join(', ')})`, config.classes === undefined ? 'the test manifest may only use labels the training manifest has' : 'add it to `classes`, or fix the label');
    }
    return k;
  });
  if (classes.names.length < 2) throw new DataMalformedError(`${table.source}: every row has the label '${classes.names[0]}', a classification dataset needs at least 2 classes`);
  const present = Object.fromEntries(Object.entries(built.present).filter(([, mask]) => mask.some((v) => v === 0)));
  const dataset = checkMultimodalDataset(
    { length: built.labels.length, modalities: built.modalities, ...(Object.keys(present).length > 0 ? { present } : {}), labels, numClasses: classes.names.length, classNames: classes.names },
    table.source,
  );
  return { dataset, rawLabels: built.labels };
}

/** Loads one manifest as a MultimodalDataset. `input` is a manifest config (validated here). */
export function loadManifest(input: unknown): MultimodalDataset {
  const config = parseManifestConfig(input);
  const table = readManifestTable(config.path, config.format, config.delimiter);
  const built = buildModalities(table, config);
  return encode(table, built, classNamesOf(config, built.labels), config).dataset;
}

/**
 * Loads a manifest's training and test splits: `testPath` as the test set (same columns; class
 * names from both files unless `classes` is given), else a seeded stratified split of `path`
 * (`testFraction`, default 0.2; seed deriveSeed(seed, 'manifest-split')).
 */
export function loadManifestSplits(input: unknown): { train: MultimodalDataset; test: MultimodalDataset } {
  const config = parseManifestConfig(input);
  const table = readManifestTable(config.path, config.format, config.delimiter);
  const built = buildModalities(table, config);
  if (config.testPath !== undefined) {
    const testTable = readManifestTable(config.testPath, config.format, config.delimiter);
    const testBuilt = buildModalities(testTable, config);
    const classes = classNamesOf(config, [...built.labels, ...testBuilt.labels]);
    const train = encode(table, built, classes, config).dataset;
    const test = encode(testTable, testBuilt, classes, config).dataset;
    for (const [name, m] of Object.entries(train.modalities)) {
      const t = test.modalities[name];
      if (m.kind === 'image' && t.kind === 'image' && m.shape.join() !== t.shape.join()) {
        throw new ShapeMismatchError(`${config.testPath}: the images of '${name}' are [${t.shape.join(', ')}], the training images [${m.shape.join(', ')}]`, `use images of one shape in both manifests, or set modalities.${name}.shape`);
      }
    }
    return { train, test };
  }
  const all = encode(table, built, classNamesOf(config, built.labels), config).dataset;
  const [trainIdx, testIdx] = stratifiedSplit(all.labels, all.numClasses, { fraction: config.testFraction, seed: deriveSeed(config.seed, 'manifest-split') });
  return { train: checkMultimodalDataset(selectMultimodalRows(all, trainIdx), `${config.path} (train)`), test: checkMultimodalDataset(selectMultimodalRows(all, testIdx), `${config.path} (test)`) };
}
