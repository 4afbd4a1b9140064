/** The preprocessors by name. Adding one: add a file in this folder and a line here. */
import { UnknownNameError } from '../../errors.js';
import type { ModalityKind } from '../modality.js';
import type { RegisteredPreprocessor } from '../preprocessor.js';
import { imagePreprocessor } from './image.js';
import { logMelPreprocessor } from './log-mel.js';
import { signalPreprocessor } from './signal.js';
import { tabularPreprocessor } from './tabular.js';
import { textPreprocessor } from './text.js';

/** Every preprocessor, in registry order; the first of each kind is that kind's default. */
const PREPROCESSORS: readonly RegisteredPreprocessor[] = [
  imagePreprocessor,
  tabularPreprocessor,
  signalPreprocessor,
  logMelPreprocessor,
  textPreprocessor,
];

/** The names of the registered preprocessors, in registry order. */
export const PREPROCESSOR_NAMES: readonly string[] = PREPROCESSORS.map((p) => p.name);

/** Every registered preprocessor, in registry order (the first of each kind is that kind's default). */
export function listPreprocessors(): readonly RegisteredPreprocessor[] {
  return PREPROCESSORS;
}

/** The preprocessor registered under `name`, or undefined when there is none ({@link getPreprocessor} throws instead). */
export function findPreprocessor(name: string): RegisteredPreprocessor | undefined {
  return PREPROCESSORS.find((p) => p.name === name);
}

/** The preprocessor registered under `name`; UnknownNameError lists the valid names. */
export function getPreprocessor(name: string): RegisteredPreprocessor {
  const found = findPreprocessor(name);
  if (found === undefined) throw new UnknownNameError('preprocessor', name, PREPROCESSOR_NAMES);
  return found;
}

/** The default preprocessor of a modality kind (the first registered for it). */
export function defaultPreprocessor(kind: ModalityKind): RegisteredPreprocessor | undefined {
  return PREPROCESSORS.find((p) => p.kind === kind);
}
