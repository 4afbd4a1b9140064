/**
 * Predictions of a saved classifier on rows already read into its input (browser-safe): the
 * forward pass in inference mode, in batches, and the probability arithmetic, pure over typed
 * arrays: the softmax of logits, or a softmax or sigmoid head's own output as it is (see
 * `classProbabilities`), arg-max and top-k. Reading the model and the file is
 * predict-saved-model.ts's job (Node).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelInput } from '../data/files/model-input.js';
import type { DataSchema } from '../data/schema.js';
import { ShapeMismatchError } from '../errors.js';
import { modelSchema } from './evaluate-classifier.js';
import type { HeadOutput } from './head-output.js';
import type { SavedModel, SavedRound } from './model-artifacts.js';

/** The prediction for one row of the file. */
export interface PredictedRow {
  /** 1-based line of the row in the file. */
  line: number;
  /** Index of the predicted class: the arg-max of the model's output (ties to the lowest index). */
  predicted: number;
  /** Probability of every class, in class-index order (see `SavedModelPredictions.probabilities`). */
  probabilities: Float32Array;
  /** The row's label as a class index, when the file has the label column. */
  label?: number;
}

/** How the per-class probabilities were obtained from the head's output. */
export type ProbabilityKind =
  /** Softmax of the model's logits: sums to 1 over the classes. */
  | 'softmax-of-logits'
  /** The model's own softmax output, as it is: sums to 1. */
  | 'model-softmax'
  /** The model's own sigmoid output: an independent probability per unit, not summing to 1. */
  | 'model-sigmoid';

/** What `predictSavedModel` returns. */
export interface SavedModelPredictions {
  /** The model's folder. */
  model: string;
  /** The data in words, e.g. "all 113 rows of wine-test.csv". */
  data: string;
  /** What the model's head outputs (its `jointly.outputs` entry, or detected from its last layer). */
  output: HeadOutput;
  /** How `probabilities` were computed from that output. */
  probabilities: ProbabilityKind;
  /** Class names in index order: the model's, when it was saved with them; absent when its classes are unnamed (indices only). */
  classNames?: string[];
  /** Number of classes. */
  numClasses: number;
  /** The data schema the file was read by: the model's own, or one made from its input shape and unit count. */
  schema: DataSchema;
  /** Federated global models: the round they come from. */
  round?: SavedRound;
  /** Whether the file had the label column (then every row has a `label`). */
  labeled: boolean;
  /** One entry per row kept, in file order. */
  rows: PredictedRow[];
}

/** Softmax of the `width` logits at `from` into the same places of `into` (max subtracted first, so large logits do not overflow). */
function softmaxRow(out: Float32Array, from: number, width: number, into: Float32Array): void {
  let max = -Infinity;
  for (let k = 0; k < width; k++) max = Math.max(max, out[from + k]);
  let sum = 0;
  for (let k = 0; k < width; k++) {
    const e = Math.exp(out[from + k] - max);
    into[from + k] = e;
    sum += e;
  }
  for (let k = 0; k < width; k++) into[from + k] /= sum;
}

/** The probability kind of a head's output kind; `value` heads have none. */
export function probabilityKindOf(kind: HeadOutput): ProbabilityKind | undefined {
  switch (kind) {
    case 'logits':
      return 'softmax-of-logits';
    case 'softmax':
      return 'model-softmax';
    case 'sigmoid':
      return 'model-sigmoid';
    case 'value':
      return undefined;
  }
}

/**
 * Per-class probabilities of `rows × width` head outputs (pure):
 * - `logits`: softmax of each row (computed stably, max subtracted);
 * - `softmax`: the model's own probabilities, unchanged;
 * - `sigmoid`: the model's own per-unit probabilities, unchanged (they need not sum to 1);
 * - `value`: refused (a regression head has no classes), ShapeMismatchError.
 */
export function classProbabilities(out: Float32Array, width: number, kind: HeadOutput): Float32Array {
  if (kind === 'value') throw new ShapeMismatchError('the head outputs a regression value, not classes', 'predict with a classifier (a head whose output is logits, softmax or sigmoid)');
  if (width < 1 || out.length % width !== 0) throw new ShapeMismatchError(`${out.length} outputs cannot be rows of ${width} classes`, 'give whole rows of the head output');
  if (kind !== 'logits') return Float32Array.from(out);
  const probs = new Float32Array(out.length);
  for (let at = 0; at < out.length; at += width) softmaxRow(out, at, width, probs);
  return probs;
}

