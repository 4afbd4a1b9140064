/**
 * The contract of a contrastive alignment loss: given a batch of paired embeddings from two
 * towers (row i of `a` and row i of `b` are the same sample seen through two modalities), a
 * scalar that pulls pairs together and pushes non-pairs apart. A loss owns its learned
 * parameters (a log-temperature, a bias), which the trainer updates with the towers. One file
 * per loss in losses/, found by name in registry.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle registers all of them.
import '@tensorflow/tfjs-layers';
import type { z } from 'zod';
import { ShapeMismatchError } from '../../errors.js';

/** A loss made for one run: its variables live until `dispose`. */
export interface AlignmentLoss {
  /** Learned parameters (log-temperature, bias), trained with the towers' optimizer. */
  readonly variables: readonly tf.Variable[];
  /** The loss of a batch of pairs, `a` and `b` [batch, dim] (not normalized: the loss normalizes). Any tfjs op; call inside a tidy or the gradient tape. */
  loss(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar;
  /** The current temperature τ = 1 / logit scale (CLIP starts at 0.07, SigLIP at 0.1). */
  temperature(): number;
  /** Every learned parameter's current value for reports: `logitScale` (= 1/τ) and, where there is one, `bias`. */
  parameters(): Record<string, number>;
  /** Called after every optimizer step: puts the variables back into their allowed range (CLIP's clamp of the logit scale). */
  afterStep?(): void;
  /** Frees the variables. Idempotent. */
  dispose(): void;
}

/** A loss found by name in the registry. */
export interface RegisteredAlignmentLoss<O = unknown> {
  readonly name: string;
  /** One line with the method's source, for `jointly info` and reports. */
  readonly description: string;
  /** Options, with their defaults. */
  readonly options: z.ZodType<O>;
  /** The option names, for error messages. */
  readonly optionNames: readonly string[];
  /** A fresh loss with its own variables. */
  create(options: O): AlignmentLoss;
}

/** Smallest squared norm a row is divided by, so that a zero embedding gives zeros, not NaN. */
const NORM_EPS = 1e-12;

/** Each row divided by its L2 norm (a zero row stays zero). */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), NORM_EPS))) as tf.Tensor2D);
}

/** Checks that two embedding batches pair up: same number of rows and same width. */
export function checkPairs(loss: string, a: tf.Tensor, b: tf.Tensor): void {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new ShapeMismatchError(
      `the ${loss} loss needs two [batch, dim] embeddings of the same shape, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`,
      'project both towers to the same width (the alignment run\'s `dim`) and feed them the same samples',
    );
  }
}

/** Makes variable names unique across instances (tfjs refuses two live variables of one name). */
let instances = 0;

/** A fresh scalar variable `<loss><n>/<name>` holding `value` (made in a tidy, so the initial tensor is freed). */
export function scalarVariable(loss: string, name: string, value: number, trainable: boolean): tf.Variable {
  const id = instances++;
  return tf.tidy(() => tf.variable(tf.scalar(value), trainable, `${loss}${id}/${name}`));
}

/** The single value of a scalar variable. */
export function scalarValue(v: tf.Variable): number {
  return v.dataSync()[0];
}
