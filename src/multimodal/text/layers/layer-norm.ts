/**
 * Layer normalization over the last axis (Ba, Kiros & Hinton 2016): y = (x − μ) / √(σ² + ε) · γ + β,
 * μ and σ² the mean and (biased) variance of each position's features, γ (ones) and β (zeros)
 * learned per feature. The same function as tfjs-layers' LayerNormalization, written with
 * broadcasting: that one tiles γ and β to the input's shape, and the gradient of a tile is one
 * slice and add per position (thousands of kernel calls per step for a [batch, steps, width]
 * sequence). Weights created in `build`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeMismatchError } from '../../../errors.js';

export class LayerNorm extends tfl.layers.Layer {
  static readonly className = 'JointlyLayerNorm';
  readonly epsilon: number;
  private gamma: tfl.LayerVariable | undefined;
  private beta: tfl.LayerVariable | undefined;

  constructor(args: { epsilon?: number; name?: string } = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    this.epsilon = args.epsilon ?? 1e-5;
    if (!(this.epsilon > 0)) throw new Error(`LayerNorm: epsilon must be positive, got ${this.epsilon}`);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    const width = shape[shape.length - 1];
    if (Array.isArray(width) || width === null || shape.length < 2) throw new ShapeMismatchError(`LayerNorm needs a known last axis, got [${shape.join(', ')}]`);
    this.gamma = this.addWeight('gamma', [width], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('beta', [width], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return inputShape as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (this.gamma === undefined || this.beta === undefined) throw new Error('LayerNorm: called before build');
    const [gamma, beta] = [this.gamma, this.beta];
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalized, gamma.read()), beta.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(LayerNorm);
