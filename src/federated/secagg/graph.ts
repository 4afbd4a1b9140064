/**
 * The SecAgg+ communication graph: which clients share pairwise masks and hold each other's
 * secret shares. Bell et al. (CCS 2020) use a random k-regular graph; like Flower's SecAgg+ this is
 * the Harary graph H(n, k) (each client joined to the k/2 nearest on either side of a ring) laid
 * over a random permutation of the client ids, drawn from a public round seed so every party
 * computes the same graph. When k ≥ n − 1 the graph is complete (the original Bonawitz et al.
 * protocol). The graph is symmetric: j is a neighbour of i iff i is a neighbour of j.
 */
import { ConfigError } from '../../errors.js';
import { createRng, deriveSeed, permutation } from '../../engine/random.js';

/** Each client's neighbours, sorted ascending; a client is never its own neighbour. */
export type SecAggGraph = ReadonlyMap<number, readonly number[]>;

/**
 * Default number of neighbours: min(n − 1, 2·⌈log2 n⌉), at least 2 — O(log n) as in Bell et al.
 * (k = 8 for n = 10, 14 for n = 100, 20 for n = 1,000). Always even when below n − 1.
 */
export function defaultNeighbourCount(n: number): number {
  const k = Math.max(2, 2 * Math.ceil(Math.log2(n)));
  return Math.min(n - 1, k);
}

/**
 * Default reconstruction threshold: ⌊k/2⌋ + 1 (a strict majority of the neighbours). Since an
 * honest client reveals only one of a neighbour's two secrets, a majority threshold means even a
 * server that lies about who dropped cannot collect t shares of both. Tolerates k − t dropped
 * neighbours per client (9 of 20 at k = 20).
 */
export function defaultThreshold(k: number): number {
  return Math.min(k, Math.floor(k / 2) + 1);
}

/**
 * Builds the graph over `ids` (distinct integers ≥ 0; their order does not matter) with `k`
 * neighbours each, from the public 32-bit `seed`. k must be even unless k ≥ n − 1 (complete).
 */
export function buildGraph(ids: readonly number[], k: number, seed: number): SecAggGraph {
  const sorted = [...ids].sort((a, b) => a - b);
  const n = sorted.length;
  for (let i = 0; i < n; i++) {
    if (!(Number.isInteger(sorted[i]) && sorted[i] >= 0)) throw new ConfigError('secagg.clientIds', `client ids must be integers ≥ 0, got ${String(sorted[i])}`);
    if (i > 0 && sorted[i] === sorted[i - 1]) throw new ConfigError('secagg.clientIds', `duplicate client id ${sorted[i]}`);
  }
  if (!(Number.isInteger(k) && k >= 1)) throw new ConfigError('secagg.neighbours', `must be an integer ≥ 1, got ${String(k)}`);
  const graph = new Map<number, number[]>();
  if (k >= n - 1) {
    for (const id of sorted) graph.set(id, sorted.filter((j) => j !== id));
    return graph;
  }
  if (k % 2 !== 0) {
    throw new ConfigError('secagg.neighbours', `must be even when below n − 1 = ${n - 1} (Harary graph H(n, k)), got ${k}`, `use ${k + 1} or ${k - 1}`);
  }
  const perm = permutation(n, createRng(deriveSeed(seed >>> 0, 'secagg-graph')));
  const ring = Array.from(perm, (p) => sorted[p]);
  const half = k / 2;
  for (let p = 0; p < n; p++) {
    const out: number[] = [];
    for (let o = 1; o <= half; o++) out.push(ring[(p + o) % n], ring[(p - o + n) % n]);
    graph.set(ring[p], out.sort((a, b) => a - b));
  }
  return graph;
}
