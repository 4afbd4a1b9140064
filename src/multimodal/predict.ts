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

/** Element-wise mean of equal-length logit arrays (the ensemble of separately trained models). */
export function meanLogits(all: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(all[0].length);
  for (const a of all) for (let i = 0; i < out.length; i++) out[i] += a[i] / all.length;
  return out;
}
