/**
 * SGD with momentum (optionally Nesterov) with its accumulation keyed by variable. The arithmetic
 * is tfjs's MomentumOptimizer's, op for op; on a backend with the fused kernel (native) each
 * variable is updated by one kernel call.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MOMENTUM_UPDATE } from './fused-kernels.js';
import { SlotOptimizer, type InPlaceKernels } from './slot-optimizer.js';

type MomentumSlots = { momentum: tf.Variable };

/**
 * SGD with momentum (Nesterov when `useNesterov` is true; default false), its accumulation kept per
 * variable name, with tfjs's MomentumOptimizer arithmetic. Made by {@link createOptimizer} for `{
 * name: 'sgd' }` with a momentum above 0.
 */
export class MomentumOptimizer extends SlotOptimizer<MomentumSlots> {
  /**
   * The name tfjs serialization registers the class under: `Momentum`, as tfjs's own momentum
   * optimizer.
   */
  static get className(): string {
    return 'Momentum';
  }

  protected readonly slotNames = ['momentum'] as const;
  protected readonly fusedKernel = MOMENTUM_UPDATE;

  constructor(
    readonly learningRate: number,
    readonly momentum: number,
    readonly useNesterov = false,
  ) {
    super();
  }

  protected update(variable: tf.Variable, gradient: tf.Tensor, slots: MomentumSlots, _step: number, fused: boolean): void {
    const accumulation = slots.momentum;
    if (gradient.dtype === 'float32' && variable.dtype === 'float32' && fused) {
      const attrs = { learningRate: this.learningRate, momentum: this.momentum, useNesterov: this.useNesterov };
      const [newValue, newAcc] = tf.engine().runKernel(MOMENTUM_UPDATE, { variable, accumulation, gradient }, attrs) as tf.Tensor[];
      accumulation.assign(newAcc);
      variable.assign(newValue);
      return;
    }
    const m = tf.scalar(this.momentum);
    const c = tf.scalar(-this.learningRate);
    const newAccumulation = tf.add(tf.mul(m, accumulation), gradient);
    const newValue = this.useNesterov ? tf.add(tf.mul(c, tf.add(gradient, tf.mul(newAccumulation, m))), variable) : tf.add(tf.mul(c, newAccumulation), variable);
    accumulation.assign(newAccumulation);
    variable.assign(newValue);
  }

  protected updateInPlace(w: Float32Array, gradient: Float32Array, slots: Float32Array[], _step: number, kernels: InPlaceKernels): void {
    kernels.momentum(w, slots[0], gradient, w, slots[0], this.learningRate, this.momentum, this.useNesterov);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum, useNesterov: this.useNesterov };
  }
}
