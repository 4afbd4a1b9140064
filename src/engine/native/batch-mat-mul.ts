/** BatchMatMul on OpenBLAS sgemm (all four transpose combinations, broadcast batch), computed when first read. */
import { BatchMatMul, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { input, withCpuFallback } from './kernel-utils.js';
import { matMulImpl } from './mat-mul-impl.js';

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'native',
  kernelFunc: withCpuFallback(BatchMatMul, (args) =>
    matMulImpl(args, input(args, 'a', BatchMatMul), input(args, 'b', BatchMatMul), {
      transposeA: args.attrs?.transposeA === true,
      transposeB: args.attrs?.transposeB === true,
      activation: 0,
      alpha: 0,
      // _FusedMatMul's gradient computes the gradient of the first dense layer's (untrained) input too.
      lazy: true,
    }),
  ) as unknown as KernelFunc,
};
