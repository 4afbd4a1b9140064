/**
 * Saving and loading models in the tfjs layers format (model.json + weights.bin) with node:fs,
 * so that no tfjs-node file handler is needed.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DataMissingError } from '../errors.js';
import './layers/seeded-dropout.js';

/** Writes `model.json` and `weights.bin` into `dir` (created if needed). */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(
        Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData],
      );
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: 'jointly',
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weightData));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Loads a model saved by `saveModel` (or any tfjs layers model with a single weights file). */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) {
    throw new DataMissingError(`no model.json in ${dir}`, 'point to a folder written by jointly (a run folder\'s models/<name>) or by tfjs model.save');
  }
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as {
    modelTopology: tf.io.ModelArtifacts['modelTopology'];
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
}
