/**
 * Reductions Sum, Mean, Max and Min over one contiguous block of axes (the usual case: a batch
 * axis, the last axis, or all of them); other axis sets and non-float32 dtypes go to the cpu kernels.
 */
import { util, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { nativeAddon, REDUCE } from './addon.js';
import { f32, input, output, size, withCpuFallback } from './kernel-utils.js';

const REDUCE_KERNELS: readonly { kernelName: string; op: number }[] = [
  { kernelName: 'Sum', op: REDUCE.sum },
  { kernelName: 'Mean', op: REDUCE.mean },
  { kernelName: 'Max', op: REDUCE.max },
  { kernelName: 'Min', op: REDUCE.min },
];

/** [outer, reduce, inner] sizes when `axes` (sorted, non-empty) are contiguous, else null. */
export function reductionView(shape: readonly number[], axes: readonly number[]): [number, number, number] | null {
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1] + 1) return null;
  const first = axes[0];
  const last = axes[axes.length - 1];
  return [size(shape.slice(0, first)), size(shape.slice(first, last + 1)), size(shape.slice(last + 1))];
}

export const reduceConfigs: readonly KernelConfig[] = REDUCE_KERNELS.map(({ kernelName, op }) => ({
  kernelName,
  backendName: 'native',
  kernelFunc: withCpuFallback(kernelName, (args) => {
    const x = input(args, 'x', kernelName);
    // Max names its axes reductionIndices, the others axis.
    const xv = f32(args.backend, x);
    if (xv === null || x.shape.length === 0) return null;
    const axes = [...new Set(util.parseAxisParam((args.attrs?.axis ?? args.attrs?.reductionIndices) as number | number[], x.shape))].sort((p, q) => p - q);
    if (axes.length === 0) return null;
    const view = reductionView(x.shape, axes);
    if (view === null || (view[1] === 0 && op !== REDUCE.sum)) return null;
    const keepDims = args.attrs?.keepDims === true;
    const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    const y = new Float32Array(view[0] * view[2]);
    nativeAddon().reduce(op, xv, y, view[0], view[1], view[2]);
    return output(args.backend, outShape, y);
  }) as unknown as KernelFunc,
}));

export const REDUCE_KERNEL_NAMES: readonly string[] = REDUCE_KERNELS.map((k) => k.kernelName);
