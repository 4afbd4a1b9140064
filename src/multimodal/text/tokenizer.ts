/**
 * What every text tokenizer of jointly is: learned from the training texts only, it maps a text
 * to integer ids in [0, vocabSize) and back, and it saves as JSON with the model. Id 0 is the
 * padding token `[PAD]` (never produced by `encode`; token fields are padded with it) and id 1 the
 * unknown token `[UNK]` (whatever the vocabulary lacks). The tokenizers themselves are in
 * tokenizers/ (word, bpe, wordpiece), found by name in tokenizers/registry.ts. Pure TypeScript,
 * no tfjs.
 */
import type { SplitOptions } from './pre-tokenize.js';

/** The kinds of tokenizer: `word`, `bpe` and `wordpiece`. */
export const TOKENIZER_KINDS = ['word', 'bpe', 'wordpiece'] as const;
/** One of {@link TOKENIZER_KINDS}. */
export type TokenizerKind = (typeof TOKENIZER_KINDS)[number];

/** The padding id: token fields hold it after a text's last token (and everywhere for a missing text). */
export const PAD_ID = 0;
/** The unknown id: a word (word), a character (bpe) or a whole word (wordpiece) outside the vocabulary. */
export const UNK_ID = 1;
export const PAD_TOKEN = '[PAD]';
export const UNK_TOKEN = '[UNK]';
/** The special tokens, at their ids. */
export const SPECIAL_TOKENS: readonly string[] = [PAD_TOKEN, UNK_TOKEN];

/** How a tokenizer is learned. */
export interface TokenizerFitOptions extends SplitOptions {
  /** Size of the whole vocabulary, the two special tokens included: ids are in [0, vocabSize). At least 3. */
  readonly vocabSize: number;
  /** Fewest occurrences in the training texts for a token (word, character or merge) to enter the vocabulary. At least 1. */
  readonly minCount: number;
}

/** A learned tokenizer. */
export interface Tokenizer {
  readonly kind: TokenizerKind;
  /** Number of ids, special tokens included (the vocabulary's length). */
  readonly vocabSize: number;
  /** The token of each id: `[PAD]`, `[UNK]`, then the learned tokens. */
  readonly vocabulary: readonly string[];
  /** How texts are split into words before the vocabulary is applied. */
  readonly split: SplitOptions;
  /**
   * A hash (16 hex digits) of everything that decides the ids: the kind, the splitting options, the
   * vocabulary in id order and (bpe) the merges. Two tokenizers with the same fingerprint map every
   * text to the same ids; a model's embeddings are only meaningful with the tokenizer it was trained with.
   */
  readonly fingerprint: string;
  /** The ids of a text (no padding); with `maxTokens`, only its first `maxTokens` ids (the rest is not even tokenized). */
  encode(text: string, maxTokens?: number): number[];
  /** A readable text from ids (padding skipped, unknown ids as `[UNK]`); subword tokens are joined back into words. */
  decode(ids: ArrayLike<number>): string;
  /** The JSON state; the tokenizer's `restore` (tokenizers/registry.ts `restoreTokenizer`) rebuilds it. */
  toJSON(): TokenizerState;
}

/** The saved form of every tokenizer (each kind adds its own fields; see its file). */
export interface TokenizerState {
  readonly kind: TokenizerKind;
  readonly version: 1;
  readonly lowercase: boolean;
  readonly punctuation: 'keep' | 'drop';
  readonly vocabulary: readonly string[];
}

/** A tokenizer kind, found by name (tokenizers/registry.ts). */
export interface RegisteredTokenizer {
  readonly name: TokenizerKind;
  /** One line, for `jointly info` and option docs. */
  readonly description: string;
  /** Learns a tokenizer from training texts. */
  fit(texts: Iterable<string>, options: TokenizerFitOptions): Tokenizer;
  /** Rebuilds a tokenizer from its `toJSON()`; throws a ConfigError naming what is wrong. */
  restore(state: unknown): Tokenizer;
}

/**
 * A 64-bit hash of a list of strings, as 16 hex digits (two independent 32-bit multiplicative
 * hashes over the UTF-16 code units, with a separator between parts, then an avalanche). Not
 * cryptographic: it tells vocabularies apart, it does not defend against forgery.
 */
export function hashStrings(parts: Iterable<string>): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const mix = (c: number): void => {
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  };
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) mix(part.charCodeAt(i));
    mix(0x1f); // the separator is part of the hash: ['ab'] and ['a', 'b'] differ
    mix(part.length & 0xffff);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}

/** The fingerprint of a tokenizer from its parts (see `Tokenizer.fingerprint`). */
export function tokenizerFingerprint(kind: TokenizerKind, split: SplitOptions, vocabulary: readonly string[], extra: readonly string[] = []): string {
  return hashStrings([kind, `lowercase=${split.lowercase}`, `punctuation=${split.punctuation}`, `vocabulary=${vocabulary.length}`, ...vocabulary, `extra=${extra.length}`, ...extra]);
}

/** Code-unit order of strings (the same on every machine and locale, unlike localeCompare). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Entries of a count map sorted by count (most first), ties by token in code-unit order: the vocabulary order of every tokenizer. */
export function byCountThenToken(counts: ReadonlyMap<string, number>): [string, number][] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]));
}
