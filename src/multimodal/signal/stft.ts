/**
 * The short-time Fourier transform of one channel of a signal, as librosa.stft / torch.stft
 * compute it: frames of nFft samples every `hop` samples, each multiplied by the window
 * (winLength points, zero-padded centred to nFft), then a real FFT (fft.ts) giving nFft/2 + 1
 * bins. With `center` the signal is first padded by nFft/2 on both sides, so that frame t is
 * centred on sample t·hop: with zeros (`constant`, librosa ≥ 0.10's default) or by reflection
 * without repeating the edge (`reflect`, numpy's 'reflect' and torch.stft's default).
 *
 * Frames: 1 + floor(steps / hop) with centre padding, 1 + floor((steps − nFft) / hop) without
 * (0 when steps < nFft). Pure functions, no tfjs.
 */
import { createRealFft, isPowerOfTwo } from './fft.js';
import { makeWindow, padWindow, type WindowName } from './window.js';

export const PAD_MODES = ['constant', 'reflect'] as const;
export type PadMode = (typeof PAD_MODES)[number];

/** Options of {@link createStft}: the FFT size, the hop, the window length and kind, centring, and the padding mode. */
export interface StftOptions {
  /** FFT size, a power of two. */
  readonly nFft: number;
  /** Samples between frame starts. */
  readonly hop: number;
  /** Window length, at most nFft. */
  readonly winLength: number;
  readonly window: WindowName;
  /** Pad nFft/2 on both sides so frames are centred on t·hop. */
  readonly center: boolean;
  readonly padMode: PadMode;
}

/** Number of frames of a signal of `steps` samples. */
export function frameCount(steps: number, nFft: number, hop: number, center: boolean): number {
  if (center) return 1 + Math.floor(steps / hop);
  return steps >= nFft ? 1 + Math.floor((steps - nFft) / hop) : 0;
}

/** Index into a signal of `length` samples of padded position i (i may be outside [0, length)). */
function reflectIndex(i: number, length: number): number {
  if (length === 1) return 0;
  const period = 2 * (length - 1);
  const m = ((i % period) + period) % period;
  return m < length ? m : period - m;
}

/** A planned short-time Fourier transform of one channel (from {@link createStft}), with its window and bin count. */
export interface Stft {
  readonly options: StftOptions;
  /** Bins per frame, nFft/2 + 1. */
  readonly bins: number;
  /** The nFft-point window applied to each frame. */
  readonly window: Float64Array;
  /** Frames of a signal of `steps` samples. */
  frames(steps: number): number;
  /**
   * The complex STFT, each [frames·bins] row-major, of the channel whose sample t is
   * `values[offset + t·stride]` for t < steps.
   */
  complex(values: ArrayLike<number>, offset: number, stride: number, steps: number): { re: Float64Array; im: Float64Array };
  /** |X|^power of the same, [frames·bins] (power 2: the power spectrogram, 1: magnitude). */
  spectrogram(values: ArrayLike<number>, offset: number, stride: number, steps: number, power: number): Float64Array;
}

/** Plans an STFT; throws a RangeError for inconsistent options (callers validate them with names first). */
export function createStft(options: StftOptions): Stft {
  const { nFft, hop, winLength, center, padMode } = options;
  if (!isPowerOfTwo(nFft) || nFft < 2) throw new RangeError(`STFT: nFft must be a power of two of at least 2, got ${nFft}`);
  if (!Number.isInteger(hop) || hop < 1) throw new RangeError(`STFT: hop must be a positive integer, got ${hop}`);
  if (!Number.isInteger(winLength) || winLength < 1 || winLength > nFft) throw new RangeError(`STFT: winLength must be in [1, nFft], got ${winLength}`);
  const fft = createRealFft(nFft);
  const window = padWindow(makeWindow(options.window, winLength, true), nFft);
  const bins = fft.bins;
  const frame = new Float64Array(nFft);
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  const pad = center ? nFft >>> 1 : 0;

  /** Runs the FFT of every frame and hands each frame's bins to `sink`. */
  const each = (values: ArrayLike<number>, offset: number, stride: number, steps: number, sink: (t: number) => void): number => {
    const frames = frameCount(steps, nFft, hop, center);
    for (let t = 0; t < frames; t++) {
      const start = t * hop - pad;
      for (let j = 0; j < nFft; j++) {
        let i = start + j;
        if (i < 0 || i >= steps) {
          if (padMode === 'constant') {
            frame[j] = 0;
            continue;
          }
          i = reflectIndex(i, steps);
        }
        frame[j] = values[offset + i * stride] * window[j];
      }
      fft.forward(frame, re, im);
      sink(t);
    }
    return frames;
  };

  return {
    options,
    bins,
    window,
    frames: (steps) => frameCount(steps, nFft, hop, center),
    complex(values, offset, stride, steps) {
      const frames = frameCount(steps, nFft, hop, center);
      const outRe = new Float64Array(frames * bins);
      const outIm = new Float64Array(frames * bins);
      each(values, offset, stride, steps, (t) => {
        outRe.set(re, t * bins);
        outIm.set(im, t * bins);
      });
      return { re: outRe, im: outIm };
    },
    spectrogram(values, offset, stride, steps, power) {
      const out = new Float64Array(frameCount(steps, nFft, hop, center) * bins);
      each(values, offset, stride, steps, (t) => {
        for (let k = 0; k < bins; k++) {
          const p = re[k] * re[k] + im[k] * im[k];
          out[t * bins + k] = power === 2 ? p : Math.pow(p, power / 2);
        }
      });
      return out;
    },
  };
}
