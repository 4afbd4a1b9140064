/**
 * Cross-modal retrieval metrics (pure, no tfjs), as CLIP-style papers report them: given two
 * [N, d] embedding matrices whose row i are the two modalities of sample i, every row of one
 * queries all rows of the other by cosine similarity, and recall@k is the fraction of queries
 * whose own pair ranks among the k most similar. Reported in both directions (a→b: a queries b).
 *
 * Ties are broken pessimistically: the pair's rank is 1 + the number of other candidates whose
 * similarity is greater than or equal to the pair's, so a model that maps everything to one
 * point has rank N, not 1 (and a constant model scores recall@k = 0 for k < N, not a flattering
 * chance rate). Cosines are computed in float64 on rows normalized in float64, the same
 * arithmetic for every (i, j), so equal embeddings tie exactly. A zero row has cosine 0 with
 * everything. Time O(N²·d), memory O(N·d): fine for test sets of a few thousand.
 */
import { ShapeMismatchError } from '../../errors.js';

/** Retrieval scores in one direction. */
export interface RetrievalDirection {
  /** recall@k by k (as a string key, e.g. "1", "5", "10"): the fraction of queries whose pair ranks in the top k. */
  readonly recall: Readonly<Record<string, number>>;
  /** Mean rank of the pair (1 = best). */
  readonly meanRank: number;
  /** Median rank of the pair (the mean of the two middle ranks for an even number of queries). */
  readonly medianRank: number;
}

/** Retrieval scores both ways. */
export interface RetrievalScores {
  /** Queries from a, candidates from b. */
  readonly aToB: RetrievalDirection;
  /** Queries from b, candidates from a. */
  readonly bToA: RetrievalDirection;
  /** Number of pairs (queries per direction). */
  readonly n: number;
}

/** The recall@k levels reported by default. */
export const DEFAULT_RECALL_KS: readonly number[] = [1, 5, 10];

/** Rows divided by their L2 norm, in float64 (zero rows stay zero). */
export function normalizeRows(x: Float32Array | Float64Array, dim: number): Float64Array {
  const n = x.length / dim;
  const out = new Float64Array(x.length);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += x[i * dim + k] * x[i * dim + k];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < dim; k++) out[i * dim + k] = x[i * dim + k] * inv;
  }
  return out;
}

/** Dot product of row i of `x` and row j of `y` (both `dim` wide), summed in order k = 0..dim−1. */
export function rowDot(x: Float64Array, i: number, y: Float64Array, j: number, dim: number): number {
  let s = 0;
  const xi = i * dim;
  const yj = j * dim;
  for (let k = 0; k < dim; k++) s += x[xi + k] * y[yj + k];
  return s;
}

function checkEmbeddings(a: Float32Array | Float64Array, b: Float32Array | Float64Array, dim: number, what: string): number {
  if (!Number.isInteger(dim) || dim <= 0) throw new ShapeMismatchError(`${what}: the embedding width must be a positive integer, got ${dim}`);
  if (a.length % dim !== 0 || b.length % dim !== 0) throw new ShapeMismatchError(`${what}: ${a.length} and ${b.length} values are not whole rows of width ${dim}`);
  if (a.length !== b.length) {
    throw new ShapeMismatchError(`${what}: ${a.length / dim} rows of a but ${b.length / dim} rows of b; row i of a must be paired with row i of b`, 'embed the same samples with both towers');
  }
  const bad = [a, b].findIndex((m) => m.some((v) => !Number.isFinite(v)));
  if (bad >= 0) throw new ShapeMismatchError(`${what}: embedding ${bad === 0 ? 'a' : 'b'} holds a non-finite value`, 'check the model\'s inputs and training (a NaN there would rank arbitrarily)');
  return a.length / dim;
}

/**
 * Rank of each query's pair (1-based, pessimistic ties): for query i of `q` among all rows of
 * `c`, 1 + #{j ≠ i : cos(qᵢ, cⱼ) ≥ cos(qᵢ, cᵢ)}. Both matrices normalized rows, `dim` wide.
 */
export function pairRanks(q: Float64Array, c: Float64Array, dim: number): Int32Array {
  const n = q.length / dim;
  const ranks = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const own = rowDot(q, i, c, i, dim);
    let rank = 1;
    for (let j = 0; j < n; j++) if (j !== i && rowDot(q, i, c, j, dim) >= own) rank++;
    ranks[i] = rank;
  }
  return ranks;
}

/** recall@k, mean and median rank of a list of 1-based ranks. */
export function summarizeRanks(ranks: Int32Array, ks: readonly number[] = DEFAULT_RECALL_KS): RetrievalDirection {
  const n = ranks.length;
  if (n === 0) throw new ShapeMismatchError('retrieval needs at least one pair', 'evaluate on a non-empty split');
  const recall: Record<string, number> = {};
  for (const k of ks) {
    let hits = 0;
    for (let i = 0; i < n; i++) if (ranks[i] <= k) hits++;
    recall[String(k)] = hits / n;
  }
  const sorted = Int32Array.from(ranks).sort();
  const medianRank = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += ranks[i];
  return { recall, meanRank: sum / n, medianRank };
}

/**
 * Retrieval both ways between `a` and `b` ([N, dim] row-major each, row i of a paired with row i
 * of b), by cosine similarity, with recall at each of `ks`.
 */
export function retrievalScores(a: Float32Array | Float64Array, b: Float32Array | Float64Array, dim: number, ks: readonly number[] = DEFAULT_RECALL_KS): RetrievalScores {
  const n = checkEmbeddings(a, b, dim, 'retrieval');
  for (const k of ks) if (!Number.isInteger(k) || k <= 0) throw new ShapeMismatchError(`retrieval: recall@k needs positive integers k, got ${k}`);
  const an = normalizeRows(a, dim);
  const bn = normalizeRows(b, dim);
  return { aToB: summarizeRanks(pairRanks(an, bn, dim), ks), bToA: summarizeRanks(pairRanks(bn, an, dim), ks), n };
}

/** The recall@k of a random ranking of N candidates: min(k, N) / N. */
export function chanceRecall(n: number, ks: readonly number[] = DEFAULT_RECALL_KS): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ks) out[String(k)] = Math.min(k, n) / n;
  return out;
}
