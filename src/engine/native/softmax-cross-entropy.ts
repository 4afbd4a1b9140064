/** The fused softmax cross-entropy kernels (src/engine/softmax-cross-entropy.ts) on the native backend. */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { SOFTMAX_CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY_GRAD } from '../softmax-cross-entropy.js';
import { nativeAddon } from './addon.js';
import { f32Input, input, output, type KernelArgs } from './kernel-utils.js';


/** Rows and columns of the [n, c] logits. */
function shapeOf(args: KernelArgs, kernel: string): [number, number] {
  const shape = input(args, 'logits', kernel).shape;
  if (shape.length !== 2) throw new Error(`${kernel} (native): logits must be [batch, classes], got [${shape.join(', ')}]`);
  return [shape[0], shape[1]];
}

export const softmaxCrossEntropyConfig: KernelConfig = {
  kernelName: SOFTMAX_CROSS_ENTROPY,
  backendName: 'native',
  kernelFunc: ((args: KernelArgs): TensorInfo => {
    const [rows, cols] = shapeOf(args, SOFTMAX_CROSS_ENTROPY);
    const mean = args.attrs?.mean === true;
    const logits = f32Input(args, 'logits', SOFTMAX_CROSS_ENTROPY, rows * cols);
    const labels = f32Input(args, 'labels', SOFTMAX_CROSS_ENTROPY, rows * cols);
    const loss = new Float32Array(mean ? 1 : rows);
    nativeAddon().softmaxCrossEntropy(logits, labels, loss, rows, cols, mean);
    return output(args.backend, mean ? [] : [rows], loss);
  }) as unknown as KernelFunc,
};

export const softmaxCrossEntropyGradConfig: KernelConfig = {
  kernelName: SOFTMAX_CROSS_ENTROPY_GRAD,
  backendName: 'native',
  kernelFunc: ((args: KernelArgs): TensorInfo => {
    const [rows, cols] = shapeOf(args, SOFTMAX_CROSS_ENTROPY_GRAD);
    const mean = args.attrs?.mean === true;
    const logits = f32Input(args, 'logits', SOFTMAX_CROSS_ENTROPY_GRAD, rows * cols);
    const labels = f32Input(args, 'labels', SOFTMAX_CROSS_ENTROPY_GRAD, rows * cols);
    const dy = f32Input(args, 'dy', SOFTMAX_CROSS_ENTROPY_GRAD, mean ? 1 : rows);
    const dLogits = new Float32Array(rows * cols);
    nativeAddon().softmaxCrossEntropyGrad(logits, labels, dy, dLogits, rows, cols, mean);
    return output(args.backend, [rows, cols], dLogits);
  }) as unknown as KernelFunc,
};
