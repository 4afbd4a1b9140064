/**
 * `Conv2DBackpropFilter` for the tfjs `wasm` backend, which does not ship one (so conv2d layers
 * cannot train on wasm without it).
 *
 * The filter gradient is a matrix product: with `cols` the im2col matrix of the input
 * (one row per output position (b, oh, ow), one column per filter tap (kh, kw, c)),
 * `dW[K, outC] = cols^T[K, rows] @ dy[rows, outC]`, and `[K, outC]` is already the memory
 * layout of the `[kH, kW, inC, outC]` filter.
 *
 * How it is computed, and why:
 * - im2col is done in JS, written directly into a buffer on the wasm heap, already transposed
 *   (`colsT[K, rows]`). The wasm `BatchMatMul` only reaches XNNPACK when neither operand is
 *   transposed and both batch dims are 1; with `transposeA` it falls back to a naive C++ loop.
 * - `colsT @ dyCopy` then runs through the backend's own `BatchMatMul` kernel (XNNPACK
 *   fully-connected). `dy` is copied into a fresh heap buffer first: that kernel treats its
 *   `b` operand as weights and caches the packed operator keyed by the data id only (not the
 *   shape), until that id is disposed. A private buffer that is disposed straight after the
 *   call never leaves a stale cache entry behind and can never hit one.
 * - Large inputs are processed in chunks of whole batch items so the temporary im2col buffer
 *   stays under ~16 MB (wasm memory never shrinks once grown); partial products are summed.
 *
 * Timing (x [64,14,14,16], dy [64,14,14,32], filter 3x3x16x32, stride 1, 'same'; Node 20,
 * wasm SIMD, 1 thread, on a shared 2-core machine, so figures vary by ~30%):
 * - this kernel (JS im2col + XNNPACK BatchMatMul):              14-22 ms per call
 *     (im2col ~9 ms, matmul including packing dy ~11 ms)
 * - same, but `cols[rows, K]` with `transposeA` (naive C++ path): ~140 ms
 * - JS loop (rows outer, output channels innermost):             ~235-295 ms
 * - tfjs cpu backend's own kernel:                               ~14 s
 * The last test of conv2d-backprop-filter.test.ts re-measures the first and the JS loop and
 * prints them as a diagnostic:
 *   npx tsc -p tsconfig.build.json && node --test dist/engine/wasm-kernels/
 */
import {
  backend_util,
  BatchMatMul,
  Conv2DBackpropFilter,
  getKernel,
  util,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Upper bound (in floats) of the temporary im2col buffer; bigger inputs are chunked by batch. */
const MAX_COLS_FLOATS = 4 * 1024 * 1024;

/** Geometry of one call, flattened to plain numbers for the hot loops. */
interface Geometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  /** Element strides of x for batch, row, column and channel (NHWC or NCHW). */
  xB: number;
  xR: number;
  xC: number;
  xCh: number;
  channelsLast: boolean;
}

type NumericArray = Float32Array | Int32Array | Uint8Array;

/**
 * Writes the transposed im2col matrix of batch items [b0, b1) into `out`:
 * `out[k * rows + r]` with k = (kh * kW + kw) * inC + c and r the output position within the
 * chunk. Every element is written (padding taps as 0): heap memory from malloc is not zeroed.
 */
function im2colTransposed(out: Float32Array, xv: NumericArray, g: Geometry, b0: number, b1: number): void {
  const rows = (b1 - b0) * g.outH * g.outW;
  const { outH, outW, strideH, strideW, padTop, padLeft, inH, inW } = g;
  const colStep = strideW * g.xC;
  for (let kh = 0; kh < g.kH; kh++) {
    // Output rows whose input row oh*strideH - padTop + kh lies inside [0, inH).
    const ohMin = Math.min(outH, Math.max(0, Math.ceil((padTop - kh) / strideH)));
    const ohMax = Math.max(ohMin, Math.min(outH, Math.floor((inH - 1 + padTop - kh) / strideH) + 1));
    for (let kw = 0; kw < g.kW; kw++) {
      const owMin = Math.min(outW, Math.max(0, Math.ceil((padLeft - kw) / strideW)));
      const owMax = Math.max(owMin, Math.min(outW, Math.floor((inW - 1 + padLeft - kw) / strideW) + 1));
      const xColStart = (owMin * strideW - padLeft + kw) * g.xC;
      for (let c = 0; c < g.inC; c++) {
        const k = (kh * g.kW + kw) * g.inC + c;
        let o = k * rows;
        for (let b = b0; b < b1; b++) {
          const xBase = b * g.xB + c * g.xCh + xColStart;
          if (ohMin > 0) {
            out.fill(0, o, o + ohMin * outW);
            o += ohMin * outW;
          }
          for (let oh = ohMin; oh < ohMax; oh++) {
            for (let ow = 0; ow < owMin; ow++) out[o++] = 0;
            let xi = xBase + (oh * strideH - padTop + kh) * g.xR;
            for (let ow = owMin; ow < owMax; ow++, xi += colStep) out[o++] = xv[xi];
            for (let ow = owMax; ow < outW; ow++) out[o++] = 0;
          }
          if (ohMax < outH) {
            const n = (outH - ohMax) * outW;
            out.fill(0, o, o + n);
            o += n;
          }
        }
      }
    }
  }
}

