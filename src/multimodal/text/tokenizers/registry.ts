/** The tokenizers by name. Adding one: add a file in this folder and a line here. */
import { ConfigError, UnknownNameError } from '../../../errors.js';
import type { RegisteredTokenizer, Tokenizer, TokenizerFitOptions } from '../tokenizer.js';
import { bpeTokenizer } from './bpe.js';
import { STATE_PATH } from './state.js';
import { wordTokenizer } from './word.js';
import { wordPieceTokenizer } from './wordpiece.js';

const TOKENIZERS: readonly RegisteredTokenizer[] = [
  wordTokenizer,
  bpeTokenizer,
  wordPieceTokenizer,
];

/** The names of the registered tokenizers (`word`, `bpe`, `wordpiece`), in registry order. */
export const TOKENIZER_NAMES: readonly string[] = TOKENIZERS.map((t) => t.name);

/** Every registered tokenizer kind, in registry order. */
export function listTokenizers(): readonly RegisteredTokenizer[] {
  return TOKENIZERS;
}

/** The tokenizer kind registered under `name`, or undefined when there is none (`getTokenizer` throws instead). */
export function findTokenizer(name: string): RegisteredTokenizer | undefined {
  return TOKENIZERS.find((t) => t.name === name);
}

/** The tokenizer registered under `name`; UnknownNameError lists the valid names. */
export function getTokenizer(name: string): RegisteredTokenizer {
  const found = findTokenizer(name);
  if (found === undefined) throw new UnknownNameError('tokenizer', name, TOKENIZER_NAMES);
  return found;
}

/** Learns a tokenizer of kind `name` from training texts. */
export function fitTokenizer(name: string, texts: Iterable<string>, options: TokenizerFitOptions): Tokenizer {
  return getTokenizer(name).fit(texts, options);
}

/** Rebuilds any tokenizer from its `toJSON()`, by the state's `kind`; a ConfigError says what does not fit. */
export function restoreTokenizer(state: unknown): Tokenizer {
  const kind = typeof state === 'object' && state !== null ? (state as { kind?: unknown }).kind : undefined;
  const found = typeof kind === 'string' ? findTokenizer(kind) : undefined;
  if (found === undefined) {
    throw new ConfigError(STATE_PATH, `the saved state is not a tokenizer (its kind is ${kind === undefined ? 'missing' : `'${String(kind)}'`}; tokenizers are ${TOKENIZER_NAMES.join(', ')})`, 'restore the state a tokenizer saved with toJSON()');
  }
  return found.restore(state);
}
