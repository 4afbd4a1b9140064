/**
 * Times a training step's matrix products through the addon's `matMul` (OpenBLAS sgemm, with the
 * addon's own threading policy), back to back in step order, for about `seconds`.
 */
import type { NativeAddon } from '../engine/native/addon.js';
import { createRng } from '../engine/random.js';
import { median } from './interleave.js';
import { productFlops, type GemmProduct } from './sgemm-limit.js';

/** The addon function measured (injectable, so the loop can be tested without the addon). */
export type MatMul = NativeAddon['matMul'];

/** What to measure. */
export interface SgemmOptions {
  matMul: MatMul;
  products: readonly GemmProduct[];
  /** Timed seconds (all products together), after the warm-up. */
  seconds: number;
  /** Timed passes over every product, at least; default 5. */
  minPasses?: number;
  /** Untimed passes first; default 3. */
  warmupPasses?: number;
  /** Clock in ms; default performance.now. */
  now?: () => number;
}

/** One product's timing. */
export interface ProductTiming {
  label: string;
  m: number;
  n: number;
  k: number;
  /**
   * Mean time of one call over the timed passes, ms: the limit uses it, as throughput is batch
   * × steps / total time, so that a shared machine slows both alike.
   */
  msMean: number;
  msMedian: number;
  msMin: number;
  /** FLOPs / msMean. */
  gflopsPerSecond: number;
}

/** The timings of every product, in the order of `products`. */
export interface SgemmMeasurement {
  passes: number;
  seconds: number;
  products: ProductTiming[];
}

/** Operand buffers of one product: op(a) is m × k, op(b) is k × n, c is m × n. */
interface Operands {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
}

/** Seeded inputs in [0, 1) (no zeros or denormals to flatter the kernel). */
function operands(p: GemmProduct, seed: number): Operands {
  const rng = createRng(seed);
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.next());
  return { a: fill(p.m * p.k), b: fill(p.k * p.n), c: new Float32Array(p.m * p.n) };
}

/** Runs `products` in order for the warm-up, then for `seconds` (and at least `minPasses`), timing each call. */
export function measureSgemm(opts: SgemmOptions): SgemmMeasurement {
  const now = opts.now ?? ((): number => performance.now());
  const buffers = opts.products.map((p, i) => operands(p, 1000 + i));
  const call = (p: GemmProduct, o: Operands): void => {
    opts.matMul(o.a, o.b, o.c, 1, p.m, p.n, p.k, p.transposeA, p.transposeB, 0, 0, null, 0, 0);
  };
  for (let pass = 0; pass < (opts.warmupPasses ?? 3); pass++) opts.products.forEach((p, i) => call(p, buffers[i]));
  const times: number[][] = opts.products.map(() => []);
  const minPasses = opts.minPasses ?? 5;
  const start = now();
  let passes = 0;
  while (passes < minPasses || now() - start < opts.seconds * 1000) {
    opts.products.forEach((p, i) => {
      const t0 = now();
      call(p, buffers[i]);
      times[i].push(now() - t0);
    });
    passes++;
  }
  const seconds = (now() - start) / 1000;
  return {
    passes,
    seconds,
    products: opts.products.map((p, i) => {
      const mean = times[i].reduce((a, b) => a + b, 0) / times[i].length;
      return { label: p.label, m: p.m, n: p.n, k: p.k, msMean: mean, msMedian: median(times[i]), msMin: Math.min(...times[i]), gflopsPerSecond: productFlops(p) / (mean * 1e6) };
    }),
  };
}
