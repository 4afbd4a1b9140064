/**
 * The encoding loop the subword tokenizers (BPE, WordPiece) share: split the text into words,
 * turn each word into its subword ids (cached, since real text repeats its words), and stop at
 * `maxTokens`. Pure.
 */
import { splitWords, type SplitOptions } from '../pre-tokenize.js';

/** Words encoded so far are kept up to this many (then the cache starts again). */
const CACHE_LIMIT = 50_000;

/** `encode(text, maxTokens)` of a tokenizer whose words become the ids `encodeWord` gives. */
export function subwordEncoder(split: SplitOptions, encodeWord: (word: string) => number[]): (text: string, maxTokens?: number) => number[] {
  let cache = new Map<string, number[]>();
  const cached = (word: string): number[] => {
    const hit = cache.get(word);
    if (hit !== undefined) return hit;
    const ids = encodeWord(word);
    if (cache.size >= CACHE_LIMIT) cache = new Map();
    cache.set(word, ids);
    return ids;
  };
  return (text, maxTokens = Infinity) => {
    const out: number[] = [];
    // a word gives at least one token, so maxTokens words are enough
    for (const word of splitWords(text, split, maxTokens)) {
      for (const id of cached(word)) {
        if (out.length >= maxTokens) return out;
        out.push(id);
      }
    }
    return out;
  };
}
