/**
 * Fused optimizer updates as kernels of the native backend (names of jointly's own, not tfjs's):
 * tfjs's Adam runs about 15 small kernels per variable per step and its momentum 4; each of
 * these runs one native pass with exactly their arithmetic and returns the new values.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { nativeAddon } from './addon.js';
import { ADAM_UPDATE, MOMENTUM_UPDATE } from '../optimizers/fused-kernels.js';
import { f32Input, input, output, type KernelArgs } from './kernel-utils.js';


/** Inputs variable, m, v, gradient; attrs learningRate, beta1, beta2, epsilon, oneMinusAccBeta1/2. Outputs [variable, m, v]. */
export const adamUpdateConfig: KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: 'native',
  kernelFunc: ((args: KernelArgs): TensorInfo[] => {
    const a = args.attrs ?? {};
    const variable = input(args, 'variable', ADAM_UPDATE);
    const w = f32Input(args, 'variable', ADAM_UPDATE);
    const [m, v, g] = ['m', 'v', 'gradient'].map((n) => f32Input(args, n, ADAM_UPDATE, w.length));
    const out = [new Float32Array(w.length), new Float32Array(w.length), new Float32Array(w.length)];
    nativeAddon().adam(w, m, v, g, out[0], out[1], out[2], Number(a.learningRate), Number(a.beta1), Number(a.beta2), Number(a.epsilon), Number(a.oneMinusAccBeta1), Number(a.oneMinusAccBeta2));
    return out.map((o) => output(args.backend, [...variable.shape], o));
  }) as unknown as KernelFunc,
};

/** Inputs variable, accumulation, gradient; attrs learningRate, momentum, useNesterov. Outputs [variable, accumulation]. */
export const momentumUpdateConfig: KernelConfig = {
  kernelName: MOMENTUM_UPDATE,
  backendName: 'native',
  kernelFunc: ((args: KernelArgs): TensorInfo[] => {
    const a = args.attrs ?? {};
    const variable = input(args, 'variable', MOMENTUM_UPDATE);
    const w = f32Input(args, 'variable', MOMENTUM_UPDATE);
    const [acc, g] = ['accumulation', 'gradient'].map((n) => f32Input(args, n, MOMENTUM_UPDATE, w.length));
    const out = [new Float32Array(w.length), new Float32Array(w.length)];
    nativeAddon().momentum(w, acc, g, out[0], out[1], Number(a.learningRate), Number(a.momentum), a.useNesterov === true);
    return out.map((o) => output(args.backend, [...variable.shape], o));
  }) as unknown as KernelFunc,
};
