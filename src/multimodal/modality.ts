/**
 * Multimodal data before preprocessing: a sample is a record of named modalities (an image, a
 * text, a tabular record, a signal) with a class label, and any modality may be missing for
 * some samples. Loaders produce this; preprocessors fitted on the training split turn each
 * modality into engine fields (see preprocessor.ts). Pure data, no tfjs.
 */
import { DataMalformedError } from '../errors.js';

/** The kinds of modality data: `image`, `text`, `tabular` and `signal`. */
export const MODALITY_KINDS = ['image', 'text', 'tabular', 'signal'] as const;
/** One of {@link MODALITY_KINDS}. */
export type ModalityKind = (typeof MODALITY_KINDS)[number];

/** Images (or any float features of a fixed shape): `length * prod(shape)` values in row-major order. */
export interface ImageModality {
  readonly kind: 'image';
  readonly values: Float32Array;
  /** Shape of one sample, e.g. [28, 28, 1] (height, width, channels) or [784]. */
  readonly shape: readonly number[];
}

/** One text per sample (an empty string where the modality is missing). */
export interface TextModality {
  readonly kind: 'text';
  readonly texts: readonly string[];
}

/** Numeric columns (`length * numericNames.length` values, NaN where a value is missing) and categorical columns (one string per sample each; '' where missing). */
export interface TabularModality {
  readonly kind: 'tabular';
  readonly numeric: Float32Array;
  readonly numericNames: readonly string[];
  /** `categorical[c][i]`: the value of categorical column c for sample i. */
  readonly categorical: readonly (readonly string[])[];
  readonly categoricalNames: readonly string[];
}

/** A signal per sample: `length * steps * channels` values, time-major (step, channel). */
export interface SignalModality {
  readonly kind: 'signal';
  readonly values: Float32Array;
  /** Time steps per sample. */
  readonly steps: number;
  readonly channels: number;
  /** Samples per second, for spectrograms (mel scale needs it). */
  readonly sampleRate?: number;
}

/** One modality's raw data for every sample of a dataset, told apart by its `kind`. */
export type ModalityData = ImageModality | TextModality | TabularModality | SignalModality;

/** A multimodal classification dataset. */
export interface MultimodalDataset {
  readonly length: number;
  /** The modalities, by name (the names configs and models use). */
  readonly modalities: Readonly<Record<string, ModalityData>>;
  /** Per modality, 1 where the sample has it and 0 where it is missing; a modality without an entry is present everywhere. */
  readonly present?: Readonly<Record<string, Uint8Array>>;
  /** Class index of each sample, in [0, numClasses); -1 for an unlabeled sample (co-training's pool). */
  readonly labels: Int32Array;
  readonly numClasses: number;
  readonly classNames?: readonly string[];
}

/** Number of samples a modality's data holds. */
export function modalityLength(m: ModalityData): number {
  switch (m.kind) {
    case 'image':
      return m.values.length / m.shape.reduce((a, b) => a * b, 1);
    case 'text':
      return m.texts.length;
    case 'tabular':
      return m.categorical.length > 0 ? m.categorical[0].length : m.numericNames.length === 0 ? 0 : m.numeric.length / m.numericNames.length;
    case 'signal':
      return m.values.length / (m.steps * m.channels);
  }
}

/** Whether sample i has modality `name`. */
export function isPresent(ds: MultimodalDataset, name: string, i: number): boolean {
  const p = ds.present?.[name];
  return p === undefined || p[i] === 1;
}

/**
 * Checks that a dataset's parts agree (every modality has `length` samples, masks and labels fit,
 * no labelled sample lacks every modality); every loader goes through here. `source` names the
 * data in messages.
 */
