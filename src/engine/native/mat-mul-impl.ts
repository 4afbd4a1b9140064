/** The shared body of BatchMatMul and _FusedMatMul: OpenBLAS sgemm per batch, bias and activation fused. */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { nativeAddon } from './addon.js';
import { f32, lazyOutput, output, size, type KernelArgs } from './kernel-utils.js';

export interface MatMulOptions {
  transposeA: boolean;
  transposeB: boolean;
  /** Activation code (addon.ts ACTIVATIONS). */
  activation: number;
  alpha: number;
  /** Bias added to every row: one value per output column. */
  bias?: TensorInfo;
  /** Compute on first read (kernel-utils lazyOutput): for BatchMatMul, which computes gradients tfjs may discard. */
  lazy?: boolean;
}

/** a·b with tfjs's BatchMatMul semantics (batch dims broadcast when one side has a single batch); null when not handled. */
export function matMulImpl(args: KernelArgs, a: TensorInfo, b: TensorInfo, opts: MatMulOptions): TensorInfo | null {
  const { backend } = args;
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (av === null || bv === null || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = opts.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = opts.transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = opts.transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = opts.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return null; // the cpu kernel throws tfjs's own error message
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  const batchShape = backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = size(batchShape);
  if (batch !== Math.max(batchA, batchB)) return null;
  let biasValues: Float32Array | null = null;
  if (opts.bias !== undefined) {
    biasValues = f32(backend, opts.bias);
    if (biasValues === null || biasValues.length !== n || opts.bias.shape[opts.bias.shape.length - 1] !== n) return null;
  }
  const compute = (): Float32Array => {
    const out = new Float32Array(batch * m * n);
    nativeAddon().matMul(
      av, bv, out, batch, m, n, k, opts.transposeA, opts.transposeB,
      batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n, biasValues, opts.activation, opts.alpha,
    );
    return out;
  };
  const shape = [...batchShape, m, n];
  return opts.lazy === true ? lazyOutput(backend, shape, compute) : output(backend, shape, compute());
}
