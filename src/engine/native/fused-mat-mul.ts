/** _FusedMatMul (a dense layer's forward): sgemm with the bias and activation applied in the same native call. */
import { _FusedMatMul, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { ACTIVATIONS } from './addon.js';
import { input, withCpuFallback } from './kernel-utils.js';
import { matMulImpl } from './mat-mul-impl.js';

export const fusedMatMulConfig: KernelConfig = {
  kernelName: _FusedMatMul,
  backendName: 'native',
  kernelFunc: withCpuFallback(_FusedMatMul, (args) => {
    const activation = ACTIVATIONS[String(args.attrs?.activation ?? 'linear')];
    // prelu (per-channel weights) is left to the cpu kernel.
    if (activation === undefined || args.inputs.preluActivationWeights !== undefined) return null;
    return matMulImpl(args, input(args, 'a', _FusedMatMul), input(args, 'b', _FusedMatMul), {
      transposeA: args.attrs?.transposeA === true,
      transposeB: args.attrs?.transposeB === true,
      activation,
      alpha: Number(args.attrs?.leakyreluAlpha ?? 0.2),
      bias: args.inputs.bias,
    });
  }) as unknown as KernelFunc,
};
