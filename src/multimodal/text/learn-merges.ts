/**
 * Learning byte-pair-encoding merges from word frequencies (Sennrich, Haddow & Birch, "Neural
 * Machine Translation of Rare Words with Subword Units", ACL 2016, algorithm 1): every word starts
 * as its characters; the most frequent adjacent pair of symbols (counted over the words, weighted
 * by their frequencies) is merged into a new symbol, again and again, until the vocabulary is full
 * or no pair occurs `minCount` times. Two ways of marking where a symbol sits in its word:
 * - `end-of-word` (the paper's, as in its subword-nmt code): the last character carries `</w>`,
 *   so "low" starts as l o w</w>, and "w</w>" (word-final) is another symbol than "w";
 * - `continuation` (WordPiece's convention, as in Hugging Face's WordPiece trainer, which learns
 *   the vocabulary with BPE this way): every character but the first carries the prefix `##`, so
 *   "low" starts as l ##o ##w, and merging "l" with "##o" gives "lo", "##o" with "##w" gives "##ow".
 * Deterministic: ties between equally frequent pairs go to the pair whose left symbol, then right
 * symbol, comes first in code-unit order (the paper's code takes whichever its dictionary yields
 * first). Characters (initial symbols) occurring fewer than `minCount` times, or beyond what the
 * vocabulary can hold, are left out (unknown) and never merged. Incremental pair counts and a heap
 * make each merge cost the words it touches, not the whole corpus. Pure TypeScript.
 */
import { byCountThenToken, compareStrings, SPECIAL_TOKENS } from './tokenizer.js';

export type SymbolMarking = 'end-of-word' | 'continuation';

export const END_OF_WORD = '</w>';
export const CONTINUATION = '##';

export interface LearnMergesOptions {
  /** Size of the vocabulary, the special tokens included. */
  readonly vocabSize: number;
  readonly minCount: number;
  readonly marking: SymbolMarking;
}

export interface LearnedMerges {
  /** The initial symbols kept, most frequent first (ties in code-unit order). */
  readonly alphabet: readonly string[];
  /** The merges in the order learned (their rank). */
  readonly merges: readonly (readonly [string, string])[];
  /** Special tokens, then the alphabet, then each merge's new symbol (once, if two merges make the same string). */
  readonly vocabulary: readonly string[];
}

/** The initial symbols of a word under a marking (characters are code points, not UTF-16 units). */
export function initialSymbols(word: string, marking: SymbolMarking): string[] {
  const chars = Array.from(word);
  if (chars.length === 0) return chars;
  if (marking === 'end-of-word') {
    chars[chars.length - 1] += END_OF_WORD;
    return chars;
  }
  return chars.map((c, i) => (i === 0 ? c : CONTINUATION + c));
}

/** The symbol a merge makes. */
export function mergedSymbol(left: string, right: string, marking: SymbolMarking): string {
  return marking === 'continuation' && right.startsWith(CONTINUATION) ? left + right.slice(CONTINUATION.length) : left + right;
}

/** Pair keys: two symbol ids in one number (ids stay far below 2^26). */
const SHIFT = 2 ** 26;
const key = (a: number, b: number): number => a * SHIFT + b;

interface HeapEntry {
  readonly key: number;
  readonly count: number;
}

