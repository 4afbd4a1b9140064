/**
 * The shared body of the native pooling kernels (NHWC, the cpu backend's semantics): read the
 * input, compute the geometry, hand it to one addon function; anything the addon does not take
 * (another layout, dilation) goes to the cpu kernel.
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import type { PoolGeometry } from './addon.js';
import { poolGeometry } from './conv-geometry.js';
import { f32, input, output, size, withCpuFallback } from './kernel-utils.js';
import { poolInfo } from './pool-info.js';

/** A forward pooling kernel computing y from x with `run`. */
export function poolKernel(kernelName: string, run: (x: Float32Array, y: Float32Array, g: PoolGeometry) => void): KernelConfig {
  return {
    kernelName,
    backendName: 'native',
    kernelFunc: withCpuFallback(kernelName, (args) => {
      const x = input(args, 'x', kernelName);
      const xv = f32(args.backend, x);
      if (xv === null || x.shape.length !== 4) return null;
      const info = poolInfo(x.shape, args.attrs ?? {});
      const geometry = poolGeometry(info);
      if (geometry === null) return null;
      const y = new Float32Array(size(info.outShape));
      run(xv, y, geometry);
      return output(args.backend, info.outShape, y);
    }) as unknown as KernelFunc,
  };
}

/** A pooling gradient kernel computing dx from dy (and the forward input x) with `run`. */
export function poolGradKernel(kernelName: string, run: (dy: Float32Array, x: Float32Array, dx: Float32Array, g: PoolGeometry) => void): KernelConfig {
  return {
    kernelName,
    backendName: 'native',
    kernelFunc: withCpuFallback(kernelName, (args) => {
      const dy = input(args, 'dy', kernelName);
      const x = input(args, 'input', kernelName);
      const dyv = f32(args.backend, dy);
      const xv = f32(args.backend, x);
      if (dyv === null || xv === null || x.shape.length !== 4) return null;
      const info = poolInfo(x.shape, args.attrs ?? {});
      const geometry = poolGeometry(info);
      if (geometry === null || dyv.length !== size(info.outShape)) return null;
      const dx = new Float32Array(xv.length);
      run(dyv, xv, dx, geometry);
      return output(args.backend, [...x.shape], dx);
    }) as unknown as KernelFunc,
  };
}
