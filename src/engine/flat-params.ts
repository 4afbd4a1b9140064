/**
 * Model parameters as one flat Float32Array with a layout of names and shapes: the form in
 * which federated learning sends, aggregates and checkpoints them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../errors.js';
import { ownedValues, TYPED_ARRAY_BACKENDS } from './variable-values.js';

/**
 * Where one model weight sits in the flat parameter array: its tfjs variable name, shape, offset
 * and number of floats, and whether it is trainable. {@link paramLayout} returns one per weight, in
 * model order.
 */
export interface ParamEntry {
  name: string;
  shape: number[];
  /** Offset in the flat array, in floats. */
  offset: number;
  size: number;
  trainable: boolean;
}

/**
 * Which weights {@link paramLayout}, {@link readParams} and {@link writeParams} cover: all of them
 * (default) or only the trainable ones.
 */
export interface ParamOptions {
  /** Only trainable weights (excludes e.g. batch-norm moving statistics). Default false. */
  trainableOnly?: boolean;
}

function weightsOf(model: tfl.LayersModel, opts: ParamOptions): tfl.LayerVariable[] {
  return opts.trainableOnly ? model.trainableWeights : model.weights;
}

/** Weight shapes are always fully defined (only symbolic tensors have unknown dimensions). */
function shapeOf(w: tfl.LayerVariable): number[] {
  return w.shape.map((d) => d ?? 0);
}

/** Names, shapes and offsets of a model's parameters. */
export function paramLayout(model: tfl.LayersModel, opts: ParamOptions = {}): ParamEntry[] {
  let offset = 0;
  return weightsOf(model, opts).map((w) => {
    const shape = shapeOf(w);
    const size = shape.reduce((a, b) => a * b, 1);
    const entry = { name: w.name, shape, offset, size, trainable: w.trainable };
    offset += size;
    return entry;
  });
}

/**
 * Copies a model's parameters into one flat array: a new one, or `into` (of exactly the
 * parameters' length), which is returned.
 */
export function readParams(model: tfl.LayersModel, opts: ParamOptions = {}, into?: Float32Array): Float32Array {
  const weights = weightsOf(model, opts);
  const total = weights.reduce((s, w) => s + shapeOf(w).reduce((a, b) => a * b, 1), 0);
  if (into !== undefined && into.length !== total) {
    throw new ShapeMismatchError(`model '${model.name}' has ${total} parameters but the array to read them into has ${into.length}`, 'give an array of the model\'s parameter count (paramLayout)');
  }
  const out = into ?? new Float32Array(total);
  let offset = 0;
  for (const w of weights) {
    const values = w.read().dataSync() as Float32Array;
    out.set(values, offset);
    offset += values.length;
  }
  return out;
}

/** Writes a flat array (as made by readParams with the same options) back into a model. */
export function writeParams(model: tfl.LayersModel, values: Float32Array, opts: ParamOptions = {}): void {
  const layout = paramLayout(model, opts);
  const total = layout.reduce((s, e) => s + e.size, 0);
  if (values.length !== total) {
    throw new ShapeMismatchError(
      `model '${model.name}' has ${total} parameters but ${values.length} values were given`,
      'read and write parameters of models with the same architecture and the same trainableOnly option',
    );
  }
  const weights = weightsOf(model, opts);
  if (TYPED_ARRAY_BACKENDS.has(tf.getBackend()) && weights.every((w) => w.constraint === null || w.constraint === undefined)) {
    // Backends that keep tensors in JS typed arrays: copied into each variable's own array (made
    // private first if a clone shares it), without a tensor per weight. A weight with a constraint
    // (max-norm…) goes through write(), which applies it.
    layout.forEach((entry, i) => ownedValues(weights[i].read() as tf.Variable).set(values.subarray(entry.offset, entry.offset + entry.size)));
    return;
  }
  // tidy disposes the temporary tensors; the variables keep their data. slice, not subarray: the
  // cpu backend keeps the array it is given, so a view would alias the caller's buffer.
  tf.tidy(() => {
    layout.forEach((entry, i) => {
      weights[i].write(tf.tensor(values.slice(entry.offset, entry.offset + entry.size), entry.shape, 'float32'));
    });
  });
}
