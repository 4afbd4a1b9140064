/**
 * `jointly predict <model-dir> <data>`: predicts every row of a CSV or JSON Lines file with a
 * saved classifier, read the way the model's data schema says (feature columns by header name,
 * the training split's scaling; the label column is optional). Prints the first rows (line,
 * predicted class, its probability, the top-k classes, the label when the file has one) and a
 * summary; `--out <file>` writes every row as CSV (or JSON Lines for a `.jsonl` name), and
 * `--json` prints one JSON document with every row.
 */
import { selectBackend } from '../../engine/backend.js';
import { topClasses, type ProbabilityKind, type SavedModelPredictions } from '../../engine/predict-classifier.js';
import { predictSavedModel } from '../../engine/predict-saved-model.js';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../report/durable-file.js';
import { alignTable } from '../../report/text-table.js';
import type { Output } from '../output.js';
import { labelColumn } from './evaluate.js';

/** Rows the terminal table shows; `--out` or `--json` has them all. */
export const TABLE_ROWS = 20;

/** Classes in the top-k column by default. */
export const DEFAULT_TOP = 3;

/** `jointly predict --help`. */
export const PREDICT_HELP = `usage: jointly predict <model-dir> <data> [options]

Predicts every row of a data file with a saved classifier: the predicted class, the probability
of every class, and the true label when the file has one. <model-dir> is a folder with
model.json and weights.bin: a federated run's model/ or best-model/, a mutual run's
models/seed-<s>/<phase>/<name>, or any tfjs layers classifier with one input and one output.
<data> is a CSV file (.csv) or a JSON Lines file (.jsonl). The file is read the way the model's
saved data schema says: feature columns by header name (any order), the same CSV options,
encoding, missing values and scaling as at training; a label column is optional.
Probabilities: the softmax of the model's logits (jointly's own models), or the model's own
softmax output; a sigmoid head gives an independent probability per class.

prints: the first ${TABLE_ROWS} rows (line in the file, predicted class, its probability, the top-k classes,
the label), then the rows predicted, how many went to each class, and the accuracy when the file
has labels.

options:
  --out <file>                  write every row: CSV (line, predicted, p_<class> for each class,
                                label when present), or JSON Lines when <file> ends in .jsonl
  --top <k>                     classes in the top-k column (default ${DEFAULT_TOP})
  --label-column <name|index>   CSV label column, when the file has one (default: found by the
                                model's schema; a file with only the feature columns has none)
  --backend <name>              auto|tensorflow|native|wasm|cpu (default auto: the fastest that loads)
  --json                        print one JSON document on stdout with every row (errors too)
  --quiet                       print only the result

example:
  jointly predict runs/wine/model new-wines.csv --out predictions.csv`;

/** Options of `predictCommand` (from the command line's flags). */
export interface PredictCommandOptions {
  /** `--label-column`: a 0-based index when it is digits, else a header name. Default: found by the model's schema. */
  labelColumn?: string;
  /** `--out`: the file every row is written to (CSV, or JSON Lines for `.jsonl`). Default: none. */
  out?: string;
  /** `--backend`. Default `auto`. */
  backend?: string;
  /** `--top`: classes in the top-k column. Default 3 (at most the number of classes). */
  top?: number;
}

/** The format `--out` writes, from its name; a `.json` name is refused (one document is `--json`'s). */
export function outFormat(path: string): 'csv' | 'jsonl' {
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsonl')) return 'jsonl';
  if (lower.endsWith('.json')) {
    throw new UsageError(`--out ${path}: predictions are written as CSV or JSON Lines, not as one .json document`, 'name the file .csv or .jsonl (or pass --json to print one JSON document)');
  }
  return 'csv';
}

/** A probability as written: 6 significant digits (float32 carries about 7). */
export function formatProbability(p: number): string {
  return String(Number(p.toPrecision(6)));
}

/** The name of class `k`: the model's, else its index. */
function className(r: SavedModelPredictions, k: number): string {
  return r.classNames?.[k] ?? String(k);
}

