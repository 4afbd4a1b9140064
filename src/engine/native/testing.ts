/** Helpers of the native backend's tests: the skip reason when the addon is absent, and running one function on cpu and native. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// Gradients of every op (tfjs-core's Node bundle registers none).
import '@tensorflow/tfjs-layers';
import { registerNativeBackend } from './register.js';

// Silences tfjs's banner suggesting tfjs-node (as selectBackend does).
tf.env().set('PROD', true);
const registration = registerNativeBackend();

/** False when the native backend is available, else the visible reason its tests are skipped. */
export const NATIVE_SKIP: false | string =
  'addon' in registration ? false : `native backend unavailable (${registration.reason}); apt-get install -y libdnnl-dev libopenblas-dev && npm run build:native`;

/** Runs `f` in a tidy on `backend` and reads every output tensor back. */
export async function runOn(backend: string, f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = f();
    return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
  });
}

/** `f` on cpu (the reference) and on native. */
export async function cpuAndNative(f: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; native: Float32Array[] }> {
  return { cpu: await runOn('cpu', f), native: await runOn('native', f) };
}
