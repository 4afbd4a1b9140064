/**
 * Models as the tfjs layers format in memory (a `model.json` document and its weight bytes),
 * with jointly's names kept alongside: the input names, head names and output kinds a member
 * reads the model by. Browser-safe: writing the files is model-io.ts's job (Node), and a browser
 * can keep the same two parts anywhere (IndexedDB, a download, a server).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DataMalformedError } from '../errors.js';
import { HEAD_OUTPUTS, type HeadOutput } from './head-output.js';
import { nameModel, type NamedModel } from './member.js';
import './layers/seeded-dropout.js';

/** The file name of the weights in `model.json`'s manifest. */
export const WEIGHTS_FILE = 'weights.bin';

/** What jointly adds to `model.json`: how a member reads the model. */
export interface JointlyModelNames {
  inputs: string[];
  heads: string[];
  outputs: Record<string, HeadOutput>;
}

/** The two parts of a saved model. */
export interface ModelArtifacts {
  /** The `model.json` document (tfjs layers format, plus a `jointly` entry with the names). */
  json: {
    modelTopology: tf.io.ModelArtifacts['modelTopology'];
    format: string;
    generatedBy: string;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    jointly?: JointlyModelNames;
  };
  /** The weights, as one buffer (`weights.bin`). */
  weights: Uint8Array;
}

/** A named model (or a member) rather than a bare model: it carries its names. */
function isNamed(value: tfl.LayersModel | NamedModel): value is NamedModel {
  const v = value as Partial<NamedModel>;
  return v.model !== undefined && Array.isArray(v.inputs) && Array.isArray(v.heads) && typeof v.outputs === 'object';
}

/** Serializes a model (and, for a named model or a member, its names). */
export async function modelToArtifacts(value: tfl.LayersModel | NamedModel): Promise<ModelArtifacts> {
  const model = isNamed(value) ? value.model : value;
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
          ...(isNamed(value) ? { jointly: { inputs: [...value.inputs], heads: [...value.heads], outputs: { ...value.outputs } } } : {}),
        },
        weights: new Uint8Array(weightData),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (result === undefined) throw new Error('tfjs did not call the save handler');
  return result;
}

/** Checks the `jointly` entry of a model.json, if any. */
function readNames(value: unknown, source: string): JointlyModelNames | undefined {
  if (value === undefined) return undefined;
  const v = value as Partial<JointlyModelNames>;
  const strings = (a: unknown): a is string[] => Array.isArray(a) && a.every((s) => typeof s === 'string');
  const outputs = v.outputs as Record<string, unknown> | undefined;
  if (!strings(v.inputs) || !strings(v.heads) || typeof outputs !== 'object' || outputs === null || !Object.values(outputs).every((k) => (HEAD_OUTPUTS as readonly unknown[]).includes(k))) {
    throw new DataMalformedError(`${source}: the "jointly" entry of model.json is malformed`, 'save the model again with jointly, or remove the entry');
  }
  return v as JointlyModelNames;
}

/**
 * Rebuilds a model from its `model.json` document and weight buffers (in manifest order). Names
 * come from the document's `jointly` entry; a model saved without them (by tfjs, or by jointly
 * before names were kept) reads input `x` and head `y` when it has one of each, else its tfjs
 * input and output names, with output kinds detected from its last layers.
 */
export async function modelFromArtifacts(json: unknown, weights: readonly Uint8Array[], source: string): Promise<NamedModel> {
  const doc = json as Partial<ModelArtifacts['json']>;
  if (typeof doc !== 'object' || doc === null || doc.modelTopology === undefined || !Array.isArray(doc.weightsManifest)) {
    throw new DataMalformedError(`${source}: not a tfjs layers model.json (no modelTopology or weightsManifest)`, 'point to a folder written by jointly or by tfjs model.save');
  }
  const specs = doc.weightsManifest.flatMap((g) => g.weights);
  const joined = new Uint8Array(weights.reduce((s, w) => s + w.byteLength, 0));
  let at = 0;
  for (const w of weights) {
    joined.set(w, at);
    at += w.byteLength;
  }
  const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: doc.modelTopology, weightSpecs: specs, weightData: joined.buffer }));
  try {
    const names = readNames(doc.jointly, source);
    const inputs = names?.inputs ?? (model.inputs.length === 1 ? ['x'] : model.inputNames);
    const heads = names?.heads ?? (model.outputs.length === 1 ? ['y'] : model.outputNames);
    return nameModel({ name: source, model, inputs, heads, ...(names === undefined ? {} : { outputs: names.outputs }) });
  } catch (err) {
    model.dispose();
    throw err;
  }
}
