/**
 * `jointly evaluate <model-dir> <data>`: scores a saved classifier (a federated run's model/ or
 * best-model/, a mutual run's saved member, any tfjs layers classifier with one input and one
 * output) on a CSV or JSON Lines file or a built-in dataset's test split, aligned to the model's
 * data schema when it has one. Prints the rows used, accuracy, loss, macro-F1 and a per-class
 * table; `--json` prints the same as one JSON document.
 */
import { selectBackend } from '../../engine/backend.js';
import type { ClassScores } from '../../engine/evaluate-classifier.js';
import { EVALUATION_DATASETS, evaluateSavedModel, type SavedModelEvaluation } from '../../engine/model-io.js';
import { UsageError } from '../../errors.js';
import { alignTable } from '../../report/text-table.js';
import type { Output } from '../output.js';

/** `jointly evaluate --help`. */
export const EVALUATE_HELP = `usage: jointly evaluate <model-dir> <data> [options]

Scores a saved model on a dataset: rows used, accuracy, loss (cross-entropy), macro-F1, and the
accuracy (recall) of every class. <model-dir> is a folder with model.json and weights.bin: a
federated run's model/ or best-model/, a mutual run's models/seed-<s>/<phase>/<name>, or any
tfjs layers classifier with one input and one output. <data> is a CSV file (.csv), a JSON Lines
file (.jsonl), or a built-in dataset: ${EVALUATION_DATASETS.join(', ')} (their test split; for mnist, the
2,000 digits a run with seed 0 holds out).
A model saved with its data schema maps text labels through its class names and matches CSV
columns by header name; an unknown class (exit 3) or a missing column (exit 4) is refused.

options:
  --label-column <name|index>   CSV label column (default: the last column)
  --data-dir <dir>              folder of the Fashion-MNIST IDX files
  --backend <name>              auto|tensorflow|native|wasm|cpu (default auto: the fastest that loads)
  --json                        print one JSON document on stdout (errors too)
  --quiet                       print only the result

example:
  jointly evaluate runs/wine/model wine-test.csv --label-column class`;

export interface EvaluateCommandOptions {
  labelColumn?: string;
  dataDir?: string;
  backend?: string;
}

/** A CSV label column from the command line: a 0-based index when it is digits, else a header name (also `jointly predict`'s). */
export function labelColumn(value: string | undefined): string | number | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

const pct = (x: number): string => (Number.isNaN(x) ? '-' : `${(x * 100).toFixed(2)}%`);

/** The result as text: the headline numbers, then the per-class table. */
export function evaluationText(r: SavedModelEvaluation): string {
  const origin = r.round === undefined ? '' : ` (federated ${r.round.kind} global model, round ${r.round.round} of ${r.round.rounds})`;
  const schema =
    r.schema === undefined
      ? 'none saved with the model: labels read as class indices, features by position'
      : `${r.schema.numClasses} classes${r.schema.classNames === undefined ? ' (unnamed)' : ''}, ${r.schema.featureNames === undefined ? `samples [${r.schema.inputShape.join(', ')}]` : `${r.schema.featureNames.length} named features`}`;
  const rows = [['class', 'rows', 'correct', 'accuracy (recall)'], ...r.classes.map((c: ClassScores) => [c.name, String(c.rows), String(c.correct), pct(c.accuracy)])];
  return [
    `model: ${r.model}${origin}`,
    `schema: ${schema}`,
    `data: ${r.data}`,
    `rows used: ${r.rows}`,
    `accuracy: ${pct(r.accuracy)}`,
    `loss (cross-entropy): ${r.loss.toFixed(4)}`,
    `macro-F1: ${r.macroF1.toFixed(4)}`,
    '',
    alignTable(rows, { rule: true }),
  ].join('\n');
}

/** NaN (a class without rows) as null in JSON. */
function jsonOf(r: SavedModelEvaluation): unknown {
  return JSON.parse(JSON.stringify(r, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value))) as unknown;
}

export async function evaluateCommand(args: readonly string[], opts: EvaluateCommandOptions, out: Output): Promise<number> {
  const [modelDir, data, ...extra] = args;
  if (modelDir === undefined || data === undefined) {
    throw new UsageError('jointly evaluate needs a model folder and a dataset', 'e.g. jointly evaluate runs/<run>/model test.csv (see jointly evaluate --help)');
  }
  if (extra.length > 0) throw new UsageError(`jointly evaluate takes two arguments, got also: ${extra.join(' ')}`, 'jointly evaluate <model-dir> <data>');
  const backend = await selectBackend(opts.backend ?? 'auto');
  out.info(`backend: ${backend.name} (${backend.reason})`);
  const column = labelColumn(opts.labelColumn);
  const result = await evaluateSavedModel(modelDir, data, {
    ...(column === undefined ? {} : { labelColumn: column }),
    ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
  });
  out.result(evaluationText(result), jsonOf(result));
  return 0;
}