/** Learns merges from word frequencies. */
export function learnMerges(wordCounts: ReadonlyMap<string, number>, options: LearnMergesOptions): LearnedMerges {
  const { vocabSize, minCount, marking } = options;
  // the alphabet: initial symbols by frequency
  const symbolCounts = new Map<string, number>();
  const words: { symbols: string[]; count: number }[] = [];
  for (const [word, count] of wordCounts) {
    const symbols = initialSymbols(word, marking);
    if (symbols.length === 0) continue;
    words.push({ symbols, count });
    for (const s of symbols) symbolCounts.set(s, (symbolCounts.get(s) ?? 0) + count);
  }
  const room = Math.max(0, vocabSize - SPECIAL_TOKENS.length);
  const alphabet = byCountThenToken(symbolCounts)
    .filter(([, c]) => c >= minCount)
    .slice(0, room)
    .map(([s]) => s);

  // symbols as ids (-1: unknown, never merged)
  const names: string[] = [...alphabet];
  const ids = new Map<string, number>(alphabet.map((s, i) => [s, i]));
  const seqs: number[][] = words.map((w) => w.symbols.map((s) => ids.get(s) ?? -1));
  const freq = words.map((w) => w.count);
  const pairCounts = new Map<number, number>();
  /** The words where each pair occurs or occurred (a word may be listed more than once). */
  const pairWords = new Map<number, number[]>();
  /** The merge that last visited each word, to visit a word once per merge. */
  const visited = new Int32Array(seqs.length).fill(-1);
  const changed = new Set<number>();

  /** Adds `delta` occurrences of the pair (x, y) in word w (pairs with an unknown symbol are not counted). */
  const bump = (x: number, y: number, delta: number, w: number): void => {
    if (x < 0 || y < 0) return;
    const k = key(x, y);
    const c = (pairCounts.get(k) ?? 0) + delta;
    if (c === 0) pairCounts.delete(k);
    else pairCounts.set(k, c);
    changed.add(k);
    if (delta > 0) {
      const list = pairWords.get(k);
      if (list === undefined) pairWords.set(k, [w]);
      else if (list[list.length - 1] !== w) list.push(w); // never removed: a word that lost the pair is skipped when the pair is merged
    }
  };

  // a max-heap of (count, pair) with lazy deletion: an entry is live while its count is the pair's count
  const heap: HeapEntry[] = [];
  const before = (x: HeapEntry, y: HeapEntry): boolean => {
    if (x.count !== y.count) return x.count > y.count;
    const xa = Math.floor(x.key / SHIFT);
    const ya = Math.floor(y.key / SHIFT);
    const byLeft = compareStrings(names[xa], names[ya]);
    if (byLeft !== 0) return byLeft < 0;
    return compareStrings(names[x.key % SHIFT], names[y.key % SHIFT]) < 0;
  };
  const push = (e: HeapEntry): void => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const pop = (): HeapEntry | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  const flush = (): void => {
    for (const k of changed) {
      const c = pairCounts.get(k);
      if (c !== undefined) push({ key: k, count: c });
    }
    changed.clear();
  };

  for (let w = 0; w < seqs.length; w++) for (let i = 0; i + 1 < seqs[w].length; i++) bump(seqs[w][i], seqs[w][i + 1], freq[w], w);
  flush();

  const vocabulary: string[] = [...SPECIAL_TOKENS, ...alphabet];
  const inVocabulary = new Set(vocabulary);
  const merges: [string, string][] = [];
  while (vocabulary.length < vocabSize) {
    const top = pop();
    if (top === undefined) break;
    if (pairCounts.get(top.key) !== top.count) continue; // stale
    if (top.count < minCount) break;
    const a = Math.floor(top.key / SHIFT);
    const b = top.key % SHIFT;
    const symbol = mergedSymbol(names[a], names[b], marking);
    let id = ids.get(symbol);
    if (id === undefined) {
      id = names.length;
      names.push(symbol);
      ids.set(symbol, id);
    }
    merges.push([names[a], names[b]]);
    if (!inVocabulary.has(symbol)) {
      vocabulary.push(symbol);
      inVocabulary.add(symbol);
    }
    const affected = pairWords.get(top.key) ?? [];
    pairWords.delete(top.key);
    const stamp = merges.length;
    for (const w of affected) {
      if (visited[w] === stamp) continue;
      visited[w] = stamp;
      const seq = seqs[w];
      let has = false;
      for (let i = 0; i + 1 < seq.length && !has; i++) has = seq[i] === a && seq[i + 1] === b;
      if (!has) continue; // the word lost the pair to an earlier merge
      // only the pairs around each occurrence change: (prev, a) → (prev, ab) and (b, next) → (ab, next),
      // with prev taken from the merged output so that consecutive occurrences come out right
      // merged in place: the write position j never passes the read position i
      const f = freq[w];
      let j = 0;
      for (let i = 0; i < seq.length; i++) {
        if (i + 1 < seq.length && seq[i] === a && seq[i + 1] === b) {
          bump(a, b, -f, w);
          if (j > 0) {
            bump(seq[j - 1], a, -f, w);
            bump(seq[j - 1], id, f, w);
          }
          if (i + 2 < seq.length) {
            bump(b, seq[i + 2], -f, w);
            bump(id, seq[i + 2], f, w);
          }
          seq[j++] = id;
          i++;
        } else seq[j++] = seq[i];
      }
      seq.length = j;
    }
    flush();
  }
  return { alphabet, merges, vocabulary };
}
