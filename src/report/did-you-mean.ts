/**
 * "Did you mean": the known names closest to a misspelt one, by case-insensitive
 * Damerau-Levenshtein (optimal string alignment) distance, and prefix matches. Pure, no imports,
 * so that errors.ts (browser-safe) and the CLI can both use it.
 */

/** Options of `closestNames`. */
export interface ClosestNamesOptions {
  /**
   * Largest edit distance accepted, as a function of the typed name's length. Default: 1 for
   * names of up to 4 characters, 2 up to 8, else 3 (a third of longer names would match too much).
   */
  maxDistance?: (length: number) => number;
  /** At most this many suggestions, best first. Default 3. */
  limit?: number;
}

/** Default threshold of `closestNames`: 1 edit for short names, 2 up to 8 characters, else 3. */
export function defaultMaxDistance(length: number): number {
  return length <= 4 ? 1 : length <= 8 ? 2 : 3;
}

/**
 * Edit distance between `a` and `b` (insertions, deletions, substitutions and transpositions of
 * two adjacent characters each cost 1), compared as given (callers lower-case).
 */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // Three rows of the (n+1) x (m+1) table: two back for transpositions.
  let prev2 = new Uint32Array(m + 1);
  let prev = new Uint32Array(m + 1);
  let row = new Uint32Array(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    row[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      row[j] = d;
    }
    [prev2, prev, row] = [prev, row, prev2];
  }
  return prev[m];
}

/**
 * The known names that `name` most likely meant, best first: an exact case-insensitive match
 * alone; else names within the edit-distance threshold and names that start with `name` (at
 * least 2 characters typed) or that `name` starts with, ordered by distance, then by `known`'s order.
 * Empty when nothing is close.
 */
export function closestNames(name: string, known: readonly string[], options: ClosestNamesOptions = {}): string[] {
  const maxDistance = options.maxDistance ?? defaultMaxDistance;
  const limit = options.limit ?? 3;
  const typed = name.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === typed);
  if (exact !== undefined) return [exact];
  const scored: { name: string; distance: number; index: number }[] = [];
  known.forEach((k, index) => {
    const lower = k.toLowerCase();
    const distance = editDistance(typed, lower);
    const prefix = (typed.length >= 2 && lower.startsWith(typed)) || (lower.length >= 2 && typed.startsWith(lower));
    if (distance <= maxDistance(typed.length) || prefix) scored.push({ name: k, distance: prefix ? Math.min(distance, 1) : distance, index });
  });
  scored.sort((x, y) => x.distance - y.distance || x.index - y.index);
  return [...new Set(scored.map((s) => s.name))].slice(0, limit);
}

/**
 * `did you mean 'x'?` (or `'x' or 'y'`) for the closest known names, quoted with `quote`
 * (a function, e.g. adding `--` for flags); '' when nothing is close.
 */
export function didYouMean(name: string, known: readonly string[], quote: (s: string) => string = (s) => `'${s}'`): string {
  const names = closestNames(name, known);
  if (names.length === 0) return '';
  const listed = names.map(quote);
  return `did you mean ${listed.length === 1 ? listed[0] : `${listed.slice(0, -1).join(', ')} or ${listed[listed.length - 1]}`}?`;
}
