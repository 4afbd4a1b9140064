/**
 * Models as the tfjs layers format in memory (a `model.json` document and its weight bytes),
 * with jointly's names kept alongside: the input names, head names and output kinds a member
 * reads the model by, and optionally the data schema the model was trained on (class names in
 * index order, feature names, input shape) and, for a federated global model, the round it
 * comes from. Browser-safe: writing the files is model-io.ts's job (Node), and a browser can
 * keep the same two parts anywhere (IndexedDB, a download, a server); `tf.loadLayersModel`
 * reads them and ignores the `jointly` entry.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { DataSchemaSchema, type DataSchema } from '../data/schema.js';
import { DataMalformedError } from '../errors.js';
import { HEAD_OUTPUTS, type HeadOutput } from './head-output.js';
import { nameModel, type NamedModel } from './member.js';
import './layers/seeded-dropout.js';

/** The file name of the weights in `model.json`'s manifest. */
export const WEIGHTS_FILE = 'weights.bin';

/** Where a federated global model comes from: its round and the server-side test scores after it. */
export const SavedRoundSchema = z
  .object({
    /** Which model of the run: the one after the last round (`final`) or the one with the best test accuracy (`best`). */
    kind: z.enum(['final', 'best']),
    /** Round whose global parameters these are (1-based). */
    round: z.number().int().min(1),
    /** Rounds the run was configured for. */
    rounds: z.number().int().min(1),
    /** Accuracy on the server's held-out set after that round; null when the round was not evaluated. */
    accuracy: z.number().nullable(),
    /** Cross-entropy on the server's held-out set after that round; null when not evaluated (or not finite). */
    loss: z.number().nullable(),
  })
  .strict();
export type SavedRound = z.infer<typeof SavedRoundSchema>;

/**
 * How a user of plain tfjs turns a head's output into class probabilities, by its output kind:
 * `output` is the head's tensor (`model.predict(x)` for a model with one head). Regression heads
 * (`value`) have none.
 */
export const PROBABILITIES_BY_OUTPUT: Readonly<Record<Exclude<HeadOutput, 'value'>, string>> = {
  logits: 'tf.softmax(output)',
  softmax: 'output',
  sigmoid: 'output (an independent probability per unit; they need not sum to 1)',
};

/** `probabilities` of the `jointly` entry: per classification head, the expression of `PROBABILITIES_BY_OUTPUT`. */
export function probabilitiesEntry(outputs: Readonly<Record<string, HeadOutput>>): Record<string, string> {
  const entry: Record<string, string> = {};
  for (const [head, kind] of Object.entries(outputs)) if (kind !== 'value') entry[head] = PROBABILITIES_BY_OUTPUT[kind];
  return entry;
}

/** What jointly adds to `model.json`: how a member reads the model, and what data it expects. */
export interface JointlyModelNames {
  /** Names of the model's inputs, in the order of `model.inputs`. */
  inputs: string[];
  /** Names of the model's heads, in the order of `model.outputs`. */
  heads: string[];
  /** What each head outputs: `logits` (jointly's own models), `softmax` or `sigmoid` probabilities, or a regression `value` (see head-output.ts). */
  outputs: Record<string, HeadOutput>;
  /**
   * For users of plain tfjs: per classification head, how to get class probabilities from its
   * output, e.g. `"tf.softmax(output)"` for logits (see `PROBABILITIES_BY_OUTPUT`). Written from
   * `outputs` on save and not read back (`outputs` is what counts); absent in older files.
   */
  probabilities?: Record<string, string>;
  /** The schema of the data the model was trained on (see data/schema.ts); absent in models saved without one. */
  schema?: DataSchema;
  /** Federated global models: the round they come from (absent otherwise). */
  round?: SavedRound;
}

/** The `model.json` document: the tfjs layers format, plus a `jointly` entry. */
export interface ModelJson {
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  format: string;
  generatedBy: string;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  jointly?: JointlyModelNames;
}

/** The two parts of a saved model. */
export interface ModelArtifacts {
  /** The `model.json` document (tfjs layers format, plus a `jointly` entry with the names). */
  json: ModelJson;
  /** The weights, as one buffer (`weights.bin`). */
  weights: Uint8Array;
}

/** What `modelToArtifacts` records besides the model. */
export interface ModelArtifactsOptions {
  /** The schema of the model's data (class names, feature names, input shape); checked against the model. Default: none. */
  schema?: DataSchema;
  /** Federated global models: the round they come from. Default: none. */
  round?: SavedRound;
}

