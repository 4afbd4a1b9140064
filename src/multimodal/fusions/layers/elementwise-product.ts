/**
 * The elementwise product of M vectors of one shape [B, d]: Π_m x_m, or with `plusOne`
 * Π_m (1 + x_m), which is the plain product plus every lower-order product down to the single
 * vectors and a constant (for two, x_1 ⊙ x_2 + x_1 + x_2 + 1): the terms of the tensor fusion's
 * outer product of the [x_m; 1] (Zadeh et al., EMNLP 2017) that share one index, so that a
 * vector of zeros (an absent modality) leaves the others' terms instead of zeroing the product.
 * No weights. Registered for serialization.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

export interface ElementwiseProductArgs {
  /** Multiply the (1 + x_m) instead of the x_m. Default true. */
  plusOne?: boolean;
  name?: string;
}

export class ElementwiseProduct extends tfl.layers.Layer {
  static readonly className = 'JointlyElementwiseProduct';
  readonly plusOne: boolean;

  constructor(args: ElementwiseProductArgs = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    this.plusOne = args.plusOne ?? true;
  }

  private static check(shapes: Shape[]): Shape {
    const first = shapes[0];
    for (const s of shapes) {
      if (s.length !== first.length || s.some((d, i) => i > 0 && d !== first[i])) {
        throw new ShapeMismatchError(`ElementwiseProduct: the vectors differ in shape: [${first.join(', ')}] and [${s.join(', ')}]`, 'give every modality the same width');
      }
    }
    return first.slice();
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return ElementwiseProduct.check((Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Shape[]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      ElementwiseProduct.check(list.map((t) => t.shape));
      const factors = this.plusOne ? list.map((x) => tf.add(x, 1)) : list;
      return factors.slice(1).reduce((p, x) => tf.mul(p, x), factors[0]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), plusOne: this.plusOne };
  }
}

tf.serialization.registerClass(ElementwiseProduct);
