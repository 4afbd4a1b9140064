/**
 * `log-mel`: a signal as its log-mel spectrogram (signal/log-mel.ts, a pure-TypeScript STFT and
 * mel filterbank), one float field `<m>` of shape [frames, nMels, channels] (time down, mel bands
 * across, one image channel per signal channel: [frames, nMels, 1] for mono), so the `cnn`
 * encoder reads it as an image.
 *
 * Defaults follow librosa.feature.melspectrogram where it has one: a periodic Hann window of
 * winLength = nFft points, hop = floor(winLength/4), centred frames (zero padding, librosa ≥ 0.10's
 * `constant`; torch.stft pads by `reflect`), power 2, the Slaney mel scale with Slaney
 * (unit-area) normalization, fMin 0, fMax = sampleRate/2. We differ in nFft 512 (librosa 2048)
 * and nMels 40 (librosa 128), sizes for small CPU models, and in taking ln(mel + 1e-6) (`db`:
 * 10·log10(max(mel, eps)), librosa's power_to_db without top_db). With `standardize` (default
 * on) each (mel band, channel) is standardized with its mean and std over every frame of the
 * present training samples (per-band normalization, as cepstral mean and variance
 * normalization does).
 *
 * The sample rate comes from the data (`SignalModality.sampleRate`) or the `sampleRate` option;
 * neither, or both disagreeing, is a ConfigError. A signal shorter than one FFT frame (steps <
 * nFft) is refused, centred or not, and so are mel bands that hold no FFT bin (too many nMels for
 * the nFft). Missing samples are zeros (after standardization).
 */
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import type { Field } from '../../data/fields.js';
import { modalityLength, type ModalityData } from '../modality.js';
import type { FittedPreprocessor, RegisteredPreprocessor } from '../preprocessor.js';
import { isPowerOfTwo } from '../signal/fft.js';
import { createLogMel, LOG_KINDS, type LogMelExtractor, type LogMelOptions } from '../signal/log-mel.js';
import { MEL_NORMS, MEL_SCALES } from '../signal/mel.js';
import { ColumnStats } from '../signal/stats.js';
import { PAD_MODES } from '../signal/stft.js';
import { WINDOWS } from '../signal/window.js';
import { checkSignal, checkSignalFits } from './signal.js';

const powerOfTwo = z.number().int().refine(isPowerOfTwo, 'must be a power of two (e.g. 256, 512, 1024): the FFT is radix-2');

export const LogMelPreprocessorOptionsSchema = z
  .object({
    /** Samples per second, when the data does not say. Default: the data's. */
    sampleRate: z.number().positive().optional(),
    /** FFT size (frame length), a power of two. Default 512. */
    nFft: powerOfTwo.default(512),
    /** Window length, at most nFft (centred in the frame, zero-padded). Default nFft. */
    winLength: z.number().int().positive().optional(),
    /** Samples between frames. Default floor(winLength / 4). */
    hop: z.number().int().positive().optional(),
    /** Window function (periodic). Default `hann`. */
    window: z.enum(WINDOWS).default('hann'),
    /** Pad nFft/2 on both sides so frame t is centred on sample t·hop. Default true. */
    center: z.boolean().default(true),
    /** Centre padding: zeros (`constant`) or `reflect`. Default `constant`. */
    padMode: z.enum(PAD_MODES).default('constant'),
    /** Exponent of the magnitude: 2 power, 1 magnitude. Default 2. */
    power: z.union([z.literal(1), z.literal(2)]).default(2),
    /** Mel bands. Default 40. */
    nMels: z.number().int().positive().default(40),
    /** Lowest band edge in Hz. Default 0. */
    fMin: z.number().nonnegative().default(0),
    /** Highest band edge in Hz, at most sampleRate/2. Default sampleRate/2. */
    fMax: z.number().positive().optional(),
    /** Mel scale: `slaney` (librosa's default) or `htk`. Default `slaney`. */
    melScale: z.enum(MEL_SCALES).default('slaney'),
    /** Band normalization: `slaney` (unit area) or `none` (peak 1). Default `slaney`. */
    melNorm: z.enum(MEL_NORMS).default('slaney'),
    /** `ln`: ln(mel + eps); `db`: 10·log10(max(mel, eps)). Default `ln`. */
    log: z.enum(LOG_KINDS).default('ln'),
    /** Floor in the logarithm. Default 1e-6. */
    eps: z.number().positive().default(1e-6),
    /** Standardize each (mel band, channel) with its training mean and std. Default true. */
    standardize: z.boolean().default(true),
  })
  .strict();
