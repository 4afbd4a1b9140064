/**
 * The fusion layer of the Tensor Fusion Network (Zadeh et al., "Tensor Fusion Network for
 * Multimodal Sentiment Analysis", EMNLP 2017, eq. 1): each modality's vector z_m [B, k_m] gets a
 * constant 1 appended, [z_m; 1], and the output is the flattened outer product of these,
 * [B, Π_m (k_m + 1)], row-major with the first modality's index slowest. The appended 1s keep every
 * unimodal and lower-order term beside the M-way products (the paper's figure 3). No weights.
 * Registered for serialization.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

/** Width of the flattened outer product of vectors of these widths, each with a 1 appended. */
export function outerProductWidth(widths: readonly number[]): number {
  return widths.reduce((a, w) => a * (w + 1), 1);
}

export class OuterProduct extends tfl.layers.Layer {
  static readonly className = 'JointlyOuterProduct';

  constructor(args: { name?: string } = {}) {
    super(args.name === undefined ? {} : { name: args.name });
  }

  private static check(shapes: Shape[]): Shape {
    if (shapes.length < 1) throw new ShapeMismatchError('OuterProduct needs at least one input');
    for (const s of shapes) {
      if (s.length !== 2 || s[1] === null) throw new ShapeMismatchError(`OuterProduct takes vectors [batch, width], got [${s.join(', ')}]`);
    }
    return [shapes[0][0], outerProductWidth(shapes.map((s) => s[1] as number))];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return OuterProduct.check((Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Shape[]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      OuterProduct.check(list.map((t) => t.shape));
      const batch = list[0].shape[0];
      const withOne = list.map((z) => tf.concat([z, tf.ones([batch, 1])], 1));
      let out = withOne[0];
      for (const z of withOne.slice(1)) {
        // [B, a, 1] * [B, 1, b] -> [B, a, b] -> [B, a·b]
        out = tf.reshape(tf.mul(tf.expandDims(out, 2), tf.expandDims(z, 1)), [batch, -1]);
      }
      return out;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig() };
  }
}

tf.serialization.registerClass(OuterProduct);