/** Index of the largest of `width` values starting at `from` (ties to the lowest index). */
export function argMax(values: ArrayLike<number>, from = 0, width = values.length - from): number {
  let best = 0;
  for (let k = 1; k < width; k++) if (values[from + k] > values[from + best]) best = k;
  return best;
}

/** The `k` most probable classes of one row, most probable first (ties to the lowest index). */
export function topClasses(probabilities: ArrayLike<number>, k: number): { index: number; probability: number }[] {
  const order = Array.from({ length: probabilities.length }, (_, i) => i).sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  return order.slice(0, Math.max(0, k)).map((index) => ({ index, probability: probabilities[index] }));
}

/**
 * The head's output kind of a saved model that can predict classes: one output that is not a
 * regression value (the unit count and input shape are checked by `modelSchema`);
 * ShapeMismatchError otherwise.
 */
export function predictableOutput(saved: SavedModel): HeadOutput {
  const { model, heads, outputs } = saved.named;
  const kind = outputs[heads[0]];
  if (kind === 'value') {
    throw new ShapeMismatchError(`the model in ${saved.source} has a regression head ('${heads[0]}' outputs a value), which has no classes to predict`, 'predict with a classifier (a federated global model or a mutual run\'s member)');
  }
  if (model.outputs.length !== 1) {
    throw new ShapeMismatchError(`the model in ${saved.source} has ${model.outputs.length} outputs; jointly predict reads a classifier with one output`, 'predict with a single-head classifier');
  }
  return kind;
}

/**
 * Predictions of a saved classifier `rows` × features already in the model's order and scale
 * (pure of files; tensors are released batch by batch, the model is the caller's).
 */
export function predictRows(saved: SavedModel, features: Float32Array, sampleShape: readonly number[], opts: { batchSize?: number } = {}): Float32Array {
  const kind = predictableOutput(saved);
  const schema = modelSchema(saved, { sigmoid: true });
  if (sampleShape.join(',') !== schema.inputShape.join(',')) {
    throw new ShapeMismatchError(`the data has samples [${sampleShape.join(', ')}]; the model in ${saved.source} reads [${schema.inputShape.join(', ')}]`, 'read the data by the model\'s schema (loadModelInput)');
  }
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const n = features.length / size;
  const width = schema.numClasses;
  const batchSize = opts.batchSize ?? 512;
  const out = new Float32Array(n * width);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const batch = tf.tidy(() => {
      const x = tf.tensor(features.subarray(start * size, end * size), [end - start, ...sampleShape], 'float32');
      return (saved.named.model.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array;
    });
    out.set(batch, start * width);
  }
  return classProbabilities(out, width, kind);
}

/**
 * The predictions of a saved classifier for a file read into its input (`loadModelInput` with
 * `modelSchema(saved, { sigmoid: true })`): every row with its line, predicted class,
 * probabilities and label when the file has one. The model is the caller's to dispose.
 */
export function predictionsFor(saved: SavedModel, input: ModelInput, opts: { batchSize?: number } = {}): SavedModelPredictions {
  const kind = predictableOutput(saved);
  const schema = modelSchema(saved, { sigmoid: true });
  const probs = predictRows(saved, input.features, input.sampleShape, opts);
  const width = schema.numClasses;
  const rows: PredictedRow[] = input.lines.map((line, i) => {
    const probabilities = probs.slice(i * width, (i + 1) * width);
    return { line, predicted: argMax(probabilities), probabilities, ...(input.labels === undefined ? {} : { label: input.labels[i] }) };
  });
  return {
    model: saved.source,
    data: input.description,
    output: kind,
    probabilities: probabilityKindOf(kind) as ProbabilityKind,
    ...(schema.classNames === undefined ? {} : { classNames: [...schema.classNames] }),
    numClasses: width,
    schema,
    ...(saved.round === undefined ? {} : { round: saved.round }),
    labeled: input.labels !== undefined,
    rows,
  };
}
