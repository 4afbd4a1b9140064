/**
 * Removing modalities from batches: modality dropout while training (each modality of each
 * sample removed with a probability, never all of a sample's) and the robustness evaluation
 * (one modality removed from every sample). A removed modality looks exactly like a missing one
 * in the data: its presence is 0 and its fields hold what its preprocessor gives a missing
 * sample (zeros for images, padding for text, the missing ids of a table).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchSource } from '../engine/batch.js';
import { createRng, deriveSeed } from '../engine/random.js';
import type { Field } from '../data/fields.js';
import { selectModalityRows, presenceField, type MultimodalDataset } from './modality.js';
import type { PreparedModality } from './prepare.js';

/** One modality's fields as a missing sample has them. */
export interface MissingTemplate {
  readonly modality: string;
  /** Per field name: the values of one missing sample. */
  readonly fields: Readonly<Record<string, Float32Array | Int32Array>>;
}

/** The missing-sample values of every prepared modality, from one sample of `data` transformed as missing. */
export function missingTemplates(prepared: readonly PreparedModality[], data: MultimodalDataset): MissingTemplate[] {
  return prepared.map((m) => {
    const one = selectModalityRows(data.modalities[m.name], [0]);
    const fields = m.fitted.transform(one, m.name, Uint8Array.of(0));
    const values: Record<string, Float32Array | Int32Array> = {};
    for (const [name, field] of Object.entries(fields) as [string, Field][]) {
      if (field.kind === 'float') values[name] = field.values;
      else if (field.kind === 'tokens') values[name] = field.ids;
    }
    return { modality: m.name, fields: values };
  });
}

/** Replaces the removed samples' fields of modality `t` in `inputs` (keep[i] = 0: removed). */
function removeIn(inputs: Record<string, tf.Tensor>, t: MissingTemplate, keep: Float32Array, size: number): void {
  const k = tf.tensor1d(keep);
  for (const [name, values] of Object.entries(t.fields)) {
    const x = inputs[name];
    if (x === undefined) continue;
    const broadcast = [size, ...x.shape.slice(1).map(() => 1)];
    const kk = tf.reshape(k, broadcast);
    if (x.dtype === 'int32') {
      const ki = tf.cast(kk, 'int32');
      const fill = tf.tensor(values, [1, ...x.shape.slice(1)], 'int32');
      inputs[name] = tf.add(tf.mul(x, ki), tf.mul(fill, tf.sub(tf.scalar(1, 'int32'), ki)));
    } else {
      const fill = tf.tensor(values, [1, ...x.shape.slice(1)], 'float32');
      inputs[name] = tf.add(tf.mul(x, kk), tf.mul(fill, tf.sub(1, kk)));
    }
  }
  const p = presenceField(t.modality);
  if (inputs[p] !== undefined) inputs[p] = tf.mul(inputs[p], tf.reshape(k, [size, 1]));
}

/** Which samples keep which modality in one batch: `keep[m][i]` = 1 to keep. */
type Decide = (batch: Batch, indices: ArrayLike<number>) => Record<string, Float32Array>;

function masked(source: BatchSource, templates: readonly MissingTemplate[], decide: Decide): BatchSource {
  return {
    length: source.length,
    ...(source.fields === undefined ? {} : { fields: source.fields }),
    batch(indices) {
      const batch = source.batch(indices);
      const keep = decide(batch, indices);
      const inputs = { ...batch.inputs };
      for (const t of templates) {
        const k = keep[t.modality];
        if (k !== undefined && k.some((v) => v === 0)) removeIn(inputs, t, k, batch.size);
      }
      return { ...batch, inputs };
    },
  };
}

/** The source with modality `name` removed from every sample (presence 0, missing-sample fields). */
export function withoutModality(source: BatchSource, templates: readonly MissingTemplate[], name: string): BatchSource {
  return masked(source, templates, (batch) => ({ [name]: new Float32Array(batch.size) }));
}

/**
 * Modality dropout: each present modality of each sample is removed with probability `rate`; a
 * sample whose modalities would all be removed keeps one of its present ones, drawn uniformly.
 * Seeded: the same seed and the same sequence of batches give the same removals.
 */
export function withModalityDropout(source: BatchSource, templates: readonly MissingTemplate[], rate: number, seed: number): BatchSource {
  if (rate <= 0) return source;
  const rng = createRng(deriveSeed(seed, 'modality-dropout'));
  const names = templates.map((t) => t.modality);
  return masked(source, templates, (batch) => {
    const present = names.map((m) => batch.inputs[presenceField(m)]?.dataSync() as Float32Array | undefined);
    const keep = names.map(() => new Float32Array(batch.size).fill(1));
    for (let i = 0; i < batch.size; i++) {
      const had: number[] = [];
      let kept = 0;
      names.forEach((_, m) => {
        const p = present[m] === undefined ? 1 : present[m][i];
        if (p === 0) return;
        had.push(m);
        if (rng.next() < rate) keep[m][i] = 0;
        else kept++;
      });
      if (kept === 0 && had.length > 0) keep[had[rng.int(had.length)]][i] = 1;
    }
    return Object.fromEntries(names.map((m, i) => [m, keep[i]]));
  });
}
