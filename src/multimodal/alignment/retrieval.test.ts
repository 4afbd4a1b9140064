import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeMismatchError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { chanceRecall, retrievalScores, summarizeRanks } from './retrieval.js';

// a = [(1,0), (0,1), (1,1)], b = [(1,0), (1,1), (0,1)]; with c = 1/√2 the cosines S[i][j] = aᵢ·bⱼ are
//   a₀: [1, c, 0]
//   a₁: [0, c, 1]
//   a₂: [c, 1, c]
const A = Float32Array.from([1, 0, 0, 1, 1, 1]);
const B = Float32Array.from([1, 0, 1, 1, 0, 1]);

test('retrieval: ranks and recall@k both ways on a 3x3 example, ties counted against the pair', () => {
  const s = retrievalScores(A, B, 2, [1, 2, 3]);
  // a→b, row i against its own S[i][i]:
  //   a₀: 1 is the largest                              → rank 1
  //   a₁: c, beaten by S[1][2] = 1                      → rank 2
  //   a₂: c, beaten by S[2][1] = 1 and tied by S[2][0] → rank 3 (pessimistic)
  assert.deepEqual(s.aToB.recall, { 1: 1 / 3, 2: 2 / 3, 3: 1 });
  assert.equal(s.aToB.meanRank, 2);
  assert.equal(s.aToB.medianRank, 2);
  // b→a, column j against S[j][j]:
  //   b₀: 1 over 0 and c                                → rank 1
  //   b₁: c, tied by S[0][1] = c, beaten by S[2][1] = 1 → rank 3
  //   b₂: c, beaten by S[1][2] = 1                      → rank 2
  assert.deepEqual(s.bToA.recall, { 1: 1 / 3, 2: 2 / 3, 3: 1 });
  assert.equal(s.bToA.meanRank, 2);
  assert.equal(s.n, 3);
});

test('retrieval: cosine ignores the scale of the rows; identical embeddings retrieve perfectly', () => {
  const a = Float32Array.from([1, 0, 0, 0, 2, 0, 0, 0, 3]);
  const b = Float32Array.from([5, 0, 0, 0, 0.1, 0, 0, 0, 7]);
  const s = retrievalScores(a, b, 3);
  assert.deepEqual(s.aToB.recall, { 1: 1, 5: 1, 10: 1 });
  assert.equal(s.bToA.meanRank, 1);
});

test('retrieval: a constant embedding ties everywhere, so every pair ranks last', () => {
  const a = new Float32Array(4 * 2).fill(1);
  const s = retrievalScores(a, a, 2, [1, 3, 4]);
  assert.deepEqual(s.aToB.recall, { 1: 0, 3: 0, 4: 1 });
  assert.equal(s.aToB.meanRank, 4);
});

test('summarizeRanks: median of an even count is the mean of the middle two', () => {
  const d = summarizeRanks(Int32Array.from([4, 1, 2, 10]), [1, 5]);
  assert.equal(d.medianRank, 3);
  assert.equal(d.meanRank, 17 / 4);
  assert.deepEqual(d.recall, { 1: 0.25, 5: 0.75 });
});

test('chanceRecall: k / N, capped at 1', () => {
  assert.deepEqual(chanceRecall(8, [1, 5, 10]), { 1: 0.125, 5: 0.625, 10: 1 });
});

test('retrieval: unpaired or non-finite embeddings are refused', () => {
  assert.throws(() => retrievalScores(new Float32Array(6), new Float32Array(4), 2), errorLike(ShapeMismatchError, /3 rows of a but 2 rows of b/));
  assert.throws(() => retrievalScores(Float32Array.from([NaN, 0]), Float32Array.from([1, 0]), 2), errorLike(ShapeMismatchError, /non-finite/));
  assert.throws(() => retrievalScores(new Float32Array(5), new Float32Array(5), 2), errorLike(ShapeMismatchError, /whole rows/));
});
