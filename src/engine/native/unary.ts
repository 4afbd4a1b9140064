/**
 * Unary elementwise kernels on float32 (native/elementwise.cc): activations (Relu, Relu6, Elu,
 * LeakyRelu, Sigmoid, Tanh), Step (which the Relu gradient uses), and Exp, Log, Sqrt, Square,
 * Neg, Abs, Rsqrt, Reciprocal. One table, since they differ only in their op code.
 */
import { type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { nativeAddon, UNARY } from './addon.js';
import { f32, input, output, withCpuFallback } from './kernel-utils.js';

/** tfjs kernel name -> op code, and the attribute that carries alpha (Step, LeakyRelu). */
const UNARY_KERNELS: readonly { kernelName: string; op: number; alphaAttr?: string; defaultAlpha?: number }[] = [
  { kernelName: 'Exp', op: UNARY.exp },
  { kernelName: 'Log', op: UNARY.log },
  { kernelName: 'Sqrt', op: UNARY.sqrt },
  { kernelName: 'Square', op: UNARY.square },
  { kernelName: 'Neg', op: UNARY.neg },
  { kernelName: 'Abs', op: UNARY.abs },
  { kernelName: 'Step', op: UNARY.step, alphaAttr: 'alpha', defaultAlpha: 0 },
  { kernelName: 'Rsqrt', op: UNARY.rsqrt },
  { kernelName: 'Reciprocal', op: UNARY.reciprocal },
  { kernelName: 'Elu', op: UNARY.elu },
  { kernelName: 'Relu', op: UNARY.relu },
  { kernelName: 'Relu6', op: UNARY.relu6 },
  { kernelName: 'Sigmoid', op: UNARY.sigmoid },
  { kernelName: 'Tanh', op: UNARY.tanh },
  { kernelName: 'LeakyRelu', op: UNARY.leakyRelu, alphaAttr: 'alpha', defaultAlpha: 0.2 },
];

export const unaryConfigs: readonly KernelConfig[] = UNARY_KERNELS.map(({ kernelName, op, alphaAttr, defaultAlpha }) => ({
  kernelName,
  backendName: 'native',
  kernelFunc: withCpuFallback(kernelName, (args) => {
    const x = input(args, 'x', kernelName);
    const xv = f32(args.backend, x);
    if (xv === null) return null;
    const y = new Float32Array(xv.length);
    const alpha = alphaAttr === undefined ? 0 : Number(args.attrs?.[alphaAttr] ?? defaultAlpha);
    nativeAddon().unary(op, xv, y, alpha);
    return output(args.backend, [...x.shape], y);
  }) as unknown as KernelFunc,
}));

/** The kernel names in UNARY_KERNELS (for tests). */
export const UNARY_KERNEL_NAMES: readonly string[] = UNARY_KERNELS.map((k) => k.kernelName);
