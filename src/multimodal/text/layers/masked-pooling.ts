/**
 * Pooling over the real steps of a sequence: inputs [sequence [batch, steps, width], mask [batch,
 * steps]] (1 real, 0 padding), output [batch, width]:
 * - `mean`: Σ_t m_t x_t / max(Σ_t m_t, 1);
 * - `max`: max over the steps with m_t = 1 (padding steps get −1e9 added first, so they never win).
 * A sample with no real step (an empty or missing text) pools to zeros in both modes, never NaN
 * or −1e9. No weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';

export const POOLINGS = ['mean', 'max'] as const;
export type Pooling = (typeof POOLINGS)[number];

/** What is added to the scores (attention) or values (max pooling) of padding steps. */
export const MASKED_VALUE = -1e9;

/** Checks a [sequence, mask] input pair's shapes; returns them. */
export function checkSequenceAndMask(inputShape: tfl.Shape | tfl.Shape[], layer: string): [tfl.Shape, tfl.Shape] {
  const shapes = inputShape as tfl.Shape[];
  if (!Array.isArray(shapes[0]) || shapes.length !== 2) throw new ShapeMismatchError(`${layer} takes [sequence, mask]`, 'pass the sequence [batch, steps, width] and its mask [batch, steps]');
  const [seq, mask] = shapes;
  if (seq.length !== 3 || mask.length !== 2 || (seq[1] !== null && mask[1] !== null && seq[1] !== mask[1])) {
    throw new ShapeMismatchError(`${layer}: a sequence of shape [${seq.join(', ')}] and a mask of shape [${mask.join(', ')}] do not go together`, 'give a [batch, steps, width] sequence and its [batch, steps] mask');
  }
  return [seq, mask];
}

/** Masked pooling of a sequence (see the file's comment), as a tfjs function. */
export function maskedPool(x: tf.Tensor, mask: tf.Tensor, mode: Pooling): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.expandDims(mask, -1); // [B, T, 1]
    const count = tf.sum(m, 1); // [B, 1]
    if (mode === 'mean') return tf.div(tf.sum(tf.mul(x, m), 1), tf.maximum(count, 1));
    const shifted = tf.add(x, tf.mul(tf.sub(1, m), MASKED_VALUE));
    return tf.mul(tf.max(shifted, 1), tf.cast(tf.greater(count, 0), 'float32'));
  });
}

export class MaskedPooling extends tfl.layers.Layer {
  static readonly className = 'JointlyMaskedPooling';
  readonly mode: Pooling;

  constructor(args: { mode: Pooling; name?: string }) {
    super(args.name === undefined ? {} : { name: args.name });
    if (!(POOLINGS as readonly string[]).includes(args.mode)) throw new Error(`MaskedPooling: mode must be one of ${POOLINGS.join(', ')}, got ${String(args.mode)}`);
    this.mode = args.mode;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [seq] = checkSequenceAndMask(inputShape, 'MaskedPooling');
    return [seq[0], seq[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x, mask] = inputs as tf.Tensor[];
    return maskedPool(x, mask, this.mode);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }
}

tf.serialization.registerClass(MaskedPooling);
