/** Logits of a classifier member over a whole source, batched in inference mode, and accuracy from logits. */
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource } from '../engine/batch.js';
import { forward, type Member } from '../engine/member.js';
import { LABEL_FIELD } from './modality.js';

/** Row-major logits [length, classes] of the member's `label` head on every sample of `source`. */
export function predictLogits(member: Member, source: BatchSource, classes: number, batchSize = 512): Float32Array {
  const out = new Float32Array(source.length * classes);
  for (let start = 0; start < source.length; start += batchSize) {
    const end = Math.min(start + batchSize, source.length);
    const indices = Int32Array.from({ length: end - start }, (_, i) => start + i);
    const values = tf.tidy(() => forward(member, source.batch(indices), false)[LABEL_FIELD].dataSync() as Float32Array);
    out.set(values, start * classes);
  }
  return out;
}

/** Fraction of the labelled samples (`mask` 1, or all) whose largest logit is their label. */
export function accuracyOfLogits(logits: Float32Array, labels: Int32Array, classes: number, mask?: Uint8Array): number {
  let right = 0;
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    if (mask !== undefined && mask[i] !== 1) continue;
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    if (best === labels[i]) right++;
    count++;
  }
  return count === 0 ? Number.NaN : right / count;
}

/**
 * The ensemble of separately trained models: per sample, the mean of the logits of the models
 * whose modality the sample has (`present[m][i]` 1; all models when `present` is absent), as
 * late fusion averages over the present modalities. A sample none of the models can see gets
 * the plain mean. `classes` logits per sample.
 */
export function meanLogits(all: readonly Float32Array[], classes: number, present?: readonly (ArrayLike<number> | undefined)[]): Float32Array {
  const n = all[0].length / classes;
  const out = new Float32Array(all[0].length);
  for (let i = 0; i < n; i++) {
    const use = all.map((_, m) => present?.[m] === undefined || (present[m] as ArrayLike<number>)[i] > 0);
    const count = use.filter(Boolean).length;
    all.forEach((a, m) => {
      if (count > 0 && !use[m]) return;
      const w = 1 / (count > 0 ? count : all.length);
      for (let c = 0; c < classes; c++) out[i * classes + c] += a[i * classes + c] * w;
    });
  }
  return out;
}
