/**
 * Tensor backend selection. Order for `auto`: `tensorflow` (@tensorflow/tfjs-node, optional:
 * its installer downloads a binary, so it is absent on offline machines), then `native` (jointly's
 * own addon on OpenBLAS and oneDNN, built at install time when the libraries are there), then
 * `wasm`, then `cpu`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { BackendUnavailableError, messageOf, UnknownNameError } from '../errors.js';
import { NATIVE_FIX } from './native/addon.js';
import { registerNativeBackend } from './native/register.js';
import { registerWasmTrainingKernels } from './wasm-kernels/register.js';

export const BACKEND_NAMES = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendChoice {
  /** The active tfjs backend. */
  name: Exclude<BackendName, 'auto'>;
  /** Why it was chosen (and why faster ones were not). */
  reason: string;
}

let tfjsNodeLoad: Promise<string | null> | undefined;

/** Tries to load @tensorflow/tfjs-node once; resolves to null on success, else the reason it failed. */
function loadTfjsNode(): Promise<string | null> {
  tfjsNodeLoad ??= (async () => {
    try {
      const moduleName = '@tensorflow/tfjs-node';
      // A variable module name keeps TypeScript from requiring the optional package's types.
      await import(moduleName);
      return null;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return 'it is not installed';
      return messageOf(err).split('\n')[0];
    }
  })();
  return tfjsNodeLoad;
}

function parseBackendName(name: string): BackendName {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) throw new UnknownNameError('backend', name, BACKEND_NAMES);
  return name as BackendName;
}

/** Why the native backend cannot be used, with the fix, or null when it registered. */
export function nativeUnavailableReason(): string | null {
  const native = registerNativeBackend();
  return 'addon' in native ? null : native.reason;
}

async function activate(name: Exclude<BackendName, 'auto'>): Promise<void> {
  if (name === 'wasm') registerWasmTrainingKernels();
  if (name === 'native') {
    const reason = nativeUnavailableReason();
    if (reason !== null) throw new BackendUnavailableError(`the native backend is unavailable: ${reason}`, `to get it: ${NATIVE_FIX}; or use --backend wasm`);
  }
  // Production mode silences tfjs's console banner suggesting tfjs-node: jointly reports its choice itself.
  tf.env().set('PROD', true);
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new BackendUnavailableError(`the ${name} backend failed to initialize`, 'try --backend cpu');
  }
}

/**
 * Activates a backend by name (`auto` picks the fastest that loads) and says why.
 * Throws BackendUnavailableError when an explicitly requested backend cannot load.
 */
export async function selectBackend(requested: string = 'auto'): Promise<BackendChoice> {
  const name = parseBackendName(requested);
  if (name === 'tensorflow' || name === 'auto') {
    let failure = await loadTfjsNode();
    if (failure === null) {
      try {
        await activate('tensorflow');
        return { name: 'tensorflow', reason: '@tensorflow/tfjs-node loaded' };
      } catch (err) {
        if (name === 'tensorflow') throw err;
        failure = `it loaded but did not start: ${messageOf(err)}`;
      }
    }
    if (name === 'tensorflow') {
      throw new BackendUnavailableError(
        `@tensorflow/tfjs-node cannot be loaded: ${failure}`,
        'install it with `npm install @tensorflow/tfjs-node` (needs internet access for its binary), or use --backend wasm',
      );
    }
    let nativeFailure: string;
    try {
      await activate('native');
      return { name: 'native', reason: `@tensorflow/tfjs-node cannot be used (${failure}); native (OpenBLAS + oneDNN) is the fastest backend that loaded` };
    } catch (err) {
      nativeFailure = err instanceof BackendUnavailableError ? (nativeUnavailableReason() ?? messageOf(err)) : messageOf(err);
    }
    try {
      await activate('wasm');
      return {
        name: 'wasm',
        reason: `@tensorflow/tfjs-node cannot be used (${failure}); native cannot be used (${nativeFailure}; to get it: ${NATIVE_FIX}); wasm is the fastest backend that loaded`,
      };
    } catch (err) {
      await activate('cpu');
      const why = messageOf(err);
      return { name: 'cpu', reason: `neither tfjs-node nor wasm could load (${why}); using the pure-JS cpu backend` };
    }
  }
  await activate(name);
  return { name, reason: 'requested' };
}
