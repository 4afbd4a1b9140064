/**
 * Log-mel spectrograms of one channel: the STFT (stft.ts) → |X|^power → the mel filterbank
 * (mel.ts) → a logarithm, the front end of most audio classifiers (e.g. librosa's
 * `power_to_db(melspectrogram(...))`, torchaudio's MelSpectrogram followed by a log).
 * `ln`: ln(mel + eps) (eps keeps silence finite); `db`: 10·log10(max(mel, eps)), librosa's
 * power_to_db with ref 1, amin = eps and no top_db clipping. Pure functions, no tfjs.
 */
import { melFilterbank, type MelNorm, type MelScale } from './mel.js';
import { createStft, type StftOptions } from './stft.js';

export const LOG_KINDS = ['ln', 'db'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

/**
 * Options of {@link createLogMel}: the STFT's, plus the sample rate in Hz, the mel bands (count,
 * lowest and highest edge in Hz, scale, normalization), the magnitude exponent, the logarithm and
 * its floor.
 */
export interface LogMelOptions extends StftOptions {
  readonly sampleRate: number;
  readonly nMels: number;
  readonly fMin: number;
  readonly fMax: number;
  readonly melScale: MelScale;
  readonly melNorm: MelNorm;
  /** Exponent of the magnitude: 2 for power, 1 for magnitude. */
  readonly power: number;
  readonly log: LogKind;
  /** Floor inside the logarithm, > 0. */
  readonly eps: number;
}

/** A planned log-mel front end (from {@link createLogMel}): its filterbank, and functions for the frame count and the spectrogram of one channel. */
export interface LogMelExtractor {
  readonly nMels: number;
  /** The filterbank, [nMels, nFft/2 + 1]. */
  readonly filterbank: Float64Array;
  /** Frames of a signal of `steps` samples (the same as the STFT's). */
  frames(steps: number): number;
  /** The log-mel spectrogram [frames·nMels] (frame-major) of the channel `values[offset + t·stride]`, t < steps. */
  compute(values: ArrayLike<number>, offset: number, stride: number, steps: number): Float64Array;
}

/**
 * Plans a log-mel spectrogram extractor: the STFT, the mel filterbank and the logarithm. Throws a
 * RangeError when `eps` is not positive or the STFT options are inconsistent.
 */
export function createLogMel(options: LogMelOptions): LogMelExtractor {
  if (!(options.eps > 0)) throw new RangeError(`log-mel: eps must be positive, got ${options.eps}`);
  const stft = createStft(options);
  const bins = stft.bins;
  const { nMels, log, eps, power } = options;
  const filterbank = melFilterbank({ sampleRate: options.sampleRate, nFft: options.nFft, nMels, fMin: options.fMin, fMax: options.fMax, scale: options.melScale, norm: options.melNorm });
  // Each band's non-zero bins, so the projection skips the zeros.
  const first = new Int32Array(nMels);
  const last = new Int32Array(nMels);
  for (let m = 0; m < nMels; m++) {
    let lo = bins;
    let hi = -1;
    for (let k = 0; k < bins; k++) {
      if (filterbank[m * bins + k] !== 0) {
        lo = Math.min(lo, k);
        hi = k;
      }
    }
    first[m] = lo;
    last[m] = hi;
  }
  return {
    nMels,
    filterbank,
    frames: (steps) => stft.frames(steps),
    compute(values, offset, stride, steps) {
      const spec = stft.spectrogram(values, offset, stride, steps, power);
      const frames = spec.length / bins;
      const out = new Float64Array(frames * nMels);
      for (let t = 0; t < frames; t++) {
        for (let m = 0; m < nMels; m++) {
          let s = 0;
          for (let k = first[m]; k <= last[m]; k++) s += filterbank[m * bins + k] * spec[t * bins + k];
          out[t * nMels + m] = log === 'ln' ? Math.log(s + eps) : 10 * Math.log10(Math.max(s, eps));
        }
      }
      return out;
    },
  };
}
