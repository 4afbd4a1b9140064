import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError, ShapeMismatchError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { classQuotas, selectConfident, type ConfidentPick } from './select-confident.js';

const rows = (...r: number[][]): Float32Array => Float32Array.from(r.flat());
const brief = (picks: ConfidentPick[]): [number, number][] => picks.map((p) => [p.position, p.label]);

test('classQuotas keeps the labelled set\'s class balance (largest remainder, ties to the lower class)', () => {
  // the paper's setting: 1 positive for 3 negatives, 4 samples per round
  assert.deepEqual(Array.from(classQuotas([1, 3], 4)), [1, 3]);
  // exact shares 2.5, 1.25, 1.25: floors 2, 1, 1 and the one left goes to the largest remainder (class 0)
  assert.deepEqual(Array.from(classQuotas([2, 1, 1], 5)), [3, 1, 1]);
  // equal remainders 2/3 each: the two left go to classes 0 and 1
  assert.deepEqual(Array.from(classQuotas([1, 1, 1], 2)), [1, 1, 0]);
  // a class without labelled samples gets nothing
  assert.deepEqual(Array.from(classQuotas([0, 5, 5], 4)), [0, 2, 2]);
  assert.throws(() => classQuotas([0, 0], 3), errorLike(DataMalformedError, /no sample/));
});

test('selectConfident: each view takes its most confident samples per class', () => {
  // Arrange: 4 pool samples, 2 classes; view 0 and view 1 predict (p0, p1) for each sample.
  const view0 = rows([0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.45, 0.55]);
  const view1 = rows([0.5, 0.5], [0.3, 0.7], [0.7, 0.3], [0.1, 0.9]);
  // Act: one sample of each class per view.
  const picks = selectConfident([view0, view1], 2, [1, 1]);
  // Assert. Candidates by decreasing confidence (view, position, class): v0 #0 c0 0.9, v1 #3 c1 0.9,
  // v0 #2 c1 0.8, v1 #1 c1 0.7, v1 #2 c0 0.7, v0 #1 c0 0.6, v0 #3 c1 0.55, v1 #0 c0 0.5 (a tie: class 0).
  // Taken: v0 #0, v1 #3, v0 #2. Skipped: v1 #1 (v1's class-1 quota is full), v1 #2 (v0 labelled it),
  // v0 #1 (v0's class-0 quota is full), v0 #3 (v1 labelled it), v1 #0 (v0 labelled it).
  assert.deepEqual(brief(picks[0]), [[0, 0], [2, 1]]);
  assert.deepEqual(brief(picks[1]), [[3, 1]]);
  assert.ok(Math.abs(picks[1][0].confidence - 0.9) < 1e-6);
});

test('selectConfident never labels a sample twice; the more confident view labels a disputed one', () => {
  // Both views want sample 0: view 1 is more confident (0.95 vs 0.8) and disagrees on its class.
  const view0 = rows([0.8, 0.2], [0.7, 0.3]);
  const view1 = rows([0.05, 0.95], [0.4, 0.6]);
  const picks = selectConfident([view0, view1], 2, [1, 1]);
  assert.deepEqual(brief(picks[1]), [[0, 1]]);
  // view 0 falls back to its next sample of class 0; view 1's next (sample 1, class 1) is over its quota
  assert.deepEqual(brief(picks[0]), [[1, 0]]);
  const positions = [...picks[0], ...picks[1]].map((p) => p.position);
  assert.equal(new Set(positions).size, positions.length);
});

test('selectConfident: equal confidences go to the lower view, then the lower position', () => {
  const same = rows([0.6, 0.4], [0.6, 0.4], [0.6, 0.4]);
  const picks = selectConfident([same, Float32Array.from(same)], 2, [2, 0]);
  assert.deepEqual(brief(picks[0]), [[0, 0], [1, 0]]);
  assert.deepEqual(brief(picks[1]), [[2, 0]]);
});

test('selectConfident: the threshold drops unsure samples, so a view may label fewer than its quota', () => {
  const view0 = rows([0.9, 0.1], [0.55, 0.45], [0.3, 0.7]);
  const picks = selectConfident([view0], 2, [2, 2], 0.75);
  assert.deepEqual(brief(picks[0]), [[0, 0]]);
});

test('selectConfident refuses mismatched pools and non-finite probabilities', () => {
  assert.throws(() => selectConfident([rows([0.5, 0.5]), rows([0.5, 0.5], [0.5, 0.5])], 2, [1, 1]), errorLike(ShapeMismatchError, /pool rows/));
  assert.throws(() => selectConfident([rows([0.5, 0.5])], 2, [1]), errorLike(ShapeMismatchError, /quotas/));
  assert.throws(() => selectConfident([rows([Number.NaN, 0.5])], 2, [1, 1]), errorLike(DataMalformedError, /NaN/));
});
