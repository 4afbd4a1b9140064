/**
 * `signal`: a signal as it is, one float field `<m>` of shape [steps, channels] (time-major), for
 * 1D convolutions (encoders/signal-conv.ts). With `standardize` (default on) each channel is
 * standardized with the mean and population standard deviation of that channel over every step
 * of the present training samples (a constant channel gets std 1, see signal/stats.ts). Missing
 * samples are zeros. Every split must have the fitted steps, channels and (when both say)
 * sample rate; a non-finite value is refused. The checks are shared with `log-mel`.
 */
import { z } from 'zod';
import { ConfigError, DataMalformedError, ShapeMismatchError } from '../../errors.js';
import type { Field } from '../../data/fields.js';
import { modalityLength, type ModalityData, type SignalModality } from '../modality.js';
import type { FittedPreprocessor, RegisteredPreprocessor } from '../preprocessor.js';
import { ColumnStats } from '../signal/stats.js';

export const SignalPreprocessorOptionsSchema = z
  .object({
    /** Standardize each channel with its training mean and std. Default true. */
    standardize: z.boolean().default(true),
  })
  .strict();
export type SignalPreprocessorOptions = z.infer<typeof SignalPreprocessorOptionsSchema>;

/** The data as a signal with finite values in present samples and a presence mask of its length. */
export function checkSignal(data: ModalityData, name: string, fittedAs: string, present: Uint8Array | undefined): SignalModality {
  if (data.kind !== 'signal') throw new ShapeMismatchError(`modality '${name}' is ${data.kind} data, but it was ${fittedAs}`, `use a ${data.kind} preprocessor for it, or give it signal data`);
  if (!(Number.isInteger(data.steps) && data.steps > 0 && Number.isInteger(data.channels) && data.channels > 0)) {
    throw new DataMalformedError(`signal modality '${name}' has ${data.steps} steps of ${data.channels} channels`, 'give signals at least one step and one channel');
  }
  const n = modalityLength(data);
  if (!Number.isInteger(n)) throw new DataMalformedError(`signal modality '${name}' has ${data.values.length} values, not a whole number of samples of ${data.steps}×${data.channels}`);
  if (present !== undefined && present.length !== n) throw new ShapeMismatchError(`the presence mask of '${name}' has ${present.length} entries for ${n} samples`, 'give one presence entry per sample');
  const size = data.steps * data.channels;
  for (let i = 0; i < n; i++) {
    if (present !== undefined && present[i] === 0) continue;
    for (let k = i * size; k < (i + 1) * size; k++) {
      if (!Number.isFinite(data.values[k])) {
        const t = Math.floor((k - i * size) / data.channels);
        throw new DataMalformedError(`signal modality '${name}': sample ${i} has ${data.values[k]} at step ${t}, channel ${(k - i * size) % data.channels}`, 'interpolate or drop non-finite values before loading');
      }
    }
  }
  return data;
}

/** Refuses a split whose signals differ from the fitted ones in steps, channels or sample rate. */
export function checkSignalFits(data: SignalModality, name: string, steps: number, channels: number, sampleRate: number | undefined): void {
  if (data.steps !== steps || data.channels !== channels) {
    throw new ShapeMismatchError(`modality '${name}' has signals of ${data.steps} steps × ${data.channels} channels, but its model was made for ${steps} × ${channels}`, 'crop or pad the signals to the length the model was trained on');
  }
  if (data.sampleRate !== undefined && sampleRate !== undefined && data.sampleRate !== sampleRate) {
    throw new ShapeMismatchError(`modality '${name}' is sampled at ${data.sampleRate} Hz, but its model was made for ${sampleRate} Hz`, 'resample the signals to the rate the model was trained on');
  }
}

const StateSchema = z
  .object({
    steps: z.number().int().positive(),
    channels: z.number().int().positive(),
    sampleRate: z.number().positive().optional(),
    /** Per channel, or null without standardization. */
    mean: z.array(z.number().finite()).nullable(),
    std: z.array(z.number().finite().positive()).nullable(),
  })
  .strict();
type SignalState = z.infer<typeof StateSchema>;

function fitted(name: string, s: SignalState): FittedPreprocessor {
  const { steps, channels, mean, std } = s;
  const size = steps * channels;
  return {
    info: { kind: 'signal', fields: [name], shapes: { [name]: [steps, channels] } },
    state: () => structuredClone(s),
    transform(data: ModalityData, modality: string, present?: Uint8Array): Record<string, Field> {
      const signal = checkSignal(data, modality, 'fitted as a signal', present);
      checkSignalFits(signal, modality, steps, channels, s.sampleRate);
      const n = modalityLength(signal);
      const values = new Float32Array(n * size);
      for (let i = 0; i < n; i++) {
        if (present !== undefined && present[i] === 0) continue;
        if (mean === null || std === null) {
          values.set(signal.values.subarray(i * size, (i + 1) * size), i * size);
          continue;
        }
        for (let k = i * size; k < (i + 1) * size; k++) {
          const c = k % channels;
          values[k] = (signal.values[k] - mean[c]) / std[c];
        }
      }
      return { [modality]: { kind: 'float', values, shape: [steps, channels] } };
    },
  };
}

export const signalPreprocessor: RegisteredPreprocessor<SignalPreprocessorOptions> = {
  name: 'signal',
  kind: 'signal',
  description: 'raw signals as [steps, channels], each channel standardized with its training mean and std; zeros where missing',
  options: SignalPreprocessorOptionsSchema,
  optionNames: Object.keys(SignalPreprocessorOptionsSchema.shape),
  fit(data, name, options, present) {
    const signal = checkSignal(data, name, 'configured as a signal', present);
    const { standardize } = SignalPreprocessorOptionsSchema.parse(options);
    const { steps, channels } = signal;
    let stats: { mean: number[]; std: number[] } | null = null;
    if (standardize) {
      const acc = new ColumnStats(channels);
      const n = modalityLength(signal);
      for (let i = 0; i < n; i++) {
        if (present !== undefined && present[i] === 0) continue;
        for (let k = i * steps * channels; k < (i + 1) * steps * channels; k++) acc.add(k % channels, signal.values[k]);
      }
      stats = acc.result();
    }
    return fitted(name, { steps, channels, ...(signal.sampleRate === undefined ? {} : { sampleRate: signal.sampleRate }), mean: stats?.mean ?? null, std: stats?.std ?? null });
  },
  restore(state, name) {
    const parsed = StateSchema.safeParse(state);
    let problem = parsed.success ? undefined : `${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}`;
    if (parsed.success) {
      const { mean, std, channels } = parsed.data;
      if ((mean === null) !== (std === null)) problem = 'it has a mean without a std or a std without a mean';
      else if (mean !== null && std !== null && (mean.length !== channels || std.length !== channels)) problem = `${mean.length} means and ${std.length} stds for ${channels} channels`;
    }
    if (!parsed.success || problem !== undefined) throw new ConfigError(`preprocessing.${name}`, `the saved state of signal modality '${name}' is not valid: ${problem ?? ''}`, 'save the model again with this version of jointly');
    return fitted(name, parsed.data);
  },
};
