/** EluGrad: dy where y >= 0, else dy * (y + 1). */
import { EluGrad, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { nativeAddon } from './addon.js';
import { f32, input, output, withCpuFallback } from './kernel-utils.js';

export const eluGradConfig: KernelConfig = {
  kernelName: EluGrad,
  backendName: 'native',
  kernelFunc: withCpuFallback(EluGrad, (args) => {
    const dy = input(args, 'dy', EluGrad);
    const y = input(args, 'y', EluGrad);
    const dyv = f32(args.backend, dy);
    const yv = f32(args.backend, y);
    if (dyv === null || yv === null || dyv.length !== yv.length) return null;
    const dx = new Float32Array(dyv.length);
    nativeAddon().eluGrad(dyv, yv, dx);
    return output(args.backend, [...dy.shape], dx);
  }) as unknown as KernelFunc,
};
