/**
 * Adam (Kingma and Ba, 2015) with its state keyed by variable: moments and the bias-correction
 * step count per variable, as in PyTorch. The arithmetic is tfjs's AdamOptimizer's, op for op
 * (float32 accumulated powers of beta), so on cpu and wasm the results are tfjs's bit for bit
 * when every variable gets a gradient every step. On a backend with the fused kernel (native)
 * each variable is updated by one kernel call.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_UPDATE } from './fused-kernels.js';
import { SlotOptimizer, type InPlaceKernels } from './slot-optimizer.js';

type AdamSlots = { m: tf.Variable; v: tf.Variable };

/** beta^t as tfjs accumulates it: a float32 product, one multiplication per step. */
function accumulatedPowers(beta: number): (t: number) => number {
  const b = Math.fround(beta);
  const powers = [1];
  return (t) => {
    for (let k = powers.length; k <= t; k++) powers.push(Math.fround(powers[k - 1] * b));
    return powers[t];
  };
}

/**
 * Adam with its moments and bias-correction step count kept per variable name, so a variable
 * without a gradient in a step keeps its state; the arithmetic matches tfjs's AdamOptimizer. Made
 * by {@link createOptimizer} for `{ name: 'adam' }`; `learningRate`, `beta1`, `beta2` and `epsilon`
 * are used as given (no defaults here).
 */
export class AdamOptimizer extends SlotOptimizer<AdamSlots> {
  /** The name tfjs serialization registers the class under: `Adam`, as tfjs's own Adam. */
  static get className(): string {
    return 'Adam';
  }

  protected readonly slotNames = ['m', 'v'] as const;
  protected readonly fusedKernel = ADAM_UPDATE;
  private readonly power1: (t: number) => number;
  private readonly power2: (t: number) => number;

  constructor(
    readonly learningRate: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly epsilon: number,
  ) {
    super();
    this.power1 = accumulatedPowers(beta1);
    this.power2 = accumulatedPowers(beta2);
  }

  protected update(variable: tf.Variable, gradient: tf.Tensor, slots: AdamSlots, step: number, fused: boolean): void {
    const accBeta1 = this.power1(step);
    const accBeta2 = this.power2(step);
    const { m, v } = slots;
    if (gradient.dtype === 'float32' && variable.dtype === 'float32' && fused) {
      const attrs = { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, oneMinusAccBeta1: 1 - accBeta1, oneMinusAccBeta2: 1 - accBeta2 };
      const [newValue, newM, newV] = tf.engine().runKernel(ADAM_UPDATE, { variable, m, v, gradient }, attrs) as tf.Tensor[];
      m.assign(newM);
      v.assign(newV);
      variable.assign(newValue);
      return;
    }
    const newM = tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1));
    const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
    const mHat = tf.div(newM, Math.fround(1 - accBeta1));
    const vHat = tf.div(newV, Math.fround(1 - accBeta2));
    m.assign(newM);
    v.assign(newV);
    variable.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), -this.learningRate), variable));
  }

  protected updateInPlace(w: Float32Array, gradient: Float32Array, slots: Float32Array[], step: number, kernels: InPlaceKernels): void {
    const [m, v] = slots;
    kernels.adam(w, m, v, gradient, w, m, v, this.learningRate, this.beta1, this.beta2, this.epsilon, 1 - this.power1(step), 1 - this.power2(step));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
