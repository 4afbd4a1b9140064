/** Evaluation of members and of their ensemble (mean of softmax probabilities). */
import * as tf from '@tensorflow/tfjs-core';
import type { BatchSource } from './batch.js';
import { forward, type Member } from './member.js';

export interface Scores {
  /** Fraction of samples whose arg-max prediction is the label. */
  accuracy: number;
  /** Mean cross-entropy of the (mean) predicted probabilities. */
  loss: number;
}

export interface Evaluation {
  /** Scores of each member, in order. */
  members: Scores[];
  /** Scores of the ensemble of all members (mean probabilities). */
  ensemble: Scores;
}

export interface EvaluateOptions {
  members: readonly Member[];
  data: BatchSource;
  /** Head to score. Default 'y'. */
  head?: string;
  /** Samples per forward pass. Default 512. */
  batchSize?: number;
}

/** Scores every member and the ensemble on a batch source, in inference mode. */
export function evaluate(opts: EvaluateOptions): Evaluation {
  const head = opts.head ?? 'y';
  const batchSize = opts.batchSize ?? 512;
  const k = opts.members.length;
  const correct = new Float64Array(k + 1);
  const nll = new Float64Array(k + 1);
  for (let start = 0; start < opts.data.length; start += batchSize) {
    const end = Math.min(start + batchSize, opts.data.length);
    const indices = Int32Array.from({ length: end - start }, (_, i) => start + i);
    const [hits, losses] = tf.tidy(() => {
      const batch = opts.data.batch(indices);
      const y = batch.targets[head];
      const labels = tf.argMax(y, -1);
      const probs = opts.members.map((m) => tf.softmax(forward(m, batch, false)[head]));
      probs.push(tf.div(tf.addN(probs), k));
      const hitList = probs.map((p) => tf.sum(tf.cast(tf.equal(tf.argMax(p, -1), labels), 'float32')));
      const lossList = probs.map((p) => tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1))))));
      return [tf.stack(hitList).dataSync(), tf.stack(lossList).dataSync()];
    });
    for (let i = 0; i <= k; i++) {
      correct[i] += hits[i];
      nll[i] += losses[i];
    }
  }
  const n = opts.data.length;
  const scores = Array.from({ length: k + 1 }, (_, i) => ({ accuracy: correct[i] / n, loss: nll[i] / n }));
  return { members: scores.slice(0, k), ensemble: scores[k] };
}