/** A model read back from its artifacts, with what its `jointly` entry says about it. */
export interface SavedModel {
  named: NamedModel;
  /** Where it was read from (the folder, or the `source` given to `savedModelFromArtifacts`), for messages. */
  source: string;
  /** The schema of the data it was trained on, when it was saved with one. */
  schema?: DataSchema;
  /** Federated global models: the round they come from. */
  round?: SavedRound;
}

/**
 * Where saved models are kept by name: the sub-folders of a run folder in Node
 * (`folderModelStore` in model-io.ts), a map in memory, or anything a browser has. Synchronous,
 * so that a runtime can save between two rounds without yielding.
 */
export interface ModelStore {
  /** Saves a model under `name`, replacing one saved before; returns where it went. */
  write(name: string, artifacts: ModelArtifacts): string;
  /** The `model.json` document saved under `name` (not checked), or undefined when there is none. */
  readJson(name: string): unknown;
  /** Where a model saved under `name` is (or would be). */
  path(name: string): string;
}

/** A named model (or a member) rather than a bare model: it carries its names. */
function isNamed(value: tfl.LayersModel | NamedModel): value is NamedModel {
  const v = value as Partial<NamedModel>;
  return v.model !== undefined && Array.isArray(v.inputs) && Array.isArray(v.heads) && typeof v.outputs === 'object';
}

/** Names of a bare model, as `modelFromArtifacts` would read them back. */
function defaultNames(model: tfl.LayersModel): NamedModel {
  return nameModel({ name: model.name, model, inputs: model.inputs.length === 1 ? ['x'] : model.inputNames, heads: model.outputs.length === 1 ? ['y'] : model.outputNames });
}

/**
 * Throws DataMalformedError when a schema does not describe the model: a classifier with one
 * input and one output must read samples of the schema's shape and have a unit per class.
 * Models of other forms (several inputs or heads) are not checked: the schema is the data's.
 */
export function checkSchemaFits(model: tfl.LayersModel, schema: DataSchema, source: string): void {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return;
  const inShape = model.inputs[0].shape.slice(1);
  const fits = inShape.length === schema.inputShape.length && inShape.every((d, i) => d === null || d === schema.inputShape[i]);
  const out = model.outputs[0].shape;
  const units = out[out.length - 1];
  if (!fits || units !== schema.numClasses) {
    throw new DataMalformedError(
      `${source}: the schema in model.json (samples [${schema.inputShape.join(', ')}], ${schema.numClasses} classes) does not describe the model, which reads [${inShape.join(', ')}] and outputs ${units} units`,
      'save the model again with the schema of the data it was trained on, or remove "schema" from the "jointly" entry of model.json',
    );
  }
}

/** Serializes a model (and, for a named model or a member, its names; with `opts.schema`, its data schema). */
export async function modelToArtifacts(value: tfl.LayersModel | NamedModel, opts: ModelArtifactsOptions = {}): Promise<ModelArtifacts> {
  const model = isNamed(value) ? value.model : value;
  const schema = opts.schema === undefined ? undefined : parseSchema(opts.schema, `model '${model.name}'`);
  if (schema !== undefined) checkSchemaFits(model, schema, `model '${model.name}'`);
  const round = opts.round === undefined ? undefined : SavedRoundSchema.parse(opts.round);
  // A bare model gets a `jointly` entry only when there is something to record besides its default names.
  const named = isNamed(value) ? value : schema !== undefined || round !== undefined ? defaultNames(model) : undefined;
  let result: ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData]);
      result = {
        json: {
          modelTopology: artifacts.modelTopology,
          format: 'layers-model',
          generatedBy: 'jointly',
          weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
          ...(named === undefined ? {} : { jointly: namesEntry(named, { schema, round }) }),
        },
        weights: new Uint8Array(weightData),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (result === undefined) throw new Error('tfjs did not call the save handler');
  return result;
}

/** The `jointly` entry of a named model. */
export function namesEntry(named: NamedModel, opts: ModelArtifactsOptions = {}): JointlyModelNames {
  return {
    inputs: [...named.inputs],
    heads: [...named.heads],
    outputs: { ...named.outputs },
    probabilities: probabilitiesEntry(named.outputs),
    ...(opts.schema === undefined ? {} : { schema: structuredClone(opts.schema) }),
    ...(opts.round === undefined ? {} : { round: { ...opts.round } }),
  };
}