/** A CSV cell, quoted when it holds a delimiter, a quote, a line break or surrounding spaces. */
function csvCell(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Every row as CSV: `line,predicted,p_<class>...,label`. */
export function predictionsCsv(r: SavedModelPredictions): string {
  const classes = Array.from({ length: r.numClasses }, (_, k) => className(r, k));
  const header = ['line', 'predicted', ...classes.map((c) => `p_${c}`), ...(r.labeled ? ['label'] : [])];
  const lines = [header.map(csvCell).join(',')];
  for (const row of r.rows) {
    const cells = [String(row.line), className(r, row.predicted), ...Array.from(row.probabilities, formatProbability), ...(row.label === undefined ? [] : [className(r, row.label)])];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** One row as a JSON object: class names where the model has them, else class indices. */
function rowJson(r: SavedModelPredictions, row: SavedModelPredictions['rows'][number]): Record<string, unknown> {
  const value = (k: number): string | number => (r.classNames === undefined ? k : r.classNames[k]);
  const probabilities: Record<string, number> = {};
  row.probabilities.forEach((p, k) => {
    probabilities[className(r, k)] = Number(formatProbability(p));
  });
  return { line: row.line, predicted: value(row.predicted), probabilities, ...(row.label === undefined ? {} : { label: value(row.label) }) };
}

/** Every row as JSON Lines: `{"line", "predicted", "probabilities": {class: p}, "label"}`. */
export function predictionsJsonl(r: SavedModelPredictions): string {
  return r.rows.map((row) => `${JSON.stringify(rowJson(r, row))}\n`).join('');
}

/** What the summary says: rows per predicted class, and the accuracy when the file has labels. */
export interface PredictionSummary {
  /** Rows predicted. */
  rows: number;
  /** Rows predicted as each class, by class name (or index). */
  predictedCounts: Record<string, number>;
  /** Fraction of rows whose prediction is the label; absent without labels. */
  accuracy?: number;
  /** Rows predicted correctly; absent without labels. */
  correct?: number;
}

/** The summary of the predictions. */
export function summarizePredictions(r: SavedModelPredictions): PredictionSummary {
  const counts = new Array<number>(r.numClasses).fill(0);
  let correct = 0;
  for (const row of r.rows) {
    counts[row.predicted]++;
    if (row.label === row.predicted) correct++;
  }
  const predictedCounts: Record<string, number> = {};
  counts.forEach((c, k) => {
    predictedCounts[className(r, k)] = c;
  });
  return { rows: r.rows.length, predictedCounts, ...(r.labeled ? { correct, accuracy: r.rows.length === 0 ? Number.NaN : correct / r.rows.length } : {}) };
}

const PROBABILITY_WORDS: Record<ProbabilityKind, string> = {
  'softmax-of-logits': 'softmax of the model\'s logits (they sum to 1)',
  'model-softmax': 'the model\'s own softmax output (they sum to 1)',
  'model-sigmoid': 'the model\'s own sigmoid output, one independent probability per class (they need not sum to 1)',
};

/** The result as text: what was predicted with, the first rows, the summary. */
export function predictionsText(r: SavedModelPredictions, opts: { top: number; out?: string }): string {
  const top = Math.min(opts.top, r.numClasses);
  const origin = r.round === undefined ? '' : ` (federated ${r.round.kind} global model, round ${r.round.round} of ${r.round.rounds})`;
  const classes = r.classNames === undefined ? `${r.numClasses}, unnamed (the model was saved without class names: shown as indices 0 to ${r.numClasses - 1})` : r.classNames.join(', ');
  const header = ['line', 'predicted', 'probability', `top ${top}`, ...(r.labeled ? ['label'] : [])];
  const shown = r.rows.slice(0, TABLE_ROWS).map((row) => [
    String(row.line),
    className(r, row.predicted),
    formatProbability(row.probabilities[row.predicted]),
    topClasses(row.probabilities, top)
      .map((t) => `${className(r, t.index)} ${formatProbability(t.probability)}`)
      .join(', '),
    ...(row.label === undefined ? [] : [className(r, row.label)]),
  ]);
  // The top-k and label columns read left-aligned: padded here, as alignTable right-aligns from `probability` on.
  const left = (col: number): void => {
    const width = Math.max(header[col].length, ...shown.map((row) => row[col].length));
    header[col] = header[col].padEnd(width);
    for (const row of shown) row[col] = row[col].padEnd(width);
  };
  for (let col = 3; col < header.length; col++) left(col);
  const s = summarizePredictions(r);
  const lines = [
    `model: ${r.model}${origin}`,
    `classes: ${classes}`,
    `probabilities: ${PROBABILITY_WORDS[r.probabilities]}`,
    `data: ${r.data}${r.labeled ? '' : ' (no label column)'}`,
    '',
    r.rows.length === 0 ? '(no rows)' : alignTable([header, ...shown], { rightAlignFrom: 2, rule: true }).replace(/^(.*)$/gm, (l) => l.trimEnd()),
  ];
  const hidden = r.rows.length - shown.length;
  if (hidden > 0) lines.push(`(${hidden} more row${hidden === 1 ? '' : 's'}${opts.out === undefined ? '; --out <file> writes every row' : `, all in ${opts.out}`})`);
  lines.push('', `rows predicted: ${s.rows}`, `predicted classes: ${Object.entries(s.predictedCounts).map(([name, n]) => `${name} ${n}`).join(', ')}`);
  if (s.accuracy !== undefined) lines.push(`accuracy against the label column: ${Number.isNaN(s.accuracy) ? '-' : `${(s.accuracy * 100).toFixed(2)}%`} (${s.correct} of ${s.rows})`);
  if (opts.out !== undefined) lines.push(`written: ${opts.out} (${s.rows} rows, ${outFormat(opts.out) === 'jsonl' ? 'JSON Lines' : 'CSV'})`);
  return lines.join('\n');
}

/** The result as one JSON document: the model, the data, the summary and every row. NaN as null. */
export function predictionsJson(r: SavedModelPredictions, out: string | undefined): unknown {
  const { rows, ...about } = r;
  const doc = { ...about, summary: summarizePredictions(r), ...(out === undefined ? {} : { out }), rows: rows.map((row) => rowJson(r, row)) };
  return JSON.parse(JSON.stringify(doc, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value))) as unknown;
}

/** `jointly predict <model-dir> <data>`; returns the exit status. */
export async function predictCommand(args: readonly string[], opts: PredictCommandOptions, out: Output): Promise<number> {
  const [modelDir, data, ...extra] = args;
  if (modelDir === undefined || data === undefined) {
    throw new UsageError('jointly predict needs a model folder and a data file', 'e.g. jointly predict runs/<run>/model new-rows.csv (see jointly predict --help)');
  }
  if (extra.length > 0) throw new UsageError(`jointly predict takes two arguments, got also: ${extra.join(' ')}`, 'jointly predict <model-dir> <data>');
  const top = opts.top ?? DEFAULT_TOP;
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top ${String(opts.top)}: expected a whole number of classes, at least 1`, `e.g. --top ${DEFAULT_TOP}`);
  // Checked before the model runs, so that a wrong name costs nothing.
  const format = opts.out === undefined ? undefined : outFormat(opts.out);
  const backend = await selectBackend(opts.backend ?? 'auto');
  out.info(`backend: ${backend.name} (${backend.reason})`);
  const column = labelColumn(opts.labelColumn);
  const result = await predictSavedModel(modelDir, data, column === undefined ? {} : { labelColumn: column });
  if (opts.out !== undefined) {
    writeFileAtomic(opts.out, format === 'jsonl' ? predictionsJsonl(result) : predictionsCsv(result), { what: 'the predictions' });
  }
  out.result(predictionsText(result, { top, ...(opts.out === undefined ? {} : { out: opts.out }) }), predictionsJson(result, opts.out));
  return 0;
}
