/**
 * The `native` tfjs backend: the cpu backend with its hot kernels replaced by native ones
 * (native/*.cc on OpenBLAS and oneDNN). Every cpu kernel is registered under `native` first,
 * then the overrides below replace theirs; a kernel with an input it does not handle (another
 * dtype, layout or attribute) hands it to the cpu kernel.
 *
 * This list is the registry: to add a kernel, add its file and one entry here.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadNativeAddon, type NativeAddon, type NativeUnavailable } from './addon.js';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { binaryConfigs } from './binary.js';
import { conv2DConfig, fusedConv2DConfig } from './conv2d.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { eluGradConfig } from './elu-grad.js';
import { fusedMatMulConfig } from './fused-mat-mul.js';
import { avgPoolConfig, avgPoolGradConfig } from './avg-pool.js';
import { maxPoolConfig, maxPoolGradConfig } from './max-pool.js';
import { NativeBackend } from './native-backend.js';
import { nativeStepAccelerator } from './step/native-train-step.js';
import { registerStepAccelerator } from '../step-accelerator.js';
import { adamUpdateConfig, momentumUpdateConfig } from './optimizer-kernels.js';
import { reduceConfigs } from './reduce.js';
import { softmaxConfig } from './softmax.js';
import { softmaxCrossEntropyConfig, softmaxCrossEntropyGradConfig } from './softmax-cross-entropy.js';
import { concatConfig, sliceConfig, splitVConfig } from './slice-concat.js';
import { gatherV2Config, scatterNdConfig } from './gather-scatter.js';
import { transposeConfig } from './transpose.js';
import { unaryConfigs } from './unary.js';

export const NATIVE_BACKEND = 'native';

/** The native kernels, by kernel name: overrides of cpu kernels, plus jointly's fused optimizer updates and loss. */
export const NATIVE_KERNELS: readonly tf.KernelConfig[] = [
  batchMatMulConfig,
  fusedMatMulConfig,
  conv2DConfig,
  fusedConv2DConfig,
  conv2DBackpropInputConfig,
  conv2DBackpropFilterConfig,
  maxPoolConfig,
  maxPoolGradConfig,
  avgPoolConfig,
  avgPoolGradConfig,
  ...unaryConfigs,
  eluGradConfig,
  softmaxConfig,
  softmaxCrossEntropyConfig,
  softmaxCrossEntropyGradConfig,
  sliceConfig,
  splitVConfig,
  concatConfig,
  gatherV2Config,
  scatterNdConfig,
  transposeConfig,
  ...binaryConfigs,
  ...reduceConfigs,
  adamUpdateConfig,
  momentumUpdateConfig,
];

let registered = false;

/**
 * Registers the `native` backend and its kernels (idempotent). Resolves to the addon, or to the
 * reason it cannot be used (then nothing is registered).
 */
export function registerNativeBackend(): { addon: NativeAddon } | NativeUnavailable {
  const loaded = loadNativeAddon();
  if (!('addon' in loaded) || registered) return loaded;
  const overridden = new Set(NATIVE_KERNELS.map((k) => k.kernelName));
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (!overridden.has(config.kernelName)) tf.registerKernel({ ...config, backendName: NATIVE_BACKEND });
  }
  for (const config of NATIVE_KERNELS) tf.registerKernel(config);
  // Priority below cpu's: tfjs never picks it on its own; jointly selects it explicitly.
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
  registerStepAccelerator(nativeStepAccelerator);
  registered = true;
  return loaded;
}
