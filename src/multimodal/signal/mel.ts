/**
 * Mel scales and the triangular mel filterbank, as librosa.filters.mel computes them.
 *
 * - `slaney` (librosa's default, from Slaney's Auditory Toolbox): linear below 1 kHz with
 *   200/3 Hz per mel (so 1000 Hz = 15 mel), logarithmic above with 27 mels per factor 6.4
 *   (6400 Hz = 42 mel).
 * - `htk` (the HTK book, O'Shaughnessy 1987): mel = 2595·log10(1 + hz/700) (1000 Hz ≈ 999.99 mel).
 *
 * Filterbank: nMels + 2 points equally spaced on the mel scale from fMin to fMax, converted to
 * Hz; filter i is the triangle rising from point i to point i + 1 and falling to point i + 2,
 * evaluated at the FFT bin centre frequencies k·sampleRate/nFft (k = 0 .. nFft/2). With `norm`
 * `slaney` (librosa's default) each triangle is scaled by 2/(f[i+2] − f[i]) so that it has unit
 * area in Hz (constant energy per band); with `none` each triangle peaks at 1 (HTK's, Kaldi's).
 * Pure functions, no tfjs.
 */

export const MEL_SCALES = ['slaney', 'htk'] as const;
export type MelScale = (typeof MEL_SCALES)[number];
export const MEL_NORMS = ['slaney', 'none'] as const;
export type MelNorm = (typeof MEL_NORMS)[number];

const SLANEY_HZ_PER_MEL = 200 / 3;
const SLANEY_MIN_LOG_HZ = 1000;
const SLANEY_MIN_LOG_MEL = SLANEY_MIN_LOG_HZ / SLANEY_HZ_PER_MEL; // 15
const SLANEY_LOG_STEP = Math.log(6.4) / 27;

/** Hz → mel on the given scale. */
export function hzToMel(hz: number, scale: MelScale): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + hz / 700);
  if (hz < SLANEY_MIN_LOG_HZ) return hz / SLANEY_HZ_PER_MEL;
  return SLANEY_MIN_LOG_MEL + Math.log(hz / SLANEY_MIN_LOG_HZ) / SLANEY_LOG_STEP;
}

/** Mel → Hz on the given scale (the inverse of `hzToMel`). */
export function melToHz(mel: number, scale: MelScale): number {
  if (scale === 'htk') return 700 * (10 ** (mel / 2595) - 1);
  if (mel < SLANEY_MIN_LOG_MEL) return mel * SLANEY_HZ_PER_MEL;
  return SLANEY_MIN_LOG_HZ * Math.exp(SLANEY_LOG_STEP * (mel - SLANEY_MIN_LOG_MEL));
}

export interface MelFilterbankOptions {
  readonly sampleRate: number;
  readonly nFft: number;
  readonly nMels: number;
  /** Lowest edge in Hz. */
  readonly fMin: number;
  /** Highest edge in Hz, at most sampleRate/2. */
  readonly fMax: number;
  readonly scale: MelScale;
  readonly norm: MelNorm;
}

/** The nMels + 2 band edges and centres in Hz (librosa.mel_frequencies). */
export function melPoints(nPoints: number, fMin: number, fMax: number, scale: MelScale): Float64Array {
  const lo = hzToMel(fMin, scale);
  const hi = hzToMel(fMax, scale);
  const out = new Float64Array(nPoints);
  for (let i = 0; i < nPoints; i++) out[i] = melToHz(nPoints === 1 ? lo : lo + ((hi - lo) * i) / (nPoints - 1), scale);
  return out;
}

/**
 * The filterbank, row-major [nMels, nFft/2 + 1]: weight of FFT bin k in mel band i. Throws a
 * RangeError for options that make no bands (callers validate and report with the option name).
 */
export function melFilterbank(opts: MelFilterbankOptions): Float64Array {
  const { sampleRate, nFft, nMels, fMin, fMax, scale, norm } = opts;
  if (!(sampleRate > 0) || !(nFft >= 2) || !(nMels >= 1)) throw new RangeError(`mel filterbank: bad sampleRate ${sampleRate}, nFft ${nFft} or nMels ${nMels}`);
  if (!(fMin >= 0 && fMin < fMax && fMax <= sampleRate / 2)) throw new RangeError(`mel filterbank: need 0 <= fMin < fMax <= sampleRate/2, got fMin ${fMin}, fMax ${fMax}, sampleRate ${sampleRate}`);
  const bins = Math.floor(nFft / 2) + 1;
  const f = melPoints(nMels + 2, fMin, fMax, scale);
  const out = new Float64Array(nMels * bins);
  for (let i = 0; i < nMels; i++) {
    const lowWidth = f[i + 1] - f[i];
    const highWidth = f[i + 2] - f[i + 1];
    const scaleBy = norm === 'slaney' ? 2 / (f[i + 2] - f[i]) : 1;
    for (let k = 0; k < bins; k++) {
      const hz = (k * sampleRate) / nFft;
      const lower = (hz - f[i]) / lowWidth;
      const upper = (f[i + 2] - hz) / highWidth;
      out[i * bins + k] = Math.max(0, Math.min(lower, upper)) * scaleBy;
    }
  }
  return out;
}
