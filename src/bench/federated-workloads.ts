/** What the federated benchmarks share: Li et al.'s CNN and the process's peak memory. */
import type { ModelSpecInput } from '../engine/model-spec.js';

/** Li et al.'s simple CNN for 28×28 inputs (their `SimpleCNNMNIST`), with PyTorch's default initialization. */
export const LI_CNN: ModelSpecInput = {
  type: 'cnn',
  conv: [
    { filters: 6, kernelSize: 5, pool: 'max', poolSize: 2 },
    { filters: 16, kernelSize: 5, pool: 'max', poolSize: 2 },
  ],
  padding: 'valid',
  dense: [120, 84],
  init: 'torch',
};

/** The process's peak resident memory so far (worker threads share the process), in MiB. */
export function peakRssMiB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