export function checkMultimodalDataset(ds: MultimodalDataset, source: string): MultimodalDataset {
  const names = Object.keys(ds.modalities);
  if (names.length === 0) throw new DataMalformedError(`${source}: the data has no modalities`, 'give the dataset at least one modality');
  if (ds.labels.length !== ds.length) throw new DataMalformedError(`${source}: ${ds.labels.length} labels for ${ds.length} samples`);
  if (!Number.isInteger(ds.numClasses) || ds.numClasses < 2) throw new DataMalformedError(`${source}: a classification dataset needs at least 2 classes, found ${ds.numClasses}`);
  if (ds.classNames !== undefined && ds.classNames.length !== ds.numClasses) throw new DataMalformedError(`${source}: ${ds.classNames.length} class names for ${ds.numClasses} classes`);
  for (const [name, m] of Object.entries(ds.modalities)) {
    const n = modalityLength(m);
    if (n !== ds.length) {
      throw new DataMalformedError(`${source}: modality '${name}' (${m.kind}) holds ${n} samples, expected ${ds.length}`, 'check that the modalities belong to the same samples');
    }
    if (m.kind === 'image' && m.shape.some((d) => !Number.isInteger(d) || d <= 0)) throw new DataMalformedError(`${source}: image modality '${name}' has shape [${m.shape.join(', ')}]`);
    if (m.kind === 'tabular' && m.categorical.length !== m.categoricalNames.length) throw new DataMalformedError(`${source}: tabular modality '${name}' has ${m.categorical.length} categorical columns but ${m.categoricalNames.length} names`);
    const p = ds.present?.[name];
    if (p !== undefined && p.length !== ds.length) throw new DataMalformedError(`${source}: presence mask of '${name}' has ${p.length} entries for ${ds.length} samples`);
  }
  for (const name of Object.keys(ds.present ?? {})) {
    if (!(name in ds.modalities)) throw new DataMalformedError(`${source}: presence mask for '${name}', which is not a modality (modalities: ${names.join(', ')})`);
  }
  for (let i = 0; i < ds.length; i++) {
    const y = ds.labels[i];
    if (y < -1 || y >= ds.numClasses || !Number.isInteger(y)) throw new DataMalformedError(`${source}: label ${y} of sample ${i} is outside [0, ${ds.numClasses}) (or -1 for unlabeled)`);
    if (!names.some((name) => isPresent(ds, name, i))) {
      throw new DataMalformedError(`${source}: sample ${i} has none of its modalities (${names.join(', ')})`, 'drop samples with no modality: nothing can be predicted from them');
    }
  }
  return ds;
}

/** The class target's field name in prepared multimodal data (and the fused model's head). */
export const LABEL_FIELD = 'label';

/** The name of the float [1] field that holds 1 where a sample has modality `name`, 0 where it is missing. */
export function presenceField(name: string): string {
  return `${name}.present`;
}

/** The samples at `indices` of one modality's data, in that order. */
export function selectModalityRows(m: ModalityData, indices: ArrayLike<number>): ModalityData {
  const n = indices.length;
  const gather = (values: Float32Array, width: number): Float32Array => {
    const out = new Float32Array(n * width);
    for (let i = 0; i < n; i++) out.set(values.subarray(indices[i] * width, (indices[i] + 1) * width), i * width);
    return out;
  };
  switch (m.kind) {
    case 'image':
      return { ...m, values: gather(m.values, m.shape.reduce((a, b) => a * b, 1)) };
    case 'text':
      return { kind: 'text', texts: Array.from({ length: n }, (_, i) => m.texts[indices[i]]) };
    case 'tabular':
      return {
        ...m,
        numeric: gather(m.numeric, m.numericNames.length),
        categorical: m.categorical.map((column) => Array.from({ length: n }, (_, i) => column[indices[i]])),
      };
    case 'signal':
      return { ...m, values: gather(m.values, m.steps * m.channels) };
  }
}

/** The samples at `indices` of a dataset, in that order (every modality, presence mask and label). */
export function selectMultimodalRows(ds: MultimodalDataset, indices: ArrayLike<number>): MultimodalDataset {
  const n = indices.length;
  const modalities = Object.fromEntries(Object.entries(ds.modalities).map(([name, m]) => [name, selectModalityRows(m, indices)]));
  const present = ds.present === undefined ? undefined : Object.fromEntries(Object.entries(ds.present).map(([name, p]) => [name, Uint8Array.from({ length: n }, (_, i) => p[indices[i]])]));
  return {
    length: n,
    modalities,
    ...(present === undefined ? {} : { present }),
    labels: Int32Array.from({ length: n }, (_, i) => ds.labels[indices[i]]),
    numClasses: ds.numClasses,
    ...(ds.classNames === undefined ? {} : { classNames: ds.classNames }),
  };
}
