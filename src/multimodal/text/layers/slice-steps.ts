/** Steps [begin, begin + size) of a [batch, steps, width] sequence (size −1: to the end). No weights. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';

export class SliceSteps extends tfl.layers.Layer {
  static readonly className = 'JointlySliceSteps';
  readonly begin: number;
  readonly size: number;

  constructor(args: { begin: number; size: number; name?: string }) {
    super(args.name === undefined ? {} : { name: args.name });
    if (!(Number.isInteger(args.begin) && args.begin >= 0 && Number.isInteger(args.size) && (args.size > 0 || args.size === -1))) {
      throw new Error(`SliceSteps: begin must be a non-negative integer and size positive or -1, got ${args.begin} and ${args.size}`);
    }
    this.begin = args.begin;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = inputShape as tfl.Shape;
    const steps = shape[1];
    if (shape.length !== 3) throw new ShapeMismatchError(`SliceSteps takes [batch, steps, width] sequences, got [${shape.join(', ')}]`);
    if (steps !== null && this.begin + Math.max(this.size, 1) > steps) throw new ShapeMismatchError(`SliceSteps: steps ${this.begin}..${this.begin + this.size} are outside a sequence of ${steps}`);
    return [shape[0], this.size === -1 ? (steps === null ? null : steps - this.begin) : this.size, shape[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.slice(x, [0, this.begin, 0], [-1, this.size, -1]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), begin: this.begin, size: this.size };
  }
}

tf.serialization.registerClass(SliceSteps);
