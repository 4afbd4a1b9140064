/**
 * A saved multimodal model: the tfjs layers model (model.json + weights.bin) and, beside it,
 * `multimodal.json` with every modality's fitted preprocessing (a tokenizer's vocabulary, a
 * table's statistics) and the class names, so that new samples are preprocessed exactly as the
 * training data was. Predicting takes raw samples with any subset of the modalities present;
 * a sample with none is refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { fieldSource } from '../engine/batch.js';
import { createMember, forward, type Member, type NamedModel } from '../engine/member.js';
import { loadNamedModel, saveModel } from '../engine/model-io.js';
import { writeFileAtomic } from '../report/durable-file.js';
import { createOptimizer } from '../engine/optimizer.js';
import { makeFieldDataset, type Field } from '../data/fields.js';
import { ConfigError, DataMalformedError, DataMissingError, messageOf } from '../errors.js';
import { LABEL_FIELD, MODALITY_KINDS, isPresent, presenceField, type MultimodalDataset } from './modality.js';
import type { FittedPreprocessor } from './preprocessor.js';
import { getPreprocessor } from './preprocessors/registry.js';
// Loading a model needs its custom layers registered with tfjs: importing these registers every
// encoder's, fusion's and the missing-modality layers.
import './encoders/registry.js';
import './fusions/registry.js';
import './presence-layers.js';
import type { PreparedModality } from './prepare.js';
import { encoderPrefix } from './build-model.js';
import { TokenEmbedding } from './text/layers/token-embedding.js';

export const MULTIMODAL_JSON = 'multimodal.json';

const SavedMultimodalSchema = z
  .object({
    format: z.literal('jointly-multimodal-1'),
    fusion: z.string(),
    numClasses: z.number().int().min(2),
    classNames: z.array(z.string()).optional(),
    modalities: z.array(z.object({ name: z.string(), kind: z.enum(MODALITY_KINDS), encoder: z.string(), preprocessor: z.string(), state: z.unknown() }).strict()).min(1),
  })
  .strict();
export type SavedMultimodal = z.infer<typeof SavedMultimodalSchema>;

/** Saves a fused model with its modalities' preprocessing into `dir`, each file whole or not at all (OutputError when one cannot be written). */
export async function saveMultimodalModel(model: NamedModel, dir: string, meta: { fusion: string; modalities: readonly PreparedModality[]; numClasses: number; classNames?: readonly string[] }): Promise<void> {
  await saveModel(model, dir);
  const saved: SavedMultimodal = {
    format: 'jointly-multimodal-1',
    fusion: meta.fusion,
    numClasses: meta.numClasses,
    ...(meta.classNames === undefined ? {} : { classNames: [...meta.classNames] }),
    modalities: meta.modalities.map((m) => ({ name: m.name, kind: m.kind, encoder: m.encoder.type, preprocessor: m.preprocessor.name, state: m.preprocessor.state })),
  };
  writeFileAtomic(join(dir, MULTIMODAL_JSON), JSON.stringify(saved));
}

/**
 * A multimodal model loaded by `loadMultimodalModel`: the model as a member, its saved description
 * (`multimodal.json`), each modality's restored preprocessor by modality name, and `dispose`.
 */
export interface LoadedMultimodalModel {
  readonly member: Member;
  readonly meta: SavedMultimodal;
  readonly preprocessors: Readonly<Record<string, FittedPreprocessor>>;
  /** Frees the model's weights. */
  dispose(): void;
}

/**
 * Refuses a tokenizer that does not fit the model's token embeddings: a text modality's
 * vocabulary must have exactly as many ids as the embedding table of its encoder has rows (a
 * tokenizer from another training run would map words to rows that mean something else).
 */
function checkVocabularies(named: NamedModel, preprocessors: Readonly<Record<string, FittedPreprocessor>>, dir: string): void {
  for (const [modality, fitted] of Object.entries(preprocessors)) {
    const size = fitted.info.vocabSizes?.[fitted.info.fields[0]];
    if (size === undefined || fitted.info.kind !== 'text') continue;
    const prefix = `${encoderPrefix(modality)}/`;
    const tables = named.model.layers.filter((l): l is TokenEmbedding => l instanceof TokenEmbedding && l.name.includes(prefix));
    for (const table of tables) {
      if (table.vocabSize !== size) {
        throw new ConfigError(
          `${MULTIMODAL_JSON}: modalities.${modality}`,
          `the tokenizer of text modality '${modality}' has ${size} ids but the model in ${dir} embeds ${table.vocabSize}: the tokenizer was trained with another vocabulary than the model`,
          'use the multimodal.json saved with this model (or retrain the model with this tokenizer)',
        );
      }
    }
  }
}

