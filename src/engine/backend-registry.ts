/**
 * Tensor backend selection, browser-safe. `cpu` and `wasm` are always there; faster backends
 * that need Node (`tensorflow`: @tensorflow/tfjs-node; `native`: jointly's own addon on OpenBLAS
 * and oneDNN) are added as providers by backend.ts, which jointly-ml/node loads. Order for `auto`:
 * the providers in the order they were registered (tensorflow, native), then `wasm`, then `cpu`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { BackendUnavailableError, messageOf, UnknownNameError } from '../errors.js';
import { registerWasmTrainingKernels } from './wasm-kernels/register.js';

/**
 * The backend names {@link selectBackend} accepts: `auto` (the fastest that loads) or one backend
 * by name.
 */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What {@link selectBackend} activated, and why. */
export interface BackendChoice {
  /** The active tfjs backend. */
  name: Exclude<BackendName, 'auto'>;
  /** Why it was chosen (and why faster ones were not). */
  reason: string;
}

/** A backend that an environment adds (Node: `tensorflow`, `native`). */
export interface BackendProvider {
  readonly name: 'tensorflow' | 'native';
  /** How `auto`'s reason names it when it cannot be used, e.g. `native`. */
  readonly label: string;
  /** How `auto`'s reason names it when chosen, e.g. `native (OpenBLAS + oneDNN)`. */
  readonly description: string;
  /** How to get it, for the cause `load` reported; appended to `auto`'s reason when it cannot be used. */
  fix?(): string;
  /** Loads and registers the backend with tfjs; resolves to null when it can be activated, else the reason it cannot. */
  load(): Promise<string | null>;
  /** The error of an explicit request that failed for `reason`. */
  unavailable(reason: string): BackendUnavailableError;
}

const providers: BackendProvider[] = [];

/** Adds a backend provider (idempotent per name; later registrations replace earlier ones). */
export function registerBackendProvider(provider: BackendProvider): void {
  const at = providers.findIndex((p) => p.name === provider.name);
  if (at >= 0) providers[at] = provider;
  else providers.push(provider);
}

function parseBackendName(name: string): BackendName {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) throw new UnknownNameError('backend', name, BACKEND_NAMES);
  return name as BackendName;
}

/** Makes `name` tfjs's active backend; throws BackendUnavailableError when tfjs cannot start it. */
async function activate(name: Exclude<BackendName, 'auto'>): Promise<void> {
  if (name === 'wasm') registerWasmTrainingKernels();
  // Production mode silences tfjs's console banner suggesting tfjs-node: jointly reports its choice itself.
  tf.env().set('PROD', true);
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new BackendUnavailableError(`the ${name} backend failed to initialize`, 'try --backend cpu');
  }
}

/** Loads and activates a provider's backend; resolves to null on success, else why it cannot be used. */
async function tryProvider(provider: BackendProvider): Promise<string | null> {
  const failure = await provider.load();
  if (failure !== null) return failure;
  try {
    await activate(provider.name);
    return null;
  } catch (err) {
    return `it loaded but did not start: ${messageOf(err)}`;
  }
}

/**
 * Activates a backend by name (`auto` picks the fastest that loads) and says why.
 * Throws BackendUnavailableError when an explicitly requested backend cannot load.
 */
export async function selectBackend(requested: string = 'auto'): Promise<BackendChoice> {
  const name = parseBackendName(requested);
  if (name === 'tensorflow' || name === 'native') {
    const provider = providers.find((p) => p.name === name);
    if (provider === undefined) {
      throw new BackendUnavailableError(`the ${name} backend needs Node.js: it is added by importing 'jointly-ml/node'`, 'import jointly-ml/node first, or use wasm or cpu');
    }
    const failure = await provider.load();
    if (failure !== null) throw provider.unavailable(failure);
    await activate(name);
    return { name, reason: 'requested' };
  }
  if (name === 'auto') {
    const failures: string[] = [];
    for (const provider of providers) {
      const failure = await tryProvider(provider);
      if (failure === null) {
        const reason = failures.length === 0 ? `${provider.description} loaded` : `${failures.join('; ')}; ${provider.description} is the fastest backend that loaded`;
        return { name: provider.name, reason };
      }
      failures.push(`${provider.label} cannot be used (${failure}${provider.fix === undefined ? '' : `; to get it: ${provider.fix()}`})`);
    }
    try {
      await activate('wasm');
      return { name: 'wasm', reason: failures.length === 0 ? 'wasm is the fastest backend here' : `${failures.join('; ')}; wasm is the fastest backend that loaded` };
    } catch (err) {
      await activate('cpu');
      return { name: 'cpu', reason: `${[...failures, `wasm cannot be used (${messageOf(err)})`].join('; ')}; using the pure-JS cpu backend` };
    }
  }
  await activate(name);
  return { name, reason: 'requested' };
}
