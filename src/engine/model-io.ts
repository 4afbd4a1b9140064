/**
 * Saving and loading models as files in the tfjs layers format (model.json + weights.bin) with
 * node:fs, so that no tfjs-node file handler is needed. The format itself is model-artifacts.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataMalformedError, DataMissingError, messageOf } from '../errors.js';
import type { NamedModel } from './member.js';
import { modelFromArtifacts, modelToArtifacts, WEIGHTS_FILE } from './model-artifacts.js';

/** Writes `model.json` and `weights.bin` into `dir` (created if needed); a named model or member keeps its input and head names. */
export async function saveModel(model: tfl.LayersModel | NamedModel, dir: string): Promise<void> {
  const artifacts = await modelToArtifacts(model);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(artifacts.json));
  writeFileSync(join(dir, WEIGHTS_FILE), artifacts.weights);
}

/** Loads a model saved by `saveModel` (or any tfjs layers model) with its names and output kinds. */
export async function loadNamedModel(dir: string): Promise<NamedModel> {
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) {
    throw new DataMissingError(`no model.json in ${dir}`, 'point to a folder written by jointly (a run folder\'s models/<name>) or by tfjs model.save');
  }
  let json: { weightsManifest?: { paths?: unknown }[] };
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8')) as typeof json;
  } catch (err) {
    throw new DataMalformedError(`${jsonPath}: not valid JSON (${messageOf(err)})`, 'point to a folder written by jointly or by tfjs model.save');
  }
  const paths = (json.weightsManifest ?? []).flatMap((g) => (Array.isArray(g.paths) ? g.paths.map(String) : []));
  const buffers = paths.map((p) => {
    const file = join(dir, p);
    if (!existsSync(file)) throw new DataMissingError(`${jsonPath} names the weights file ${p}, which is missing`, 'copy the whole model folder');
    return new Uint8Array(readFileSync(file));
  });
  return modelFromArtifacts(json, buffers, dir);
}

/** Loads a model saved by `saveModel` (or any tfjs layers model with its weights files). */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  return (await loadNamedModel(dir)).model;
}