/** Loads a model saved by `saveMultimodalModel` (a run folder's `models/<fusion>`). */
export async function loadMultimodalModel(dir: string): Promise<LoadedMultimodalModel> {
  const path = join(dir, MULTIMODAL_JSON);
  if (!existsSync(path)) throw new DataMissingError(`no ${MULTIMODAL_JSON} in ${dir}: it is not a saved multimodal model`, "point to a multimodal run folder's models/<fusion> folder");
  let meta: SavedMultimodal;
  try {
    meta = SavedMultimodalSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new DataMalformedError(`${path}: not a valid multimodal model description (${messageOf(err)})`, 'save the model again with this version of jointly');
  }
  const preprocessors = Object.fromEntries(meta.modalities.map((m) => [m.name, getPreprocessor(m.preprocessor).restore(m.state, m.name)]));
  const named = await loadNamedModel(dir);
  const expected = meta.modalities.flatMap((m) => [...preprocessors[m.name].info.fields, presenceField(m.name)]);
  const missing = expected.filter((f) => !named.inputs.includes(f));
  if (missing.length > 0) throw new ConfigError(MULTIMODAL_JSON, `the model in ${dir} has no input(s) ${missing.join(', ')} that its preprocessing produces`, 'save the model and its multimodal.json together');
  checkVocabularies(named, preprocessors, dir);
  const member = createMember({ name: `multimodal-${meta.fusion}`, model: named.model, optimizer: createOptimizer({ name: 'sgd' }), inputs: named.inputs, heads: named.heads, outputs: named.outputs });
  return { member, meta, preprocessors, dispose: () => member.model.dispose() };
}

/**
 * Class probabilities [length, classes] of raw samples (labels are ignored). Modalities the
 * model knows but the data lacks, or marks absent, count as missing; a sample with none of the
 * model's modalities is refused (DataMalformedError) rather than given a made-up prediction.
 */
export function predictMultimodal(loaded: LoadedMultimodalModel, data: Omit<MultimodalDataset, 'labels' | 'numClasses'> & Partial<Pick<MultimodalDataset, 'labels' | 'numClasses'>>): Float32Array {
  const n = data.length;
  const fields: Record<string, Field> = {};
  const ds = { ...data, labels: data.labels ?? new Int32Array(n), numClasses: data.numClasses ?? loaded.meta.numClasses } as MultimodalDataset;
  for (let i = 0; i < n; i++) {
    if (!loaded.meta.modalities.some((m) => ds.modalities[m.name] !== undefined && isPresent(ds, m.name, i))) {
      throw new DataMalformedError(`sample ${i} has none of the model's modalities (${loaded.meta.modalities.map((m) => m.name).join(', ')})`, 'give every sample at least one of them');
    }
  }
  for (const m of loaded.meta.modalities) {
    const fitted = loaded.preprocessors[m.name];
    let present = ds.present?.[m.name];
    let raw = ds.modalities[m.name];
    if (raw === undefined) {
      // The whole modality is absent: images and texts can stand in as empty ones; other kinds need their columns.
      const shape = fitted.info.shapes[fitted.info.fields[0]];
      if (m.kind === 'image') raw = { kind: 'image', values: new Float32Array(n * shape.reduce((a, b) => a * b, 1)), shape };
      else if (m.kind === 'text') raw = { kind: 'text', texts: new Array<string>(n).fill('') };
      else throw new DataMalformedError(`the data has no modality '${m.name}'`, `give '${m.name}' with every sample marked absent (present.${m.name} all 0) to predict without it`);
      present = new Uint8Array(n);
    }
    if (raw.kind !== m.kind) throw new DataMalformedError(`modality '${m.name}' is ${raw.kind} data, the model was trained on ${m.kind}`, 'give each modality the kind the model was trained on');
    present ??= new Uint8Array(n).fill(1);
    Object.assign(fields, fitted.transform(raw, m.name, present));
    fields[presenceField(m.name)] = { kind: 'float', values: Float32Array.from(present), shape: [1] };
  }
  fields[LABEL_FIELD] = { kind: 'classes', labels: new Int32Array(n), numClasses: loaded.meta.numClasses };
  const source = fieldSource(makeFieldDataset(fields, 'the samples to predict'));
  const k = loaded.meta.numClasses;
  const out = new Float32Array(n * k);
  for (let start = 0; start < n; start += 512) {
    const end = Math.min(start + 512, n);
    const indices = Int32Array.from({ length: end - start }, (_, i) => start + i);
    out.set(tf.tidy(() => tf.softmax(forward(loaded.member, source.batch(indices), false)[LABEL_FIELD]).dataSync() as Float32Array), start * k);
  }
  return out;
}
