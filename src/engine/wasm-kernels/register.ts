/**
 * Kernels that the tfjs `wasm` backend lacks for training (added) or runs too slowly for
 * training (overridden), registered on demand.
 *
 * One kernel per file; these two lists are the registry. To add a kernel, add its file and one
 * line to WASM_TRAINING_KERNELS; to replace a stock kernel, one line to WASM_KERNEL_OVERRIDES.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { batchMatMulWasmOverride } from './batch-mat-mul.js';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';

const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [conv2DBackpropFilterWasmConfig];

/** Wrappers of stock wasm kernels: each receives the stock config and returns its replacement. */
const WASM_KERNEL_OVERRIDES: readonly { kernelName: string; wrap: (stock: KernelConfig) => KernelConfig }[] = [
  { kernelName: 'BatchMatMul', wrap: batchMatMulWasmOverride },
];

const overridden = new Set<string>();

/**
 * Registers every missing kernel and every override for the `wasm` backend (idempotent: a
 * second call registers nothing) and returns the names it registered. Call it before
 * `tf.setBackend('wasm')`, so that the overrides' setup functions run with the backend's.
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  for (const config of WASM_TRAINING_KERNELS) {
    if (getKernel(config.kernelName, config.backendName) !== undefined) continue;
    registerKernel(config);
    registered.push(config.kernelName);
  }
  for (const { kernelName, wrap } of WASM_KERNEL_OVERRIDES) {
    const stock = getKernel(kernelName, 'wasm');
    if (stock === undefined || overridden.has(kernelName)) continue;
    unregisterKernel(kernelName, 'wasm');
    registerKernel(wrap(stock));
    overridden.add(kernelName);
    registered.push(kernelName);
  }
  return registered;
}
