/**
 * Window functions for short-time Fourier transforms. `hann` and `hamming` are periodic by
 * default (the DFT-even form, w[n] = 0.5 − 0.5·cos(2πn/N) for Hann, as scipy.signal.get_window,
 * librosa and torch.hann_window(periodic=True) use for spectra); the symmetric form divides by
 * N − 1 instead (numpy.hanning). `rect` is all ones. Pure functions, no tfjs.
 */

export const WINDOWS = ['hann', 'hamming', 'rect'] as const;
export type WindowName = (typeof WINDOWS)[number];

/** The window of `length` points; `periodic` (default true) as for spectral analysis, else symmetric. */
export function makeWindow(name: WindowName, length: number, periodic = true): Float64Array {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`a window needs a positive integer length, got ${length}`);
  const out = new Float64Array(length);
  if (name === 'rect') return out.fill(1);
  // A symmetric window of length 1 is [1] (numpy.hanning(1)); the periodic one divides by N.
  const denom = periodic ? length : length - 1;
  if (denom === 0) return out.fill(1);
  const [a0, a1] = name === 'hann' ? [0.5, 0.5] : [0.54, 0.46];
  for (let i = 0; i < length; i++) out[i] = a0 - a1 * Math.cos((2 * Math.PI * i) / denom);
  return out;
}

/**
 * `window` zero-padded on both sides to `size` points, centred (librosa.util.pad_center, as
 * torch.stft does for a win_length below n_fft): floor((size − length)/2) zeros before.
 */
export function padWindow(window: Float64Array, size: number): Float64Array {
  if (window.length > size) throw new RangeError(`a window of ${window.length} points does not fit in ${size}`);
  const out = new Float64Array(size);
  out.set(window, Math.floor((size - window.length) / 2));
  return out;
}
