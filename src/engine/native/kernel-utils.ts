/** Helpers shared by the native kernels: reading inputs, making outputs, falling back to cpu. */
import { getKernel, util, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/** The arguments every kernel function receives, with the backend typed. */
export interface KernelArgs<I extends string = string> {
  inputs: Partial<Record<I, TensorInfo>>;
  backend: MathBackendCPU;
  attrs?: NamedAttrMap;
}

/** A kernel function of the native backend. */
export type NativeKernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

/**
 * The Float32Array behind a float32 tensor on the cpu backend, or null (other dtype, complex, not
 * yet written). A float32 tensor cast from bool or int32 keeps its source's array (the cpu
 * backend's Cast shares the data when no precision is lost): it is read as a new Float32Array,
 * not left to the cpu kernels (whose broadcasting goes element by element, 100 times slower).
 */
export function f32(backend: MathBackendCPU, t: TensorInfo | undefined): Float32Array | null {
  if (t === undefined || t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId).values;
  if (values instanceof Float32Array) return values;
  return values instanceof Uint8Array || values instanceof Int32Array ? Float32Array.from(values) : null;
}

/** A float32 output tensor over `values`. */
export function output(backend: MathBackendCPU, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

/**
 * A float32 output whose values are computed on first read (by a kernel, dataSync, data...), or
 * never if the tensor is disposed unread. For gradient kernels whose result tfjs may throw away:
 * the gradient of a fused op (FusedConv2D, _FusedMatMul) is a custom gradient that computes the
 * gradient of every input, including the batch input of the first layer, which is not trained and
 * which tfjs then discards (for the reference MLP, a quarter of the step's arithmetic).
 *
 * `compute` must only read arrays that no one writes in place: tfjs's cpu kernels and jointly's
 * native ones always write new arrays, so the inputs read at kernel time keep their values.
 */
export function lazyOutput(backend: MathBackendCPU, shape: number[], compute: () => Float32Array): TensorInfo {
  const info = backend.makeTensorInfo(shape, 'float32', EMPTY);
  const entry = backend.data.get(info.dataId) as { values: unknown };
  let values: Float32Array | undefined;
  Object.defineProperty(entry, 'values', {
    configurable: true,
    enumerable: true,
    get: () => (values ??= compute()),
    // The cpu backend may replace the values of a tensor it owns: then they are plain values again.
    set: (v: unknown) => Object.defineProperty(entry, 'values', { value: v, writable: true, configurable: true, enumerable: true }),
  });
  return info;
}
const EMPTY = new Float32Array(0);

/** Element count of a shape. */
export function size(shape: readonly number[]): number {
  return util.sizeFromShape(shape as number[]);
}

/** The input, or an error naming the kernel and the missing input. */
export function input(args: KernelArgs, name: string, kernel: string): TensorInfo {
  const t = args.inputs[name];
  if (t === undefined) throw new Error(`${kernel} (native): input '${name}' is missing`);
  return t;
}

/** The float32 values of input `name` (with `length` of them, when given), or an error naming the kernel. */
export function f32Input(args: KernelArgs, name: string, kernel: string, length?: number): Float32Array {
  const v = f32(args.backend, input(args, name, kernel));
  if (v === null) throw new Error(`${kernel} (native): input '${name}' must be float32`);
  if (length !== undefined && v.length !== length) throw new Error(`${kernel} (native): input '${name}' has ${v.length} values, expected ${length}`);
  return v;
}

/** The cpu backend's kernel function for `kernelName` (the native backend extends the cpu backend). */
export function cpuKernel(kernelName: string): NativeKernelFunc {
  const config: KernelConfig | undefined = getKernel(kernelName, 'cpu');
  if (config === undefined) throw new Error(`native backend: the cpu backend has no ${kernelName} kernel`);
  return config.kernelFunc as unknown as NativeKernelFunc;
}

/**
 * A native kernel that hands its arguments to the cpu kernel of the same name whenever `native`
 * returns null (a dtype, layout or attribute it does not handle).
 */
export function withCpuFallback(kernelName: string, native: (args: KernelArgs) => TensorInfo | TensorInfo[] | null): NativeKernelFunc {
  let cpu: NativeKernelFunc | undefined;
  return (args) => {
    const result = native(args);
    if (result !== null) return result;
    cpu ??= cpuKernel(kernelName);
    return cpu(args);
  };
}
