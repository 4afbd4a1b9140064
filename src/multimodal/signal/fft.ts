/**
 * A real-input fast Fourier transform: iterative radix-2 Cooley-Tukey (decimation in time) on
 * n = 2^k points, with the twiddle factors and the bit-reversal permutation computed once per
 * size. It returns the n/2 + 1 non-negative-frequency bins X[k] = Σ_t x[t]·e^(−2πi·k·t/n), the
 * same convention and scale as numpy.fft.rfft (no normalization). Pure functions, no tfjs.
 */

/** Whether n is a positive power of two. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** A transform plan for one size. */
export interface RealFft {
  /** Transform size (a power of two). */
  readonly size: number;
  /** Number of output bins, size/2 + 1. */
  readonly bins: number;
  /**
   * Transforms the first `size` values of `input` into `re` and `im` (each at least `bins`
   * long). A plan holds scratch space: do not share one between concurrent callers.
   */
  forward(input: ArrayLike<number>, re: Float64Array, im: Float64Array): void;
}

/** Plans an FFT of `size` points; throws a RangeError when size is not a power of two. */
export function createRealFft(size: number): RealFft {
  if (!isPowerOfTwo(size)) throw new RangeError(`an FFT size must be a power of two, got ${size}`);
  const n = size;
  const bits = Math.round(Math.log2(n));
  const reverse = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
    reverse[i] = r;
  }
  // cos and sin of −2πj/n for j < n/2
  const half = n >>> 1;
  const cos = new Float64Array(Math.max(half, 1));
  const sin = new Float64Array(Math.max(half, 1));
  for (let j = 0; j < half; j++) {
    cos[j] = Math.cos((2 * Math.PI * j) / n);
    sin[j] = -Math.sin((2 * Math.PI * j) / n);
  }
  const xr = new Float64Array(n);
  const xi = new Float64Array(n);
  const bins = half + 1;
  return {
    size: n,
    bins,
    forward(input, re, im) {
      if (input.length < n) throw new RangeError(`FFT input has ${input.length} values, expected ${n}`);
      for (let i = 0; i < n; i++) {
        xr[reverse[i]] = input[i];
        xi[i] = 0;
      }
      for (let len = 2; len <= n; len <<= 1) {
        const halfLen = len >>> 1;
        const step = n / len;
        for (let start = 0; start < n; start += len) {
          for (let j = 0; j < halfLen; j++) {
            const wr = cos[j * step];
            const wi = sin[j * step];
            const a = start + j;
            const b = a + halfLen;
            const tr = wr * xr[b] - wi * xi[b];
            const ti = wr * xi[b] + wi * xr[b];
            xr[b] = xr[a] - tr;
            xi[b] = xi[a] - ti;
            xr[a] += tr;
            xi[a] += ti;
          }
        }
      }
      for (let k = 0; k < bins; k++) {
        re[k] = xr[k];
        im[k] = xi[k];
      }
    },
  };
}