/** Copies dy for batch items [b0, b1) into `out` as a row-major [rows, outC] matrix. */
function copyDy(out: Float32Array, dyv: NumericArray, g: Geometry, b0: number, b1: number): void {
  const outHW = g.outH * g.outW;
  if (g.channelsLast) {
    out.set(dyv.subarray(b0 * outHW * g.outC, b1 * outHW * g.outC));
    return;
  }
  // NCHW: dy[b][oc][p] -> out[(b - b0) * outHW + p][oc].
  const outC = g.outC;
  for (let b = b0; b < b1; b++) {
    const rowBase = (b - b0) * outHW;
    for (let oc = 0; oc < outC; oc++) {
      const src = (b * outC + oc) * outHW;
      for (let p = 0; p < outHW; p++) out[(rowBase + p) * outC + oc] = dyv[src + p];
    }
  }
}

function conv2DBackpropFilterWasm(args: {
  inputs: Conv2DBackpropFilterInputs;
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (x === undefined || dy === undefined) {
    throw new Error('Conv2DBackpropFilter (wasm): inputs x and dy are required.');
  }
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') {
    throw new Error(`Conv2DBackpropFilter (wasm): unsupported dataFormat '${String(dataFormat)}' (expected 'NHWC' or 'NCHW').`);
  }
  if (x.shape.length !== 4 || dy.shape.length !== 4) {
    throw new Error(`Conv2DBackpropFilter (wasm): x and dy must be rank 4, got [${x.shape}] and [${dy.shape}].`);
  }
  const convInfo = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1 /* dilations: as tfjs's own conv2d gradient */,
    pad,
    dimRoundingMode,
    false /* depthwise */,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const channelsLast = convInfo.dataFormat === 'channelsLast';
  const expectedDy = channelsLast
    ? [convInfo.batchSize, convInfo.outHeight, convInfo.outWidth, convInfo.outChannels]
    : [convInfo.batchSize, convInfo.outChannels, convInfo.outHeight, convInfo.outWidth];
  util.assert(
    util.arraysEqual(dy.shape, expectedDy),
    () => `Conv2DBackpropFilter (wasm): dy shape [${dy.shape}] does not match the expected [${expectedDy}].`,
  );

  const { inHeight, inWidth, inChannels } = convInfo;
  const g: Geometry = {
    batch: convInfo.batchSize,
    inH: inHeight,
    inW: inWidth,
    inC: inChannels,
    outH: convInfo.outHeight,
    outW: convInfo.outWidth,
    outC: convInfo.outChannels,
    kH: convInfo.filterHeight,
    kW: convInfo.filterWidth,
    strideH: convInfo.strideHeight,
    strideW: convInfo.strideWidth,
    padTop: convInfo.padInfo.top,
    padLeft: convInfo.padInfo.left,
    xB: inHeight * inWidth * inChannels,
    xR: channelsLast ? inWidth * inChannels : inWidth,
    xC: channelsLast ? inChannels : 1,
    xCh: channelsLast ? 1 : inHeight * inWidth,
    channelsLast,
  };
  const outFilterShape = [g.kH, g.kW, g.inC, g.outC];
  const K = g.kH * g.kW * g.inC;
  const outHW = g.outH * g.outW;
  const filterSize = K * g.outC;

  if (g.batch * outHW === 0 || filterSize === 0) {
    return backend.makeOutput(outFilterShape, 'float32', undefined, new Float32Array(filterSize));
  }

  const matMul = getKernel(BatchMatMul, 'wasm');
  if (matMul === undefined) {
    throw new Error('Conv2DBackpropFilter (wasm): the wasm BatchMatMul kernel is not registered.');
  }

  const perItem = K * outHW;
  const chunkBatch = Math.max(1, Math.min(g.batch, Math.floor(MAX_COLS_FLOATS / perItem)));
  let acc: Float32Array | null = null;
  for (let b0 = 0; b0 < g.batch; b0 += chunkBatch) {
    const b1 = Math.min(g.batch, b0 + chunkBatch);
    const rows = (b1 - b0) * outHW;
    // Allocate first, then take heap views: any allocation may grow (and detach) the heap.
    const colsT = backend.makeOutput([1, K, rows], 'float32');
    const dyCopy = backend.makeOutput([1, rows, g.outC], 'float32');
    let product: TensorInfo | undefined;
    try {
      im2colTransposed(backend.typedArrayFromHeap(colsT) as Float32Array, backend.typedArrayFromHeap(x), g, b0, b1);
      copyDy(backend.typedArrayFromHeap(dyCopy) as Float32Array, backend.typedArrayFromHeap(dy), g, b0, b1);
      product = matMul.kernelFunc({
        inputs: { a: colsT, b: dyCopy },
        backend,
        attrs: { transposeA: false, transposeB: false },
      }) as TensorInfo;
    } finally {
      backend.disposeData(colsT.dataId);
      backend.disposeData(dyCopy.dataId);
    }
    if (b0 === 0 && b1 === g.batch) {
      // Single chunk: [1, K, outC] already has the filter's memory layout.
      return { dataId: product.dataId, shape: outFilterShape, dtype: 'float32' };
    }
    const part = backend.typedArrayFromHeap(product) as Float32Array;
    if (acc === null) {
      acc = part.slice();
    } else {
      for (let i = 0; i < filterSize; i++) acc[i] += part[i];
    }
    backend.disposeData(product.dataId);
  }
  return backend.makeOutput(outFilterShape, 'float32', undefined, acc ?? new Float32Array(filterSize));
}

/** Kernel config for `Conv2DBackpropFilter` on the `wasm` backend (register with `registerKernel`). */
export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  // The registry types kernels with `backend: {}`; this one is only ever run by BackendWasm.
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
