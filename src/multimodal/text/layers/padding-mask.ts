/** The padding mask of token ids: [batch, steps] int ids in, [batch, steps] float 1 (a real token) or 0 (padding, id 0) out. No weights. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PAD_ID } from '../tokenizer.js';

export class PaddingMask extends tfl.layers.Layer {
  static readonly className = 'JointlyPaddingMask';

  constructor(args: { name?: string } = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    this.trainable = false;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const ids = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.cast(tf.notEqual(ids, tf.scalar(PAD_ID, ids.dtype)), 'float32'));
  }
}

tf.serialization.registerClass(PaddingMask);
