/**
 * Tensor backends in Node: the browser-safe selection (backend-registry.ts) plus the two
 * backends only Node has, registered as providers when this file is imported. Order for `auto`:
 * `tensorflow` (@tensorflow/tfjs-node, optional: its installer downloads a binary, so it is
 * absent on offline machines), then `native` (jointly's own addon on OpenBLAS and oneDNN, built
 * at install time when the libraries are there, loaded only when asked for), then `wasm`, then `cpu`.
 */
import { BackendUnavailableError, messageOf } from '../errors.js';
import { BACKEND_NAMES, registerBackendProvider, selectBackend, type BackendChoice, type BackendName } from './backend-registry.js';
import { NATIVE_FIX } from './native/addon.js';
import { registerNativeBackend } from './native/register.js';

export { BACKEND_NAMES, selectBackend, type BackendChoice, type BackendName };

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

/** Why the native backend cannot be used, or null when it registered. */
export function nativeUnavailableReason(): string | null {
  const native = registerNativeBackend();
  return 'addon' in native ? null : native.reason;
}

/** The fix for the cause nativeUnavailableReason reports (the libraries, or a setting). */
function nativeFix(): string {
  const native = registerNativeBackend();
  return 'fix' in native ? native.fix : NATIVE_FIX;
}

registerBackendProvider({
  name: 'tensorflow',
  label: '@tensorflow/tfjs-node',
  description: '@tensorflow/tfjs-node',
  load: loadTfjsNode,
  unavailable: (reason) =>
    new BackendUnavailableError(
      `@tensorflow/tfjs-node cannot be loaded: ${reason}`,
      'install it with `npm install @tensorflow/tfjs-node` (needs internet access for its binary), or use --backend wasm',
    ),
});

registerBackendProvider({
  name: 'native',
  label: 'native',
  description: 'native (OpenBLAS + oneDNN)',
  fix: nativeFix,
  load: () => Promise.resolve(nativeUnavailableReason()),
  unavailable: (reason) => new BackendUnavailableError(`the native backend is unavailable: ${reason}`, `to get it: ${nativeFix()}; or use --backend wasm`),
});
