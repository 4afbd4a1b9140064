/**
 * Preprocessing of one modality: fitted on the training split only (a tokenizer's vocabulary, a
 * table's means and category lists, a spectrogram's settings), then applied to every split to
 * make the engine fields the modality's encoder reads. The fitted state is JSON, saved with the
 * model, so that inference preprocesses exactly as training did. Pure data, no tfjs.
 */
import type { z } from 'zod';
import type { Field } from '../data/fields.js';
import type { ModalityData, ModalityKind } from './modality.js';

/**
 * What an encoder needs to know about its modality's fields, beyond their shapes: the fitted
 * state's summary. Fields are named `<modality>` (the main field) and `<modality>.<part>` for
 * further ones (e.g. a table's categorical ids `record.cat`).
 */
export interface ModalityInfo {
  readonly kind: ModalityKind;
  /** Field names this modality produced, main field first. */
  readonly fields: readonly string[];
  /** Sample shape of each field (tokens: [maxLength]). */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  /** Token fields: ids are in [0, vocabSize), 0 = padding. */
  readonly vocabSizes?: Readonly<Record<string, number>>;
  /** Tabular: the number of distinct ids of each categorical column (0 = unknown/missing included), in column order. */
  readonly categorySizes?: readonly number[];
}

/** A fitted preprocessor: applies the training split's statistics to any split. */
export interface FittedPreprocessor {
  readonly info: ModalityInfo;
  /** JSON state to save with a model; `restore` of the same preprocessor rebuilds this object from it. */
  state(): unknown;
  /**
   * The engine fields of `data` for the modality `name`. `present` marks missing samples, whose
   * values are what the preprocessor gives a missing sample, whatever the data holds there:
   * zeros for float features, all padding for text, each column's missing id for a table's
   * categorical ids (so that a missing record can have its own learned embedding).
   */
  transform(data: ModalityData, name: string, present?: Uint8Array): Record<string, Field>;
}

/** A preprocessor of one modality kind, found by name in a registry (see preprocessors/registry.ts). */
export interface RegisteredPreprocessor<O = unknown> {
  readonly name: string;
  readonly kind: ModalityKind;
  /** One line, for `jointly info`. */
  readonly description: string;
  /** Options, with their defaults. */
  readonly options: z.ZodType<O>;
  /** The option names, for error messages. */
  readonly optionNames: readonly string[];
  /** Fits on the training split (`present`: which training samples have the modality). */
  fit(data: ModalityData, name: string, options: O, present?: Uint8Array): FittedPreprocessor;
  /** Rebuilds a fitted preprocessor from `state()`; throws a ConfigError naming the problem when the state does not fit. */
  restore(state: unknown, name: string): FittedPreprocessor;
}
