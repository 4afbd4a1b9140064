/**
 * Masked mean pooling of a sequence: inputs `[sequence [B, T, d], mask]` with `mask` [B, T] (1 a
 * real step, 0 padding) or [B, 1] (one flag per sample), output [B, d], the mean over the real
 * steps; a sample with none gives zeros. No weights. Registered for serialization.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';
import { maskedSequenceMean } from './masking.js';

/** tfjs-layers' shape type (`(number | null)[]`), which it does not export by name. */
type Shape = (number | null)[];

export class SequenceMean extends tfl.layers.Layer {
  static readonly className = 'JointlySequenceMean';

  constructor(args: { name?: string } = {}) {
    super(args.name === undefined ? {} : { name: args.name });
  }

  private static check(shapes: Shape[]): Shape {
    if (shapes.length !== 2) throw new ShapeMismatchError(`SequenceMean takes [sequence, mask], got ${shapes.length} inputs`);
    const [s, m] = shapes;
    if (s.length !== 3) throw new ShapeMismatchError(`SequenceMean takes a sequence [batch, steps, width], got [${s.join(', ')}]`);
    if (m.length !== 2 || (m[1] !== 1 && m[1] !== s[1])) throw new ShapeMismatchError(`SequenceMean: the mask has shape [${m.join(', ')}], expected [batch, ${s[1]}] or [batch, 1]`);
    return [s[0], s[2]];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return SequenceMean.check(inputShape as Shape[]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      SequenceMean.check(list.map((t) => t.shape));
      return maskedSequenceMean(list[0], list[1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig() };
  }
}

tf.serialization.registerClass(SequenceMean);