export type LogMelPreprocessorOptions = z.infer<typeof LogMelPreprocessorOptionsSchema>;

const StateSchema = z
  .object({
    /** Every log-mel setting, resolved. */
    settings: z
      .object({
        sampleRate: z.number().positive(),
        nFft: powerOfTwo,
        winLength: z.number().int().positive(),
        hop: z.number().int().positive(),
        window: z.enum(WINDOWS),
        center: z.boolean(),
        padMode: z.enum(PAD_MODES),
        power: z.union([z.literal(1), z.literal(2)]),
        nMels: z.number().int().positive(),
        fMin: z.number().nonnegative(),
        fMax: z.number().positive(),
        melScale: z.enum(MEL_SCALES),
        melNorm: z.enum(MEL_NORMS),
        log: z.enum(LOG_KINDS),
        eps: z.number().positive(),
      })
      .strict(),
    steps: z.number().int().positive(),
    channels: z.number().int().positive(),
    /** Per (band, channel), band-major; null without standardization. */
    mean: z.array(z.number().finite()).nullable(),
    std: z.array(z.number().finite().positive()).nullable(),
  })
  .strict();
type LogMelState = z.infer<typeof StateSchema>;

/**
 * The extractor of these settings for signals of `steps` samples, or the problem with them:
 * `fail(option, message, hint)` is called for the first one found.
 */
function makeExtractor(settings: LogMelOptions, steps: number, fail: (option: string, message: string, hint: string) => never): LogMelExtractor {
  const { sampleRate, nFft, winLength, fMin, fMax, nMels } = settings;
  if (winLength > nFft) fail('winLength', `winLength ${winLength} is longer than nFft ${nFft}`, 'use a winLength of at most nFft, or a larger nFft');
  if (fMax > sampleRate / 2) fail('fMax', `fMax ${fMax} Hz is above the Nyquist frequency ${sampleRate / 2} Hz of ${sampleRate} Hz signals`, 'use an fMax of at most sampleRate/2');
  if (fMin >= fMax) fail('fMin', `fMin ${fMin} Hz is not below fMax ${fMax} Hz`, 'use fMin < fMax');
  if (steps < nFft) fail('nFft', `signals of ${steps} steps are shorter than one frame of nFft = ${nFft} samples`, 'use a smaller nFft (a power of two up to the signal length), or longer signals');
  const extractor = createLogMel(settings);
  const bins = nFft / 2 + 1;
  for (let m = 0; m < nMels; m++) {
    if (!extractor.filterbank.subarray(m * bins, (m + 1) * bins).some((w) => w > 0)) {
      fail('nMels', `mel band ${m} of ${nMels} between ${fMin} and ${fMax} Hz holds no FFT bin of nFft = ${nFft} at ${sampleRate} Hz`, 'use fewer mel bands (nMels) or a larger nFft');
    }
  }
  return extractor;
}

/** The log-mel image of every sample, [n, frames, nMels, channels]; missing samples zeros, present ones standardized when the stats are given. */
function spectrograms(
  values: Float32Array,
  n: number,
  steps: number,
  channels: number,
  extractor: LogMelExtractor,
  present: Uint8Array | undefined,
  each?: (i: number, image: Float32Array) => void,
): Float32Array {
  const frames = extractor.frames(steps);
  const nMels = extractor.nMels;
  const size = frames * nMels * channels;
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    if (present !== undefined && present[i] === 0) continue;
    for (let c = 0; c < channels; c++) {
      const lm = extractor.compute(values, i * steps * channels + c, channels, steps);
      for (let k = 0; k < frames * nMels; k++) out[i * size + k * channels + c] = lm[k];
    }
    each?.(i, out.subarray(i * size, (i + 1) * size));
  }
  return out;
}

