/**
 * Zeroes a sequence's padding steps: inputs [sequence [batch, steps, width], mask [batch, steps]]
 * (1 real, 0 padding), output the sequence times the mask. Encoders apply it to token embeddings
 * (so that nothing downstream, a convolution's window included, ever sees a padding token's
 * embedding) and to the sequences they return. No weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkSequenceAndMask } from './masked-pooling.js';

export class ApplyMask extends tfl.layers.Layer {
  static readonly className = 'JointlyApplyMask';

  constructor(args: { name?: string } = {}) {
    super(args.name === undefined ? {} : { name: args.name });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return checkSequenceAndMask(inputShape, 'ApplyMask')[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x, mask] = inputs as tf.Tensor[];
    return tf.tidy(() => tf.mul(x, tf.expandDims(mask, -1)));
  }
}

tf.serialization.registerClass(ApplyMask);
