/**
 * Dropout whose masks come from jointly's seeded generator. tfjs-layers' own Dropout either
 * reuses one mask forever (fixed seed) or draws from Math.random (no seed): neither reproduces.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng, type Rng } from '../random.js';

export interface SeededDropoutArgs {
  /** Fraction of units dropped during training, in [0, 1). */
  rate: number;
  /** Seed of this layer's mask stream. */
  seed: number;
  name?: string;
}

/**
 * A dropout layer whose masks come from jointly's seeded generator, so that training with dropout
 * is reproducible. While training it zeroes each value with probability `rate` and scales the rest
 * by 1/(1 - rate); in inference it passes its input through. Throws when `rate` is not in [0, 1).
 */
export class SeededDropout extends tfl.layers.Layer {
  static readonly className = 'JointlySeededDropout';
  readonly rate: number;
  readonly seed: number;
  private readonly rng: Rng;

  constructor(args: SeededDropoutArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`SeededDropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
    this.rng = createRng(args.seed);
    this.supportsMasking = true;
  }

  // tfjs-layers passes call kwargs as an untyped record; `training` is the only field read.
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return x.clone();
    return tf.mul(x, tf.tensor(this.fillMask(new Float32Array(x.size)), x.shape, 'float32'));
  }

  /**
   * Fills `mask` with the next training-time mask (1/(1 - rate) where a value is kept, 0 where it
   * is dropped), drawing from the same seeded sequence as `call`; the native training step uses
   * it, so both paths drop the same values. Returns `mask`.
   */
  fillMask(mask: Float32Array): Float32Array {
    const keep = 1 - this.rate;
    const scale = 1 / keep;
    for (let i = 0; i < mask.length; i++) mask[i] = this.rng.next() < keep ? scale : 0;
    return mask;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);
