/**
 * Slice, SplitV and Concat for the native backend, in TypeScript over the tensors' typed arrays:
 * copies of contiguous runs. tfjs's cpu kernels copy element by element through TensorBuffer for
 * a slice that is not contiguous in memory (any slice along the last axis), and SplitV (the
 * gradient of a concatenation) slices that way: a fused multimodal model, whose gradient splits
 * the concatenated embeddings every step, spent more of its step there than in its matrix
 * products. Other dtypes (complex, string) go to the cpu kernels.
 */
import { backend_util, Concat, Slice, slice_util, SplitV, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { withCpuFallback, type KernelArgs } from './kernel-utils.js';

type Values = Float32Array | Int32Array | Uint8Array;

/** The typed array behind a float32, int32 or bool tensor, or null. */
function valuesOf(backend: MathBackendCPU, t: TensorInfo): Values | null {
  if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array ? v : null;
}

function empty(dtype: string, n: number): Values {
  return dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
}

/** Copies the box `begin`/`size` of `x` (shape `shape`) into a new array, one contiguous run of the last axis at a time. */
export function sliceValues<T extends Values>(x: T, shape: readonly number[], begin: readonly number[], size: readonly number[], out: T): T {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0];
    return out;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  const run = size[rank - 1];
  const runs = size.slice(0, rank - 1).reduce((a, b) => a * b, 1);
  const index = new Array<number>(rank - 1).fill(0);
  for (let r = 0; r < runs; r++) {
    let offset = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) offset += (begin[d] + index[d]) * strides[d];
    out.set(x.subarray(offset, offset + run), r * run);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

export const sliceConfig: KernelConfig = {
  kernelName: Slice,
  backendName: 'native',
  kernelFunc: withCpuFallback(Slice, (args: KernelArgs) => {
    const x = args.inputs.x;
    if (x === undefined) return null;
    const values = valuesOf(args.backend, x);
    if (values === null) return null;
    const [begin, size] = slice_util.parseSliceParams(x as never, args.attrs?.begin as number[], args.attrs?.size as number[]);
    slice_util.assertParamsValid(x as never, begin, size);
    const out = sliceValues(values, x.shape, begin, size, empty(x.dtype, util.sizeFromShape(size)));
    return args.backend.makeTensorInfo(size, x.dtype, out);
  }) as unknown as KernelFunc,
};

export const concatConfig: KernelConfig = {
  kernelName: Concat,
  backendName: 'native',
  kernelFunc: withCpuFallback(Concat, (args: KernelArgs) => {
    const inputs = Object.values(args.inputs).filter((t): t is TensorInfo => t !== undefined);
    if (inputs.length === 0) return null;
    const axis = util.parseAxisParam(Number(args.attrs?.axis ?? 0), inputs[0].shape)[0];
    const dtype = inputs[0].dtype;
    backend_util.assertParamsConsistent(inputs.map((t) => t.shape), axis);
    const parts = inputs.filter((t) => util.sizeFromShape(t.shape) > 0);
    const values = parts.map((t) => (t.dtype === dtype ? valuesOf(args.backend, t) : null));
    if (parts.length === 0 || values.some((v) => v === null)) return null;
    const shape = backend_util.computeOutShape(parts.map((t) => t.shape), axis);
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const widths = parts.map((t) => t.shape.slice(axis).reduce((a, b) => a * b, 1));
    const width = widths.reduce((a, b) => a + b, 0);
    const out = empty(dtype, outer * width);
    for (let o = 0; o < outer; o++) {
      let at = o * width;
      parts.forEach((_, p) => {
        const w = widths[p];
        out.set((values[p] as Values).subarray(o * w, (o + 1) * w), at);
        at += w;
      });
    }
    return args.backend.makeTensorInfo(shape, dtype, out);
  }) as unknown as KernelFunc,
};

/**
 * The sizes of the parts of an axis of `length` split into `n` equal parts or into the given
 * sizes, one of which may be -1 (the rest); null when they do not add up (the cpu kernel then
 * reports it). Unlike backend_util.prepareSplitSize, the caller's array is left as it is, and a
 * -1 in first place works.
 */
export function splitSizes(length: number, numOrSizeSplits: number[] | number): number[] | null {
  if (typeof numOrSizeSplits === 'number') return numOrSizeSplits > 0 && length % numOrSizeSplits === 0 ? new Array<number>(numOrSizeSplits).fill(length / numOrSizeSplits) : null;
  const sizes = [...numOrSizeSplits];
  const rest = sizes.indexOf(-1);
  if (sizes.filter((v) => v === -1).length > 1 || sizes.some((v) => v < -1)) return null;
  if (rest >= 0) sizes[rest] = length - sizes.reduce((a, b) => (b >= 0 ? a + b : a), 0);
  return sizes.every((v) => v >= 0) && sizes.reduce((a, b) => a + b, 0) === length ? sizes : null;
}

export const splitVConfig: KernelConfig = {
  kernelName: SplitV,
  backendName: 'native',
  kernelFunc: withCpuFallback(SplitV, (args: KernelArgs) => {
    const x = args.inputs.x;
    if (x === undefined) return null;
    const values = valuesOf(args.backend, x);
    if (values === null) return null;
    const axis = util.parseAxisParam(Number(args.attrs?.axis ?? 0), x.shape)[0];
    const sizes = splitSizes(x.shape[axis], args.attrs?.numOrSizeSplits as number[] | number);
    if (sizes === null) return null;
    const begin = x.shape.map(() => 0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const out = sliceValues(values, x.shape, begin, size, empty(x.dtype, util.sizeFromShape(size)));
      begin[axis] += s;
      return args.backend.makeTensorInfo(size, x.dtype, out);
    });
  }) as unknown as KernelFunc,
};
