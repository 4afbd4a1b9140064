/** Softmax over the last dimension. */
import { Softmax, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { nativeAddon } from './addon.js';
import { f32, input, output, withCpuFallback } from './kernel-utils.js';

export const softmaxConfig: KernelConfig = {
  kernelName: Softmax,
  backendName: 'native',
  kernelFunc: withCpuFallback(Softmax, (args) => {
    const logits = input(args, 'logits', Softmax);
    const xv = f32(args.backend, logits);
    const rank = logits.shape.length;
    const dim = Number(args.attrs?.dim ?? -1);
    if (xv === null || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
    const cols = logits.shape[rank - 1];
    const y = new Float32Array(xv.length);
    if (cols > 0) nativeAddon().softmax(xv, y, xv.length / cols, cols);
    return output(args.backend, [...logits.shape], y);
  }) as unknown as KernelFunc,
};
