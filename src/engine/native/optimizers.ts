/**
 * Adam and momentum optimizers that, on the native backend, update each variable with one fused
 * kernel (optimizer-kernels.ts) instead of tfjs's chain of small ops. They are tfjs's own
 * optimizer classes with the same state (moments, accumulated betas, iteration count), so
 * getWeights/setWeights/dispose and serialization behave as tfjs's; on any other backend, or
 * for a float16/int gradient, they run tfjs's code unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_UPDATE, MOMENTUM_UPDATE } from './optimizer-kernels.js';

/** A slot of optimizer state, as tfjs keeps it. */
interface OptimizerVariable {
  originalName: string;
  variable: tf.Variable;
}

/**
 * The protected/private state of tfjs 4.22's AdamOptimizer. tfjs declares these fields private in
 * its typings; the fused update must read and write the very same fields so that the optimizer's
 * state stays tfjs's, hence this view of the instance (checked at construction).
 */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: OptimizerVariable[];
  accumulatedSecondMoment: OptimizerVariable[];
}

/** The same for MomentumOptimizer. */
interface MomentumState {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
  accumulations: OptimizerVariable[];
}

/** What applyGradients receives: gradients by variable name, or a list of named gradients. */
type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/** The gradient map's variable names, in tfjs's order (state slots are indexed by position). */
function entries(grads: VariableGradients): { name: string; gradient: tf.Tensor | undefined }[] {
  return Array.isArray(grads) ? grads.map((g) => ({ name: g.name, gradient: g.tensor as tf.Tensor | undefined })) : Object.keys(grads).map((name) => ({ name, gradient: grads[name] }));
}

function allFloat32(grads: VariableGradients): boolean {
  return entries(grads).every(({ name, gradient }) => (gradient === undefined || gradient.dtype === 'float32') && tf.engine().registeredVariables[name]?.dtype === 'float32');
}

function useNative(): boolean {
  return tf.getBackend() === 'native';
}

/** A zero-filled state variable like `value` (as tfjs creates it). */
function zeroSlot(name: string, value: tf.Variable): OptimizerVariable {
  return { originalName: name, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
}

export class NativeAdamOptimizer extends tf.AdamOptimizer {
  constructor(learningRate: number, beta1: number, beta2: number, epsilon?: number) {
    super(learningRate, beta1, beta2, epsilon);
    const state = this as unknown as AdamState;
    if (!(state.accBeta1 instanceof tf.Variable) || !Array.isArray(state.accumulatedFirstMoment)) {
      throw new Error('NativeAdamOptimizer: this tfjs version keeps Adam state differently (expected tfjs 4.22)');
    }
  }

  override applyGradients(variableGradients: VariableGradients): void {
    if (!useNative() || !allFloat32(variableGradients)) {
      super.applyGradients(variableGradients);
      return;
    }
    const s = this as unknown as AdamState;
    const oneMinusAccBeta1 = 1 - s.accBeta1.dataSync()[0];
    const oneMinusAccBeta2 = 1 - s.accBeta2.dataSync()[0];
    const attrs = { learningRate: s.learningRate, beta1: s.beta1, beta2: s.beta2, epsilon: s.epsilon, oneMinusAccBeta1, oneMinusAccBeta2 };
    tf.tidy(() => {
      entries(variableGradients).forEach(({ name, gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        s.accumulatedFirstMoment[i] ??= zeroSlot(`${name}/m`, value);
        s.accumulatedSecondMoment[i] ??= zeroSlot(`${name}/v`, value);
        if (gradient === undefined) return;
        const m = s.accumulatedFirstMoment[i].variable;
        const v = s.accumulatedSecondMoment[i].variable;
        const [newValue, newM, newV] = tf.engine().runKernel(ADAM_UPDATE, { variable: value, m, v, gradient }, attrs) as tf.Tensor[];
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    this.incrementIterations();
  }
}

export class NativeMomentumOptimizer extends tf.MomentumOptimizer {
  constructor(learningRate: number, momentum: number, useNesterov = false) {
    super(learningRate, momentum, useNesterov);
    if (!Array.isArray((this as unknown as MomentumState).accumulations)) {
      throw new Error('NativeMomentumOptimizer: this tfjs version keeps momentum state differently (expected tfjs 4.22)');
    }
  }

  override applyGradients(variableGradients: VariableGradients): void {
    if (!useNative() || !allFloat32(variableGradients)) {
      super.applyGradients(variableGradients);
      return;
    }
    const s = this as unknown as MomentumState;
    const attrs = { learningRate: s.learningRate, momentum: s.momentum, useNesterov: s.useNesterov };
    tf.tidy(() => {
      entries(variableGradients).forEach(({ name, gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        s.accumulations[i] ??= zeroSlot(`${name}/momentum`, value);
        if (gradient === undefined) return;
        const acc = s.accumulations[i].variable;
        const [newValue, newAcc] = tf.engine().runKernel(MOMENTUM_UPDATE, { variable: value, accumulation: acc, gradient }, attrs) as tf.Tensor[];
        acc.assign(newAcc);
        value.assign(newValue);
      });
    });
    this.incrementIterations();
  }
}
