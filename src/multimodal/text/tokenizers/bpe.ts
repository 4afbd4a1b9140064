/**
 * `bpe`: byte-pair encoding (Sennrich, Haddow & Birch, ACL 2016). Learned: merges on the training
 * texts' word frequencies with the end-of-word marker `</w>` (learn-merges.ts) until the
 * vocabulary holds `vocabSize` tokens or no pair occurs `minCount` times. Applied as the paper's
 * apply_bpe: each word starts as its characters (the last one with `</w>`), and the adjacent pair
 * with the lowest merge rank is merged (every occurrence, left to right) until no learned merge
 * applies. A character outside the alphabet becomes `[UNK]` (one per character; the rest of the
 * word is still encoded). Deviation: the paper works on characters of a byte-free alphabet, as
 * here; "byte-level" BPE (GPT-2) is not done. Ids: 0 `[PAD]`, 1 `[UNK]`, the alphabet (most
 * frequent first), then the merged symbols in merge order.
 */
import { z } from 'zod';
import { ConfigError } from '../../../errors.js';
import { END_OF_WORD, initialSymbols, learnMerges, mergedSymbol } from '../learn-merges.js';
import { countWords, type SplitOptions } from '../pre-tokenize.js';
import { subwordEncoder } from './subword-encode.js';
import { PAD_ID, tokenizerFingerprint, UNK_ID, UNK_TOKEN, type RegisteredTokenizer, type Tokenizer, type TokenizerState } from '../tokenizer.js';
import { parseState, STATE_PATH, stateShape, vocabularyIndex } from './state.js';
import { tokenOf } from './word.js';

const BpeStateSchema = z
  .object({
    ...stateShape('bpe'),
    /** The merges in rank order, each [left, right]. */
    merges: z.array(z.tuple([z.string().min(1), z.string().min(1)])),
  })
  .strict();
export type BpeTokenizerState = z.infer<typeof BpeStateSchema>;


/** A word's symbols after applying the merges by rank (Sennrich et al.'s apply_bpe). */
export function applyMerges(symbols: readonly string[], ranks: ReadonlyMap<string, number>): string[] {
  let seq = [...symbols];
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < seq.length; i++) {
      const r = ranks.get(`${seq[i]}\u0000${seq[i + 1]}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return seq;
    const [a, b] = [seq[best], seq[best + 1]];
    const out: string[] = [];
    for (let i = 0; i < seq.length; i++) {
      if (i + 1 < seq.length && seq[i] === a && seq[i + 1] === b) {
        out.push(a + b);
        i++;
      } else out.push(seq[i]);
    }
    seq = out;
  }
}

function makeBpeTokenizer(split: SplitOptions, vocabulary: readonly string[], merges: readonly (readonly [string, string])[]): Tokenizer {
  const index = vocabularyIndex(vocabulary, 'bpe');
  const ranks = new Map<string, number>();
  merges.forEach(([a, b], rank) => {
    for (const s of [a, b, mergedSymbol(a, b, 'end-of-word')]) {
      if (!index.has(s)) throw new ConfigError(`${STATE_PATH}.merges`, `merge ${rank} (${a} + ${b}) uses or makes '${s}', which is not in the vocabulary`, 'fit and save the tokenizer again');
    }
    const k = `${a}\u0000${b}`;
    if (!ranks.has(k)) ranks.set(k, rank);
  });
  const fingerprint = tokenizerFingerprint('bpe', split, vocabulary, merges.map(([a, b]) => `${a} ${b}`));
  return {
    kind: 'bpe',
    vocabSize: vocabulary.length,
    vocabulary,
    split,
    fingerprint,
    encode: subwordEncoder(split, (word) => applyMerges(initialSymbols(word, 'end-of-word'), ranks).map((s) => index.get(s) ?? UNK_ID)),
    decode(ids) {
      let text = '';
      for (const id of Array.from(ids)) {
        if (id === PAD_ID) continue;
        const token = tokenOf(vocabulary, id);
        if (id === UNK_ID) text += UNK_TOKEN;
        else if (token.endsWith(END_OF_WORD)) text += `${token.slice(0, -END_OF_WORD.length)} `;
        else text += token;
      }
      return text.trimEnd();
    },
    toJSON: (): BpeTokenizerState & TokenizerState => ({
      kind: 'bpe',
      version: 1,
      lowercase: split.lowercase,
      punctuation: split.punctuation,
      vocabulary: [...vocabulary],
      merges: merges.map(([a, b]) => [a, b] as [string, string]),
    }),
  };
}

export const bpeTokenizer: RegisteredTokenizer = {
  name: 'bpe',
  description: 'byte-pair encoding (Sennrich et al. 2016): merges learned on word frequencies with an end-of-word marker, applied by rank',
  fit(texts, options) {
    const split: SplitOptions = { lowercase: options.lowercase, punctuation: options.punctuation };
    const learned = learnMerges(countWords(texts, split), { vocabSize: options.vocabSize, minCount: options.minCount, marking: 'end-of-word' });
    return makeBpeTokenizer(split, learned.vocabulary, learned.merges);
  },
  restore(state) {
    const s = parseState(BpeStateSchema, state, 'bpe');
    return makeBpeTokenizer({ lowercase: s.lowercase, punctuation: s.punctuation }, s.vocabulary, s.merges);
  },
};
