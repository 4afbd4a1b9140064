/**
 * Splitting a text into words, before any vocabulary: what every tokenizer does first. A text is
 * NFKC-normalized (full-width forms, ligatures and the like become their plain letters), lower-cased
 * when asked (`String.prototype.toLowerCase`, locale-independent; accents are kept), then cut into
 * - runs of letters, combining marks and digits (`[\p{L}\p{M}\p{N}]+`): "naïve", "3d", "straße";
 * - single CJK characters (Han, Hiragana, Katakana), each a word of its own, as BERT's basic
 *   tokenizer does, since those scripts do not put spaces between words;
 * - single punctuation or symbol characters (`\p{P}`, `\p{S}`: ".", "!", "$", "€", "@"), each a
 *   word of its own, when `punctuation` is `keep` (the default); dropped when it is `drop`.
 * Whitespace and control characters separate words and are dropped. So "Don't pay $5!" becomes
 * don ' t pay $ 5 ! (keep) or don t pay 5 (drop). Pure TypeScript.
 */

export interface SplitOptions {
  /** Lower-case the text before splitting. */
  readonly lowercase: boolean;
  /** Punctuation and symbol characters: one word each (`keep`), or dropped (`drop`). */
  readonly punctuation: 'keep' | 'drop';
}

export const DEFAULT_SPLIT: SplitOptions = { lowercase: true, punctuation: 'keep' };

const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}';
const RUN = `[${CJK}]|(?:(?![${CJK}])[\\p{L}\\p{M}\\p{N}])+`;
const KEEP = new RegExp(`${RUN}|[\\p{P}\\p{S}]`, 'gu');
const DROP = new RegExp(RUN, 'gu');

/** The normalized text that is split (NFKC, then lower-cased if asked). */
export function normalizeText(text: string, options: SplitOptions): string {
  const normalized = text.normalize('NFKC');
  return options.lowercase ? normalized.toLowerCase() : normalized;
}

/** The words of a text, in order; with `max`, at most its first `max` words. */
export function splitWords(text: string, options: SplitOptions, max = Infinity): string[] {
  const out: string[] = [];
  if (max <= 0) return out;
  const pattern = new RegExp(options.punctuation === 'keep' ? KEEP : DROP); // a fresh lastIndex per call
  for (const match of normalizeText(text, options).matchAll(pattern)) {
    out.push(match[0]);
    if (out.length >= max) break;
  }
  return out;
}

/** How often each word occurs in the texts. */
export function countWords(texts: Iterable<string>, options: SplitOptions): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) for (const word of splitWords(text, options)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
