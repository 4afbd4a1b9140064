/**
 * `word`: one id per word (see pre-tokenize.ts for what a word is). The vocabulary is the
 * training texts' words occurring at least `minCount` times, most frequent first (ties in
 * code-unit order, so the same texts always give the same ids), capped at `vocabSize − 2`; every
 * other word is `[UNK]`. Ids: 0 `[PAD]`, 1 `[UNK]`, then the words in that order.
 */
import { z } from 'zod';
import { DataMalformedError } from '../../../errors.js';
import { countWords, splitWords, type SplitOptions } from '../pre-tokenize.js';
import { byCountThenToken, PAD_ID, SPECIAL_TOKENS, tokenizerFingerprint, UNK_ID, type RegisteredTokenizer, type Tokenizer, type TokenizerState } from '../tokenizer.js';
import { parseState, stateShape, vocabularyIndex } from './state.js';

const WordStateSchema = z.object(stateShape('word')).strict();
export type WordTokenizerState = z.infer<typeof WordStateSchema>;

/** The token of an id, or a DataMalformedError for an id outside the vocabulary. */
export function tokenOf(vocabulary: readonly string[], id: number): string {
  const token = vocabulary[id];
  if (!Number.isInteger(id) || token === undefined) throw new DataMalformedError(`token id ${id} is outside the vocabulary [0, ${vocabulary.length})`, 'decode ids made by this tokenizer');
  return token;
}

function makeWordTokenizer(split: SplitOptions, vocabulary: readonly string[]): Tokenizer {
  const index = vocabularyIndex(vocabulary, 'word');
  const fingerprint = tokenizerFingerprint('word', split, vocabulary);
  return {
    kind: 'word',
    vocabSize: vocabulary.length,
    vocabulary,
    split,
    fingerprint,
    encode: (text, maxTokens) => splitWords(text, split, maxTokens).map((w) => index.get(w) ?? UNK_ID),
    decode: (ids) =>
      Array.from(ids)
        .filter((id) => id !== PAD_ID)
        .map((id) => tokenOf(vocabulary, id))
        .join(' '),
    toJSON: (): WordTokenizerState & TokenizerState => ({ kind: 'word', version: 1, lowercase: split.lowercase, punctuation: split.punctuation, vocabulary: [...vocabulary] }),
  };
}

export const wordTokenizer: RegisteredTokenizer = {
  name: 'word',
  description: 'one id per word (letter/digit runs, punctuation one token each); the most frequent words, the rest [UNK]',
  fit(texts, options) {
    const split: SplitOptions = { lowercase: options.lowercase, punctuation: options.punctuation };
    const words = byCountThenToken(countWords(texts, split))
      .filter(([, c]) => c >= options.minCount)
      .slice(0, Math.max(0, options.vocabSize - SPECIAL_TOKENS.length))
      .map(([w]) => w);
    return makeWordTokenizer(split, [...SPECIAL_TOKENS, ...words]);
  },
  restore(state) {
    const s = parseState(WordStateSchema, state, 'word');
    return makeWordTokenizer({ lowercase: s.lowercase, punctuation: s.punctuation }, s.vocabulary);
  },
};