function fitted(name: string, s: LogMelState, extractor: LogMelExtractor): FittedPreprocessor {
  const { steps, channels, mean, std } = s;
  const frames = extractor.frames(steps);
  const shape = [frames, s.settings.nMels, channels];
  const perFrame = s.settings.nMels * channels;
  return {
    info: { kind: 'signal', fields: [name], shapes: { [name]: shape } },
    state: () => structuredClone(s),
    transform(data: ModalityData, modality: string, present?: Uint8Array): Record<string, Field> {
      const signal = checkSignal(data, modality, 'fitted as a signal', present);
      checkSignalFits(signal, modality, steps, channels, s.settings.sampleRate);
      const n = modalityLength(signal);
      const standardize = mean === null || std === null ? undefined : (_: number, image: Float32Array): void => {
        for (let k = 0; k < image.length; k++) image[k] = (image[k] - mean[k % perFrame]) / std[k % perFrame];
      };
      return { [modality]: { kind: 'float', values: spectrograms(signal.values, n, steps, channels, extractor, present, standardize), shape } };
    },
  };
}

export const logMelPreprocessor: RegisteredPreprocessor<LogMelPreprocessorOptions> = {
  name: 'log-mel',
  kind: 'signal',
  description: 'log-mel spectrograms (pure-TypeScript STFT and mel filterbank) as [frames, nMels, channels] images for the cnn encoder',
  options: LogMelPreprocessorOptionsSchema,
  optionNames: Object.keys(LogMelPreprocessorOptionsSchema.shape),
  fit(data, name, optionsInput, present) {
    const signal = checkSignal(data, name, 'configured as a signal', present);
    const options = LogMelPreprocessorOptionsSchema.parse(optionsInput);
    const path = (option: string): string => `modalities.${name}.preprocess.${option}`;
    const fail = (option: string, message: string, hint: string): never => {
      throw new ConfigError(path(option), message, hint);
    };
    if (options.sampleRate !== undefined && signal.sampleRate !== undefined && options.sampleRate !== signal.sampleRate) {
      fail('sampleRate', `the option says ${options.sampleRate} Hz but the data of '${name}' says ${signal.sampleRate} Hz`, 'leave sampleRate out to use the data\'s, or resample the data');
    }
    const sampleRate = options.sampleRate ?? signal.sampleRate;
    if (sampleRate === undefined) {
      fail('sampleRate', `signal modality '${name}' has no sample rate, which the mel scale needs`, 'give the preprocessor a sampleRate (samples per second), or load the data with one');
    }
    const sr = sampleRate as number;
    const winLength = options.winLength ?? options.nFft;
    const { standardize, sampleRate: _sr, winLength: _w, hop: _h, fMax: _f, ...rest } = options;
    const settings: LogMelState['settings'] = { ...rest, sampleRate: sr, winLength, hop: options.hop ?? Math.max(1, Math.floor(winLength / 4)), fMax: options.fMax ?? sr / 2 };
    const extractor = makeExtractor(settings, signal.steps, fail);
    let stats: { mean: number[]; std: number[] } | null = null;
    if (standardize) {
      const perFrame = settings.nMels * signal.channels;
      const acc = new ColumnStats(perFrame);
      spectrograms(signal.values, modalityLength(signal), signal.steps, signal.channels, extractor, present, (_, image) => {
        for (let k = 0; k < image.length; k++) acc.add(k % perFrame, image[k]);
      });
      stats = acc.result();
    }
    return fitted(name, { settings, steps: signal.steps, channels: signal.channels, mean: stats?.mean ?? null, std: stats?.std ?? null }, extractor);
  },
  restore(state, name) {
    const invalid = (problem: string): never => {
      throw new ConfigError(`preprocessing.${name}`, `the saved state of log-mel modality '${name}' is not valid: ${problem}`, 'save the model again with this version of jointly');
    };
    const parsed = StateSchema.safeParse(state);
    if (!parsed.success) return invalid(`${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}`);
    const s = parsed.data;
    const perFrame = s.settings.nMels * s.channels;
    if ((s.mean === null) !== (s.std === null)) invalid('it has a mean without a std or a std without a mean');
    if (s.mean !== null && s.std !== null && (s.mean.length !== perFrame || s.std.length !== perFrame)) invalid(`${s.mean.length} means and ${s.std.length} stds for ${perFrame} (band, channel) pairs`);
    const extractor = makeExtractor(s.settings, s.steps, (option, message) => invalid(`${option}: ${message}`));
    return fitted(name, s, extractor);
  },
};
