/**
 * The native addon (native/*.cc, built by scripts/build-native.mjs): its TypeScript interface and
 * loading it. The addon computes directly on the cpu backend's Float32Arrays (no copies); outputs
 * are allocated here in JS and filled in place.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** Activation codes shared with native/common.h. */
export const ACTIVATIONS: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2, elu: 3, sigmoid: 4, leakyrelu: 5 };

/** Unary op codes shared with native/elementwise.cc. */
export const UNARY = {
  exp: 0,
  log: 1,
  sqrt: 2,
  square: 3,
  neg: 4,
  abs: 5,
  step: 6,
  rsqrt: 7,
  reciprocal: 8,
  elu: 9,
  relu: 10,
  relu6: 11,
  sigmoid: 12,
  tanh: 13,
  leakyRelu: 14,
} as const;

/** Binary op codes shared with native/elementwise.cc. */
export const BINARY = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, squaredDifference: 6 } as const;

/** Reduction codes shared with native/reduce.cc. */
export const REDUCE = { sum: 0, mean: 1, max: 2, min: 3 } as const;

/** [n, h, w, c, o, kh, kw, oh, ow, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight] */
export type ConvGeometry = readonly number[];
/** [n, h, w, c, oh, ow, kh, kw, strideH, strideW, padTop, padLeft] */
export type PoolGeometry = readonly number[];

