/** MaxPool and MaxPoolGrad on NHWC data (native/pool.cc; the cpu backend's semantics). */
import { MaxPool, MaxPoolGrad, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { nativeAddon } from './addon.js';
import { poolGeometry } from './conv-geometry.js';
import { f32, input, output, size, withCpuFallback } from './kernel-utils.js';
import { poolInfo } from './pool-info.js';

export const maxPoolConfig: KernelConfig = {
  kernelName: MaxPool,
  backendName: 'native',
  kernelFunc: withCpuFallback(MaxPool, (args) => {
    const x = input(args, 'x', MaxPool);
    const xv = f32(args.backend, x);
    if (xv === null || x.shape.length !== 4) return null;
    const info = poolInfo(x.shape, args.attrs ?? {});
    const geometry = poolGeometry(info);
    if (geometry === null) return null;
    const y = new Float32Array(size(info.outShape));
    nativeAddon().maxPool(xv, y, geometry);
    return output(args.backend, info.outShape, y);
  }) as unknown as KernelFunc,
};

export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'native',
  kernelFunc: withCpuFallback(MaxPoolGrad, (args) => {
    const dy = input(args, 'dy', MaxPoolGrad);
    const x = input(args, 'input', MaxPoolGrad);
    const dyv = f32(args.backend, dy);
    const xv = f32(args.backend, x);
    if (dyv === null || xv === null || x.shape.length !== 4) return null;
    const info = poolInfo(x.shape, args.attrs ?? {});
    const geometry = poolGeometry(info);
    if (geometry === null || dyv.length !== size(info.outShape)) return null;
    const dx = new Float32Array(xv.length);
    nativeAddon().maxPoolGrad(dyv, xv, dx, geometry);
    return output(args.backend, [...x.shape], dx);
  }) as unknown as KernelFunc,
};
