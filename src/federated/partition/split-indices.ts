/** Index-list primitives shared by the partition methods: group by class, split evenly or by proportions. */
import { permutation, type Rng } from '../../engine/random.js';

/** The sample indices of each class, each list in a seeded random order. Draws one permutation per class, classes in order. */
export function shuffledClassIndices(labels: Int32Array, numClasses: number, rng: Rng): Int32Array[] {
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  const byClass = Array.from(counts, (n) => new Int32Array(n));
  const filled = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]][filled[labels[i]]++] = i;
  return byClass.map((idx) => {
    const order = permutation(idx.length, rng);
    return Int32Array.from(order, (k) => idx[k]);
  });
}

/**
 * Splits `items` into `parts` consecutive pieces of nearly equal size, the first
 * `items.length % parts` one longer (like numpy's `array_split`).
 */
export function splitEvenly(items: Int32Array, parts: number): Int32Array[] {
  const base = Math.floor(items.length / parts);
  const extra = items.length % parts;
  const out: Int32Array[] = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const end = start + base + (p < extra ? 1 : 0);
    out.push(items.subarray(start, end));
    start = end;
  }
  return out;
}

/**
 * Splits `items` into consecutive pieces by `proportions` (non-negative, summing to 1), cutting
 * at `floor(cumsum(proportions) · length)` as Li et al.'s code does; the last piece takes the rest.
 */
export function splitByProportions(items: Int32Array, proportions: ArrayLike<number>): Int32Array[] {
  const out: Int32Array[] = [];
  let start = 0;
  let cumulative = 0;
  for (let p = 0; p < proportions.length; p++) {
    cumulative += proportions[p];
    const end = p === proportions.length - 1 ? items.length : Math.min(items.length, Math.max(start, Math.floor(cumulative * items.length)));
    out.push(items.subarray(start, end));
    start = end;
  }
  return out;
}

/** Concatenates each client's pieces into one array sorted ascending. */
export function sortedParts(pieces: readonly Int32Array[][]): Int32Array[] {
  return pieces.map((list) => {
    const total = list.reduce((n, piece) => n + piece.length, 0);
    const out = new Int32Array(total);
    let at = 0;
    for (const piece of list) {
      out.set(piece, at);
      at += piece.length;
    }
    return out.sort();
  });
}
