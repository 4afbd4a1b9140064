/**
 * GatherV2 and ScatterNd for the native backend, in TypeScript over the tensors' typed arrays:
 * a copy (gather) or an addition (scatter) of one contiguous row per index. tfjs's cpu kernels go
 * element by element through TensorBuffer, which made an embedding lookup of 12,800 token ids
 * in a [10000, 32] table 1.4 s and its gradient (a scatter-add) 1 s per training step here; these
 * take about a millisecond. Out-of-range indices and other dtypes go to the cpu kernels, which
 * report them.
 */
import { backend_util, GatherV2, ScatterNd, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { withCpuFallback, type KernelArgs } from './kernel-utils.js';

function typed(backend: MathBackendCPU, t: TensorInfo): Float32Array | Int32Array | null {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array || v instanceof Int32Array ? v : null;
}

function indexValues(backend: MathBackendCPU, t: TensorInfo): Int32Array | null {
  if (t.dtype !== 'int32') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Int32Array ? v : null;
}

/** out[o, j, :] = x[o, indices[j], :] for x viewed as [outer, axisSize, inner]; false if an index is out of range. */
export function gatherRows<T extends Float32Array | Int32Array>(x: T, outer: number, axisSize: number, inner: number, indices: Int32Array, out: T): boolean {
  const n = indices.length;
  for (let j = 0; j < n; j++) if (indices[j] < 0 || indices[j] >= axisSize) return false;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < n; j++) {
      const from = (o * axisSize + indices[j]) * inner;
      out.set(x.subarray(from, from + inner), (o * n + j) * inner);
    }
  }
  return true;
}

export const gatherV2Config: KernelConfig = {
  kernelName: GatherV2,
  backendName: 'native',
  kernelFunc: withCpuFallback(GatherV2, (args: KernelArgs) => {
    const { x, indices } = args.inputs;
    if (x === undefined || indices === undefined || Number(args.attrs?.batchDims ?? 0) !== 0) return null;
    const values = typed(args.backend, x);
    const ids = indexValues(args.backend, indices);
    if (values === null || ids === null) return null;
    const axis = util.parseAxisParam(Number(args.attrs?.axis ?? 0), x.shape)[0];
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const out = x.dtype === 'float32' ? new Float32Array(util.sizeFromShape(shape)) : new Int32Array(util.sizeFromShape(shape));
    if (!gatherRows(values, outer, x.shape[axis], inner, ids, out)) return null;
    return args.backend.makeTensorInfo(shape, x.dtype, out);
  }) as unknown as KernelFunc,
};

/** out (zeros, `shape`) += each update at its index tuple (the last axis of `indices`); false if an index is out of range. */
export function scatterAdd<T extends Float32Array | Int32Array>(indices: Int32Array, depth: number, updates: T, shape: readonly number[], out: T): boolean {
  const slice = shape.slice(depth).reduce((a, b) => a * b, 1);
  const strides = new Array<number>(depth);
  let stride = 1;
  for (let d = depth - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d];
  }
  const count = indices.length / depth;
  for (let u = 0; u < count; u++) {
    let flat = 0;
    for (let d = 0; d < depth; d++) {
      const i = indices[u * depth + d];
      if (i < 0 || i >= shape[d]) return false;
      flat += i * strides[d];
    }
    const at = flat * slice;
    const from = u * slice;
    for (let k = 0; k < slice; k++) out[at + k] += updates[from + k];
  }
  return true;
}

export const scatterNdConfig: KernelConfig = {
  kernelName: ScatterNd,
  backendName: 'native',
  kernelFunc: withCpuFallback(ScatterNd, (args: KernelArgs) => {
    const { indices, updates } = args.inputs;
    if (indices === undefined || updates === undefined) return null;
    const ids = indexValues(args.backend, indices);
    const values = typed(args.backend, updates);
    if (ids === null || values === null) return null;
    const shape = args.attrs?.shape as number[];
    const depth = indices.shape.length > 1 ? indices.shape[indices.shape.length - 1] : 1;
    backend_util.calculateShapes(updates as never, indices as never, shape);
    const out = updates.dtype === 'float32' ? new Float32Array(util.sizeFromShape(shape)) : new Int32Array(util.sizeFromShape(shape));
    if (!scatterAdd(ids, depth, values, shape, out)) return null;
    return args.backend.makeTensorInfo(shape, updates.dtype, out);
  }) as unknown as KernelFunc,
};
