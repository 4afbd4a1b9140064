/**
 * Binary elementwise kernels on float32 with numpy-style broadcasting (native/elementwise.cc):
 * Add, Sub, Multiply, RealDiv, Maximum, Minimum, SquaredDifference. Other dtypes go to the cpu kernels.
 */
import { backend_util, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { BINARY, nativeAddon } from './addon.js';
import { f32, input, output, size, withCpuFallback } from './kernel-utils.js';

const BINARY_KERNELS: readonly { kernelName: string; op: number }[] = [
  { kernelName: 'Add', op: BINARY.add },
  { kernelName: 'Sub', op: BINARY.sub },
  { kernelName: 'Multiply', op: BINARY.mul },
  { kernelName: 'RealDiv', op: BINARY.div },
  { kernelName: 'Maximum', op: BINARY.max },
  { kernelName: 'Minimum', op: BINARY.min },
  { kernelName: 'SquaredDifference', op: BINARY.squaredDifference },
];

/** Strides of `shape` over the dimensions of `outShape` (right-aligned), 0 where it is broadcast. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = outShape.length - shape.length + i;
    strides[o] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

export const binaryConfigs: readonly KernelConfig[] = BINARY_KERNELS.map(({ kernelName, op }) => ({
  kernelName,
  backendName: 'native',
  kernelFunc: withCpuFallback(kernelName, (args) => {
    const a = input(args, 'a', kernelName);
    const b = input(args, 'b', kernelName);
    const av = f32(args.backend, a);
    const bv = f32(args.backend, b);
    if (av === null || bv === null) return null;
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const y = new Float32Array(size(outShape));
    nativeAddon().binary(op, av, bv, y, outShape, broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape));
    return output(args.backend, outShape, y);
  }) as unknown as KernelFunc,
}));

export const BINARY_KERNEL_NAMES: readonly string[] = BINARY_KERNELS.map((k) => k.kernelName);