/** What native/addon.cc exports. Every output array is preallocated by the caller. */
export interface NativeAddon {
  setThreads(n: number): void;
  getThreads(): number;
  buildInfo(): { onednn: string; openblas: string; openblasCore: string; threads: number; openblasThreads: number };
  /** The sgemm library of every later matMul. */
  setGemm(name: GemmLibrary): void;
  getGemm(): GemmLibrary;
  matMul(
    a: Float32Array, b: Float32Array, c: Float32Array, batch: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean, aBatchStride: number, bBatchStride: number,
    bias: Float32Array | null, activation: number, alpha: number,
  ): void;
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, g: ConvGeometry, activation: number, alpha: number): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, g: ConvGeometry): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, g: ConvGeometry): void;
  convImplementations(g: ConvGeometry): { forward: string; backwardData: string; backwardWeights: string };
  maxPool(x: Float32Array, y: Float32Array, g: PoolGeometry): void;
  avgPool(x: Float32Array, y: Float32Array, g: PoolGeometry): void;
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, g: PoolGeometry): void;
  avgPoolGrad(dy: Float32Array, dx: Float32Array, g: PoolGeometry): void;
  unary(op: number, x: Float32Array, y: Float32Array, alpha: number): void;
  eluGrad(dy: Float32Array, y: Float32Array, dx: Float32Array): void;
  binary(op: number, a: Float32Array, b: Float32Array, y: Float32Array, outShape: number[], aStrides: number[], bStrides: number[]): void;
  softmax(x: Float32Array, y: Float32Array, rows: number, cols: number): void;
  reduce(op: number, x: Float32Array, y: Float32Array, outer: number, reduce: number, inner: number): void;
  adam(
    w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, outW: Float32Array, outM: Float32Array, outV: Float32Array,
    lr: number, beta1: number, beta2: number, epsilon: number, oneMinusAccBeta1: number, oneMinusAccBeta2: number,
  ): void;
  momentum(w: Float32Array, acc: Float32Array, g: Float32Array, outW: Float32Array, outAcc: Float32Array, lr: number, momentum: number, nesterov: boolean): void;
  /** Max pooling that records the flat index into x of each window's first maximum (-1: empty window). */
  maxPoolArgmax(x: Float32Array, y: Float32Array, argmax: Int32Array, g: PoolGeometry): void;
  /** dx = 0, then dx[argmax[i]] += dy[i]. */
  maxPoolArgmaxGrad(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void;
  /** dx = dy * f'(x) from the activation's output y (codes of {@link ACTIVATIONS}, 7 = selu); dx may be dy. */
  activationGrad(activation: number, dy: Float32Array, y: Float32Array, dx: Float32Array, alpha: number): void;
  /** tfjs's selu; y may be x. */
  selu(x: Float32Array, y: Float32Array): void;
  /** out[j] = sum over rows of x[r, j]. */
  columnSums(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** out = a * b elementwise (equal lengths); out may be a or b. */
  multiply(a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out += x. */
  addInto(x: Float32Array, out: Float32Array): void;
  /** w = g * -lr + w in place (tfjs's SGD arithmetic). */
  sgd(w: Float32Array, g: Float32Array, lr: number): void;
  /** Batch normalization over the last axis with batch statistics (biased variance), saving xhat and 1/std for the gradient. */
  batchNormTrain(
    x: Float32Array, gamma: Float32Array | null, beta: Float32Array | null, y: Float32Array, xhat: Float32Array,
    mean: Float32Array, variance: Float32Array, invStd: Float32Array, rows: number, channels: number, epsilon: number,
  ): void;
  /** The gradient of batchNormTrain through the batch statistics; dgamma and dbeta may be null. */
  batchNormGrad(
    dy: Float32Array, xhat: Float32Array, gamma: Float32Array | null, invStd: Float32Array, dx: Float32Array,
    dgamma: Float32Array | null, dbeta: Float32Array | null, rows: number, channels: number,
  ): void;
  /** loss[r] = −Σⱼ labels[r,j]·logSoftmax(logits)[r,j], or (mean) loss[0] = their mean over the rows. */
  softmaxCrossEntropy(logits: Float32Array, labels: Float32Array, loss: Float32Array, rows: number, cols: number, mean: boolean): void;
  /** dLogits[r,j] = g·(softmax[r,j]·Σₖ labels[r,k] − labels[r,j]), g = dy[r] (or dy[0]/rows for the mean). */
  softmaxCrossEntropyGrad(
    logits: Float32Array, labels: Float32Array, dy: Float32Array, dLogits: Float32Array, rows: number, cols: number, mean: boolean,
  ): void;
  /** native/aggregate.cc: out = Σ wₖ·vₖ / total (weight 0 skipped), float64 in client order. */
  aggregateWeightedMean(vectors: readonly Float32Array[], weights: Float64Array, total: number, out: Float32Array): void;
  /** sum += Σ wₖ·(vₖ − global) (weight 0 skipped), float64 in client order. */
  aggregateWeightedUpdateSum(global: Float32Array, vectors: readonly Float32Array[], weights: Float64Array, sum: Float64Array): void;
  /** out = the per-coordinate median. */
  aggregateCoordinateMedian(vectors: readonly Float32Array[], out: Float32Array): void;
  /** out = the per-coordinate mean after cutting `cut` ≥ 1 values from each end. */
  aggregateTrimmedMean(vectors: readonly Float32Array[], cut: number, out: Float32Array): void;
  /** out[i·n + j] = ||vᵢ − vⱼ||² (n·n float64 values). */
  aggregatePairwiseSquaredDistances(vectors: readonly Float32Array[], out: Float64Array): void;
  /** A streaming read of a `bytes` buffer on `threads` threads for about `seconds`: GB/s (1e9 bytes) of the fastest pass. */
  memoryBandwidth(bytes: number, seconds: number, threads: number): number;
}

/**
 * Every function of {@link NativeAddon} (the compiler keeps this complete): an addon built from
 * older sources lacks some, and is then refused with the fix instead of failing mid-training.
 */
const ADDON_FUNCTIONS: Readonly<Record<keyof NativeAddon, true>> = {
  setThreads: true, getThreads: true, buildInfo: true, setGemm: true, getGemm: true, matMul: true,
  conv2d: true, conv2dBackpropInput: true, conv2dBackpropFilter: true, convImplementations: true,
  maxPool: true, avgPool: true, maxPoolGrad: true, avgPoolGrad: true, unary: true, eluGrad: true,
  binary: true, softmax: true, reduce: true, adam: true, momentum: true, maxPoolArgmax: true,
  maxPoolArgmaxGrad: true, activationGrad: true, selu: true, columnSums: true, multiply: true, addInto: true,
  sgd: true, batchNormTrain: true, batchNormGrad: true, softmaxCrossEntropy: true,
  softmaxCrossEntropyGrad: true, aggregateWeightedMean: true, aggregateWeightedUpdateSum: true,
  aggregateCoordinateMedian: true, aggregateTrimmedMean: true, aggregatePairwiseSquaredDistances: true,
  memoryBandwidth: true,
};

/** The first function of {@link NativeAddon} that `addon` lacks, or undefined. */
export function missingAddonFunction(addon: object): string | undefined {
  return Object.keys(ADDON_FUNCTIONS).find((name) => typeof (addon as Record<string, unknown>)[name] !== 'function');
}

/** The one-line fix printed wherever the native backend is unavailable. */
export const NATIVE_FIX = 'apt-get install -y libdnnl-dev libopenblas-dev, then npm run build:native';

/** Where scripts/build-native.mjs puts the addon (dist/engine/native/ -> package root). */
export const ADDON_PATH = fileURLToPath(new URL('../../../native/build/Release/jointly_native.node', import.meta.url));

/** Why the addon cannot be used, and the fix for that cause. */
export interface NativeUnavailable {
  reason: string;
  fix: string;
}

let loaded: { addon: NativeAddon } | NativeUnavailable | undefined;

/**
 * Threads for the native kernels: JOINTLY_THREADS when set to a positive integer, else every
 * core (os.availableParallelism()).
 */
export function configuredThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.JOINTLY_THREADS;
  const n = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : os.availableParallelism();
}

/** The libraries the addon's matrix products can run on. */
export const GEMM_LIBRARIES = ['onednn', 'openblas'] as const;
export type GemmLibrary = (typeof GEMM_LIBRARIES)[number];

/** How a library is named in messages and tables: oneDNN, OpenBLAS. */
export function gemmLibraryName(gemm: GemmLibrary): string {
  return gemm === 'onednn' ? 'oneDNN' : 'OpenBLAS';
}

/**
 * The sgemm library for the addon's matrix products: JOINTLY_GEMM, `onednn` by default (its
 * kernels are generated for the CPU at hand: measured on an AVX-512 core, twice OpenBLAS's speed
 * on the MLP's products with OPENBLAS_CORETYPE=Haswell), or `openblas`. Any other value is an
 * error that names the choices.
 */
export function configuredGemm(env: NodeJS.ProcessEnv = process.env): { gemm: GemmLibrary } | NativeUnavailable {
  const raw = env.JOINTLY_GEMM;
  if (raw === undefined || raw === '') return { gemm: 'onednn' };
  const gemm = GEMM_LIBRARIES.find((g) => g === raw);
  return gemm !== undefined ? { gemm } : { reason: `JOINTLY_GEMM is '${raw}'`, fix: `set JOINTLY_GEMM to ${GEMM_LIBRARIES.join(' or ')}, or unset it` };
}

/**
 * The OpenBLAS kernel family for this CPU, from /proc/cpuinfo's flags: Debian's OpenBLAS 0.3.21
 * (DYNAMIC_ARCH) does not recognize recent Xeons and falls back to its generic "Prescott" kernels,
 * about 8x slower on sgemm (measured here: 8 vs 60-100 GFLOP/s on one core for 128x784x256).
 * Undefined when the flags are unknown (OpenBLAS then detects the CPU itself).
 */
export function openblasCoreType(cpuinfo: string): string | undefined {
  const flagsLine = cpuinfo.split('\n').find((l) => l.startsWith('flags'));
  if (flagsLine === undefined) return undefined;
  const flags = new Set(flagsLine.split(':')[1]?.trim().split(/\s+/) ?? []);
  if (['avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512cd'].every((f) => flags.has(f))) return 'SkylakeX';
  if (['avx2', 'fma'].every((f) => flags.has(f))) return 'Haswell';
  return undefined;
}

function setOpenblasCoreType(): void {
  if (process.env.OPENBLAS_CORETYPE !== undefined) return; // the user's choice wins
  try {
    const core = openblasCoreType(readFileSync('/proc/cpuinfo', 'utf8'));
    if (core !== undefined) process.env.OPENBLAS_CORETYPE = core;
  } catch {
    // No /proc/cpuinfo (not Linux): OpenBLAS detects the CPU itself.
  }
}

/**
 * Loads the addon once; resolves to it, or to why it cannot be used. JOINTLY_NATIVE=0 disables it
 * (as if it were not built), e.g. to test the fallback.
 */
export function loadNativeAddon(): { addon: NativeAddon } | NativeUnavailable {
  if (loaded !== undefined) return loaded;
  if (process.env.JOINTLY_NATIVE === '0') {
    loaded = { reason: 'it is disabled by JOINTLY_NATIVE=0', fix: NATIVE_FIX };
  } else if (!existsSync(ADDON_PATH)) {
    loaded = { reason: 'the native addon is not built', fix: NATIVE_FIX };
  } else {
    const gemm = configuredGemm();
    if ('reason' in gemm) {
      loaded = gemm;
      return loaded;
    }
    try {
      // OpenMP threads sleep as soon as a parallel region ends, instead of spinning: spinning
      // threads steal the core from OpenBLAS's own threads and from any other process. Measured on
      // a 2-core VM at JOINTLY_THREADS=2 with one busy process beside it, the MLP's step ran at
      // 21,093 samples/s with libgomp's default spin and 69,823 with PASSIVE (idle, spinning was
      // faster: about 120,000 against 94,000); the small kernels that lose most to a wake-up run
      // on one thread instead (native/common.h). Set before libgomp loads with the addon; the
      // user's setting wins (OMP_WAIT_POLICY=ACTIVE for a machine of its own).
      process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
      // Read by OpenBLAS when the addon loads it.
      setOpenblasCoreType();
      const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
      const missing = missingAddonFunction(addon);
      if (missing !== undefined) {
        loaded = { reason: `the native addon was built from older sources (it has no ${missing})`, fix: 'npm run build:native' };
        return loaded;
      }
      addon.setThreads(configuredThreads());
      addon.setGemm(gemm.gemm);
      loaded = { addon };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      loaded = { reason: `the native addon failed to load: ${message.split('\n')[0]}`, fix: NATIVE_FIX };
    }
  }
  return loaded;
}

/** The loaded addon; throws when it is not loaded (kernels only run after a successful load). */
export function nativeAddon(): NativeAddon {
  const l = loadNativeAddon();
  if (!('addon' in l)) throw new Error(`native backend: ${l.reason}`);
  return l.addon;
}