/** "classNames: must have numClasses names" from a zod error. */
function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
}

/** A checked copy of a schema; DataMalformedError names what is wrong. */
function parseSchema(value: unknown, source: string): DataSchema {
  const parsed = DataSchemaSchema.safeParse(value);
  if (!parsed.success) {
    throw new DataMalformedError(
      `${source}: the data schema of the model is malformed (${issues(parsed.error)})`,
      'save the model again with jointly, or fix or remove "schema" in the "jointly" entry of model.json',
    );
  }
  return parsed.data;
}

/** Checks the `jointly` entry of a model.json, if any. */
function readEntry(value: unknown, source: string): JointlyModelNames | undefined {
  if (value === undefined) return undefined;
  const v = value as Partial<JointlyModelNames> | null;
  const strings = (a: unknown): a is string[] => Array.isArray(a) && a.every((s) => typeof s === 'string');
  const outputs = v?.outputs as Record<string, unknown> | undefined;
  if (v === null || typeof v !== 'object' || !strings(v.inputs) || !strings(v.heads) || typeof outputs !== 'object' || outputs === null || !Object.values(outputs).every((k) => (HEAD_OUTPUTS as readonly unknown[]).includes(k))) {
    throw new DataMalformedError(`${source}: the "jointly" entry of model.json is malformed`, 'save the model again with jointly, or remove the entry');
  }
  const entry: JointlyModelNames = { inputs: v.inputs, heads: v.heads, outputs: outputs as Record<string, HeadOutput> };
  if (v.schema !== undefined) entry.schema = parseSchema(v.schema, `${source}/model.json`);
  if (v.round !== undefined) {
    const round = SavedRoundSchema.safeParse(v.round);
    if (!round.success) {
      throw new DataMalformedError(`${source}/model.json: the "round" of the "jointly" entry is malformed (${issues(round.error)})`, 'save the model again with jointly, or remove "round" from the "jointly" entry');
    }
    entry.round = round.data;
  }
  return entry;
}

/**
 * Rebuilds a model from its `model.json` document and weight buffers (in manifest order), with
 * the data schema and round its `jointly` entry records. Names come from that entry; a model
 * saved without them (by tfjs, or by jointly before names were kept) reads input `x` and head
 * `y` when it has one of each, else its tfjs input and output names, with output kinds detected
 * from its last layers. A malformed entry or schema is a DataMalformedError.
 */
export async function savedModelFromArtifacts(json: unknown, weights: readonly Uint8Array[], source: string): Promise<SavedModel> {
  const doc = json as Partial<ModelJson> | null;
  if (typeof doc !== 'object' || doc === null || doc.modelTopology === undefined || !Array.isArray(doc.weightsManifest)) {
    throw new DataMalformedError(`${source}: not a tfjs layers model.json (no modelTopology or weightsManifest)`, 'point to a folder written by jointly or by tfjs model.save');
  }
  // Checked before the model is built, so that a bad entry leaves no tensors behind.
  const entry = readEntry(doc.jointly, source);
  const specs = doc.weightsManifest.flatMap((g) => g.weights);
  const joined = new Uint8Array(weights.reduce((s, w) => s + w.byteLength, 0));
  let at = 0;
  for (const w of weights) {
    joined.set(w, at);
    at += w.byteLength;
  }
  const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: doc.modelTopology, weightSpecs: specs, weightData: joined.buffer }));
  try {
    const inputs = entry?.inputs ?? (model.inputs.length === 1 ? ['x'] : model.inputNames);
    const heads = entry?.heads ?? (model.outputs.length === 1 ? ['y'] : model.outputNames);
    const named = nameModel({ name: source, model, inputs, heads, ...(entry === undefined ? {} : { outputs: entry.outputs }) });
    if (entry?.schema !== undefined) checkSchemaFits(model, entry.schema, `${source}/model.json`);
    return { named, source, ...(entry?.schema === undefined ? {} : { schema: entry.schema }), ...(entry?.round === undefined ? {} : { round: entry.round }) };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** Rebuilds a model from its artifacts (see `savedModelFromArtifacts`), with its names only. */
export async function modelFromArtifacts(json: unknown, weights: readonly Uint8Array[], source: string): Promise<NamedModel> {
  return (await savedModelFromArtifacts(json, weights, source)).named;
}
