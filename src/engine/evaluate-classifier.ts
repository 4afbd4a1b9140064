/**
 * Scoring a saved classifier (one input, one classification head) on a dataset: the data is
 * first aligned to the model's data schema (text labels mapped through its class names, columns
 * matched by their header names; see data/schema.ts), then the model predicts in inference mode,
 * in batches, and the registered metrics score it: accuracy, cross-entropy, macro-F1, and the
 * accuracy (recall) of every class. Predictions are computed as `evaluate` computes them (the
 * head's logits, softmax), so the accuracy matches what a run reported for the same parameters.
 * Browser-safe: reading the model and the data from files is model-io.ts's job.
 */
import * as tf from '@tensorflow/tfjs-core';
import { datasetLength, sampleSize, type Dataset } from '../data/dataset.js';
import { alignToSchema, type DataSchema } from '../data/schema.js';
import { ShapeMismatchError } from '../errors.js';
import { headLogits } from './head-output.js';
import type { SavedModel } from './model-artifacts.js';
import { getMetric } from './metrics/registry.js';

/** One class's line of the per-class table. */
export interface ClassScores {
  /** Class index. */
  index: number;
  /** Class name (the schema's, else the index). */
  name: string;
  /** Rows whose label is this class. */
  rows: number;
  /** Of those, the rows predicted as this class. */
  correct: number;
  /** correct / rows: the class's accuracy (its recall); NaN when no row has this class. */
  accuracy: number;
}

export interface ClassifierEvaluation {
  /** Rows scored. */
  rows: number;
  /** Fraction of rows whose arg-max prediction is the label. */
  accuracy: number;
  /** Mean cross-entropy of the predicted probabilities (clipped at 1e-7, see metrics/cross-entropy.ts). */
  loss: number;
  /** Macro-averaged F1 (scikit-learn's average='macro'). */
  macroF1: number;
  /** Every class of the model, in index order. */
  classes: ClassScores[];
}

export interface AlignForModelOptions {
  /** The data in messages, e.g. its file path. */
  source: string;
  /**
   * The data's classes are numbered by a fixed standard (a built-in dataset such as MNIST), so
   * its labels are class indices even when the model's schema has no class names. Default false:
   * text labels need the model's class names.
   */
  standardClasses?: boolean;
}

/** Options of `modelSchema`. */
export interface ModelSchemaOptions {
  /**
   * Accept a head whose output is a sigmoid (an independent probability per unit): prediction can
   * read it, scoring by accuracy and cross-entropy over classes cannot. Default false.
   */
  sigmoid?: boolean;
}

/**
 * The schema data must fit to be scored (or predicted) by a saved classifier: its own, else the
 * model's input shape and unit count (then its classes are unnamed: indices only).
 * ShapeMismatchError when the model is not a classifier with one input and one output.
 */
export function modelSchema(saved: SavedModel, opts: ModelSchemaOptions = {}): DataSchema {
  const model = checkClassifier(saved, opts.sigmoid === true);
  if (saved.schema !== undefined) return saved.schema;
  const out = model.outputs[0].shape;
  return { inputShape: model.inputs[0].shape.slice(1).map((d) => d ?? 0), numClasses: out[out.length - 1] as number };
}

/** The model of a saved classifier with one input and one classification head; ShapeMismatchError otherwise. */
function checkClassifier(saved: SavedModel, sigmoid = false): SavedModel['named']['model'] {
  const { model, heads, outputs } = saved.named;
  const where = `the model in ${saved.source}`;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ShapeMismatchError(`${where} has ${model.inputs.length} input(s) and ${model.outputs.length} output(s); only a classifier with one input and one output can be evaluated on a dataset`, 'evaluate a single-input, single-output classifier (a federated global model or a mutual run\'s member)');
  }
  const kind = outputs[heads[0]];
  const out = model.outputs[0].shape;
  const units = out[out.length - 1];
  if (kind === 'value' || (kind === 'sigmoid' && !sigmoid) || out.length !== 2 || typeof units !== 'number' || units < 2) {
    throw new ShapeMismatchError(`${where} outputs [${out.slice(1).join(', ')}] as ${kind}; a classifier outputs one logit or softmax probability per class`, 'evaluate a classifier with a unit per class (at least 2)');
  }
  if (model.inputs[0].shape.slice(1).some((d) => d === null)) {
    throw new ShapeMismatchError(`${where} reads inputs of shape [${model.inputs[0].shape.slice(1).join(', ')}], with an unknown dimension`, 'evaluate a model with a fixed input shape');
  }
  return model;
}

/**
 * The dataset in the model's class indices and feature order (see `alignToSchema` for what is
 * refused: an unknown class or text labels against unnamed classes is a DataMalformedError, a
 * missing column or another sample shape a ShapeMismatchError, each with the fix).
 */
export function alignForModel(saved: SavedModel, data: Dataset, opts: AlignForModelOptions): Dataset {
  const schema = modelSchema(saved);
  const ds = opts.standardClasses === true && schema.classNames === undefined ? withoutClassNames(data) : data;
  return alignToSchema(ds, schema, { source: opts.source, against: `the model in ${saved.source}` });
}

function withoutClassNames(ds: Dataset): Dataset {
  const { classNames: _names, ...rest } = ds;
  return rest;
}

/**
 * Scores a saved classifier on a dataset already aligned to it (`alignForModel`). Tensors are
 * released batch by batch; the model is the caller's to dispose.
 */
export function evaluateClassifier(saved: SavedModel, data: Dataset, opts: { batchSize?: number } = {}): ClassifierEvaluation {
  const model = checkClassifier(saved);
  const schema = modelSchema(saved);
  const width = schema.numClasses;
  const expected = schema.inputShape;
  if (data.sampleShape.join(',') !== expected.join(',') || data.numClasses > width) {
    throw new ShapeMismatchError(
      `the data has samples [${data.sampleShape.join(', ')}] and ${data.numClasses} classes; the model reads [${expected.join(', ')}] and has ${width} classes`,
      'align the data to the model first (alignForModel)',
    );
  }
  const n = datasetLength(data);
  const size = sampleSize(data.sampleShape);
  const batchSize = opts.batchSize ?? 512;
  const kind = saved.named.outputs[saved.named.heads[0]];
  const predictions = new Float32Array(n * width);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const probs = tf.tidy(() => {
      const x = tf.tensor(data.features.subarray(start * size, end * size), [end - start, ...data.sampleShape], 'float32');
      const out = model.apply(x, { training: false }) as tf.Tensor;
      // As evaluate() does: the head's logits, then softmax.
      return tf.softmax(headLogits(out, kind)).dataSync() as Float32Array;
    });
    predictions.set(probs, start * width);
  }
  const input = { predictions, targets: data.labels, width };
  const names = schema.classNames;
  const classes: ClassScores[] = Array.from({ length: width }, (_, k) => ({ index: k, name: names?.[k] ?? String(k), rows: 0, correct: 0, accuracy: Number.NaN }));
  for (let i = 0; i < n; i++) {
    const label = data.labels[i];
    let best = 0;
    for (let k = 1; k < width; k++) if (predictions[i * width + k] > predictions[i * width + best]) best = k;
    classes[label].rows++;
    if (best === label) classes[label].correct++;
  }
  for (const c of classes) c.accuracy = c.rows === 0 ? Number.NaN : c.correct / c.rows;
  return {
    rows: n,
    accuracy: getMetric('accuracy').compute(input),
    loss: getMetric('crossEntropy').compute(input),
    macroF1: getMetric('macroF1').compute(input),
    classes,
  };
}
