import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, randomValues } from '../../engine/testing.js';
import { createRealFft, isPowerOfTwo } from './fft.js';

/** The O(n²) DFT, X[k] = Σ_t x[t]·e^(−2πi·k·t/n), for k ≤ n/2. */
function naiveDft(x: ArrayLike<number>): { re: number[]; im: number[] } {
  const n = x.length;
  const re: number[] = [];
  const im: number[] = [];
  for (let k = 0; k <= n / 2; k++) {
    let r = 0;
    let i = 0;
    for (let t = 0; t < n; t++) {
      r += x[t] * Math.cos((2 * Math.PI * k * t) / n);
      i -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
    }
    re.push(r);
    im.push(i);
  }
  return { re, im };
}

test('isPowerOfTwo', () => {
  assert.deepEqual([1, 2, 4, 512].map(isPowerOfTwo), [true, true, true, true]);
  assert.deepEqual([0, 3, 6, 400, -4, 2.5].map(isPowerOfTwo), [false, false, false, false, false, false]);
  assert.throws(() => createRealFft(400), RangeError);
});

test('a cosine at bin 2 of an 8-point FFT gives N/2 = 4 at bin 2 and zero elsewhere', () => {
  const n = 8;
  const x = Array.from({ length: n }, (_, t) => Math.cos((2 * Math.PI * 2 * t) / n));
  const fft = createRealFft(n);
  const re = new Float64Array(fft.bins);
  const im = new Float64Array(fft.bins);
  fft.forward(x, re, im);
  assert.equal(fft.bins, 5);
  assertClose(re, [0, 0, 4, 0, 0], 1e-12, 're');
  assertClose(im, [0, 0, 0, 0, 0], 1e-12, 'im');
});

test('by hand: x = [1, 2, 3, 4] → X = [10, −2 + 2i, −2]', () => {
  const fft = createRealFft(4);
  const re = new Float64Array(3);
  const im = new Float64Array(3);
  fft.forward([1, 2, 3, 4], re, im);
  // X[1] = 1 − 2i·... : 1 + 2·(−i) + 3·(−1) + 4·(i) = −2 + 2i; X[2] = 1 − 2 + 3 − 4 = −2
  assertClose(re, [10, -2, -2], 1e-12, 're');
  assertClose(im, [0, 2, 0], 1e-12, 'im');
});

test('matches the naive DFT on random signals of every size up to 256', () => {
  for (let n = 1; n <= 256; n *= 2) {
    const x = randomValues(n, n);
    const fft = createRealFft(n);
    const re = new Float64Array(fft.bins);
    const im = new Float64Array(fft.bins);
    fft.forward(x, re, im);
    const want = naiveDft(x);
    assertClose(re, want.re, 1e-9, `re n=${n}`);
    assertClose(im, want.im, 1e-9, `im n=${n}`);
  }
});
