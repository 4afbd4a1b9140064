/** The backends the benchmark tries, and loading one of them with what it reports about itself. */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../engine/backend.js';
import { loadNativeAddon, type GemmLibrary } from '../engine/native/addon.js';

/** Backends in the order `auto` would prefer them. */
export const BACKENDS = ['tensorflow', 'native', 'wasm', 'cpu'] as const;

/** A backend that was loaded, with how. */
export interface LoadedBackend {
  name: string;
  reason: string;
  /** wasm only: SIMD and threads as detected by @tensorflow/tfjs-backend-wasm. */
  wasm?: { simd: boolean; multithread: boolean; threads: number };
  /** native only: library versions, OpenBLAS kernels, threads, and the sgemm library of its matrix products. */
  native?: { onednn: string; openblas: string; openblasCore: string; threads: number; gemm: GemmLibrary };
}

export interface Skipped {
  backend: string;
  reason: string;
}

/** Activates `backend`; resolves to how it loaded, or to the reason it did not. */
export async function loadBackend(backend: string): Promise<LoadedBackend | Skipped> {
  try {
    const choice = await selectBackend(backend);
    const loaded: LoadedBackend = { name: choice.name, reason: choice.reason };
    if (choice.name === 'wasm') {
      loaded.wasm = {
        simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true,
        multithread: (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true,
        threads: getThreadsCount(),
      };
    }
    if (choice.name === 'native') {
      const addon = loadNativeAddon();
      if ('addon' in addon) loaded.native = { ...addon.addon.buildInfo(), gemm: addon.addon.getGemm() };
    }
    return loaded;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const hint = err instanceof Error && 'hint' in err && typeof err.hint === 'string' ? ` (${err.hint})` : '';
    return { backend, reason: `${message}${hint}` };
  }
}
