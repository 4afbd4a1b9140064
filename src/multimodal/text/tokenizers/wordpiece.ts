/**
 * `wordpiece`: WordPiece as BERT applies it (Devlin et al. 2019; Wu et al. 2016): each word is cut
 * greedily into the longest vocabulary piece from its start, then the longest `##`-prefixed piece
 * from where that ended, and so on; a word with any part no piece matches, or longer than 100
 * characters, is one `[UNK]` (BERT's WordpieceTokenizer). Deviation in learning: WordPiece's
 * original likelihood-based training (Schuster & Nakajima 2012) is not published as code; the
 * vocabulary is learned as Hugging Face's WordPiece trainer does, by byte-pair merges on word
 * frequencies where non-initial characters carry `##` (learn-merges.ts, `continuation`), keeping
 * the alphabet and every merged piece. Ids: 0 `[PAD]`, 1 `[UNK]`, the alphabet (most frequent
 * first), then the merged pieces in merge order.
 */
import { z } from 'zod';
import { CONTINUATION, learnMerges } from '../learn-merges.js';
import { countWords, type SplitOptions } from '../pre-tokenize.js';
import { subwordEncoder } from './subword-encode.js';
import { PAD_ID, tokenizerFingerprint, UNK_ID, type RegisteredTokenizer, type Tokenizer, type TokenizerState } from '../tokenizer.js';
import { parseState, stateShape, vocabularyIndex } from './state.js';
import { tokenOf } from './word.js';

/** Words longer than this (in characters) are `[UNK]`, as in BERT. */
export const MAX_CHARS_PER_WORD = 100;

const WordPieceStateSchema = z.object(stateShape('wordpiece')).strict();
export type WordPieceTokenizerState = z.infer<typeof WordPieceStateSchema>;


/** The ids of one word by greedy longest-match-first, or [UNK_ID] when some part matches no piece. */
export function wordPieces(word: string, index: ReadonlyMap<string, number>): number[] {
  const chars = Array.from(word);
  if (chars.length > MAX_CHARS_PER_WORD) return [UNK_ID];
  const out: number[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = chars.length;
    let found: number | undefined;
    while (start < end) {
      const piece = (start > 0 ? CONTINUATION : '') + chars.slice(start, end).join('');
      found = index.get(piece);
      if (found !== undefined) break;
      end--;
    }
    if (found === undefined) return [UNK_ID];
    out.push(found);
    start = end;
  }
  return out;
}

function makeWordPieceTokenizer(split: SplitOptions, vocabulary: readonly string[]): Tokenizer {
  const index = vocabularyIndex(vocabulary, 'wordpiece');
  const fingerprint = tokenizerFingerprint('wordpiece', split, vocabulary);
  return {
    kind: 'wordpiece',
    vocabSize: vocabulary.length,
    vocabulary,
    split,
    fingerprint,
    encode: subwordEncoder(split, (word) => wordPieces(word, index)),
    decode(ids) {
      const words: string[] = [];
      for (const id of Array.from(ids)) {
        if (id === PAD_ID) continue;
        const token = tokenOf(vocabulary, id);
        if (token.startsWith(CONTINUATION) && words.length > 0) words[words.length - 1] += token.slice(CONTINUATION.length);
        else words.push(token);
      }
      return words.join(' ');
    },
    toJSON: (): WordPieceTokenizerState & TokenizerState => ({ kind: 'wordpiece', version: 1, lowercase: split.lowercase, punctuation: split.punctuation, vocabulary: [...vocabulary] }),
  };
}

export const wordPieceTokenizer: RegisteredTokenizer = {
  name: 'wordpiece',
  description: 'WordPiece (BERT): greedy longest-match-first with ## continuations; vocabulary learned by BPE merges with ## prefixes',
  fit(texts, options) {
    const split: SplitOptions = { lowercase: options.lowercase, punctuation: options.punctuation };
    const learned = learnMerges(countWords(texts, split), { vocabSize: options.vocabSize, minCount: options.minCount, marking: 'continuation' });
    return makeWordPieceTokenizer(split, learned.vocabulary);
  },
  restore(state) {
    const s = parseState(WordPieceStateSchema, state, 'wordpiece');
    return makeWordPieceTokenizer({ lowercase: s.lowercase, punctuation: s.punctuation }, s.vocabulary);
  },
};
