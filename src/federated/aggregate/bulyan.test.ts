import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRefusedError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { bulyan, bulyanMinVectors, meanClosestToMedian, repeatedKrum } from './bulyan.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);

// Seven 1-D vectors 0, 1, 2, 3, 4, 5, 100 (indices 0..6), f = 1: θ = n − 2f = 5, β = θ − 2f = 3.
// Repeated Krum (neighbours = max(1, r − f − 2) for r remaining):
//   r = 7, 4 neighbours: scores 0:30 1:15 2:10 3:10 4:15 5:30 100:huge → pick index 2 (tie, lower)
//   r = 6 {0,1,3,4,5,100}, 3 neighbours: 0:1+9+16=26 1:1+4+9=14 3:1+4+4=9 4:1+1+9=11 5:1+4+16=21 → 3
//   r = 5 {0,1,4,5,100}, 2 neighbours: 0:1+16=17 1:1+9=10 4:1+9=10 5:1+16=17 → 1 (tie with 4)
//   r = 4 {0,4,5,100}, 1 neighbour: 0:16 4:1 5:1 → 4 (tie with 5)
//   r = 3 {0,5,100}, 1 neighbour (floored): 0:25 5:25 100:9025 → 0 (tie with 5, lower index)
// Selected values {2, 3, 1, 4, 0}: sorted 0..4, median 2; the β = 3 closest are 2, 1, 3 → mean 2.
const vectors = [0, 1, 2, 3, 4, 5, 100].map((x) => f32(x));

test('repeated Krum selects θ vectors, rescoring the shrinking set', () => {
  assert.deepEqual(repeatedKrum(vectors, { byzantine: 1, theta: 5 }), [2, 3, 1, 4, 0]);
});

test('Bulyan averages the β values closest to the median of the selection', () => {
  const before = vectors.map((v) => Array.from(v));

  const out = bulyan(vectors, { byzantine: 1 });

  assert.deepEqual(out.selected, [2, 3, 1, 4, 0]);
  assert.equal(out.beta, 3);
  assertClose(out.params, [2], 1e-7, 'bulyan');
  assert.deepEqual(vectors.map((v) => Array.from(v)), before, 'inputs not mutated');
});

test('meanClosestToMedian averages the β values nearest the median, on either side', () => {
  // Odd: 0, 1, 2, 6, 7, median 2; distances 2, 1, 0, 4, 5 → the three closest 2, 1, 0 → mean 1.
  assert.equal(meanClosestToMedian(Float64Array.from([0, 1, 2, 6, 7]), 3), 1);
  // Even: 0, 1, 3, 10, median (1 + 3)/2 = 2; distances 2, 1, 1, 8.
  //   β = 2 → 1, 3 → mean 2;   β = 3 → 1, 3, 0 → 4/3
  assert.equal(meanClosestToMedian(Float64Array.from([0, 1, 3, 10]), 2), 2);
  assertClose([meanClosestToMedian(Float64Array.from([0, 1, 3, 10]), 3)], [4 / 3], 1e-12, 'β = 3');
  // Upper side nearer: 0, 5, 6, 7, 8, median 6 → 6, then 5 and 7 tie (lower first), then 7 → (5 + 6 + 7)/3 = 6;
  // β = 4 adds 8 (distance 2) before 0 (distance 6) → (5 + 6 + 7 + 8)/4 = 6.5
  assert.equal(meanClosestToMedian(Float64Array.from([0, 5, 6, 7, 8]), 3), 6);
  assert.equal(meanClosestToMedian(Float64Array.from([0, 5, 6, 7, 8]), 4), 6.5);
});

test('Bulyan with an even θ centres the window between the two middle values', () => {
  // Values 0..7 (n = 8), f = 1: θ = 6, β = 4. Repeated Krum (max(1, r − 3) neighbours):
  //   r = 8: 0:55 1:31 2:19 3:19 4:19 5:19 6:31 7:55 → 2
  //   r = 7 {0,1,3,4,5,6,7}: 0:51 1:30 3:18 4:15 5:1+1+4+4=10 6:15 7:30 → 5
  //   r = 6 {0,1,3,4,6,7}: 0:26 1:14 3:14 4:14 6:14 7:26 → 1 (lowest index of the tie)
  //   r = 5 {0,3,4,6,7}: 0:25 3:10 4:5 6:5 7:10 → 4
  //   r = 4 {0,3,6,7}: 0:9 3:9 6:1 7:1 → 6
  //   r = 3 {0,3,7}: 1 neighbour: 0:9 3:9 7:16 → 0 (tie with 3, lower index)
  // Selected values 0, 1, 2, 4, 5, 6: median (2 + 4)/2 = 3; the four closest are 2, 4 (distance 1)
  // and 1, 5 (distance 2) → (1 + 2 + 4 + 5)/4 = 3.
  const out = bulyan([0, 1, 2, 3, 4, 5, 6, 7].map((x) => f32(x)), { byzantine: 1 });
  assert.deepEqual(out.selected, [2, 5, 1, 4, 6, 0]);
  assertClose(out.params, [3], 1e-7, 'even theta');
});

test('repeated Krum keeps at least one neighbour: with f = 1 its last pick is not the lowest index by default', () => {
  // Index 0 is an outlier (100), indices 1..6 hold 0..5. Picks by the rule above: r = 7 → index 3
  // (value 2), r = 6 → 4 (3), r = 5 → 2 (1), r = 4 → 5 (4). Left {100, 0, 5} at indices {0, 1, 6}
  // with r − f − 2 = 0: zero neighbours would score all three 0 and pick index 0, the outlier;
  // one neighbour (Flower's max(1, ·)) scores 100: 95² = 9025, 0: 5² = 25, 5: 25 → index 1.
  const withOutlierFirst = [100, 0, 1, 2, 3, 4, 5].map((x) => f32(x));

  const picked = repeatedKrum(withOutlierFirst, { byzantine: 1, theta: 5 });
  const out = bulyan(withOutlierFirst, { byzantine: 1 });

  assert.deepEqual(picked, [3, 4, 2, 5, 1]);
  assert.ok(!picked.includes(0), 'the outlier is not selected');
  // Selected values 2, 3, 1, 4, 0: median 2, the β = 3 closest 1, 2, 3 → 2 (with the outlier it would be 3).
  assertClose(out.params, [2], 1e-7, 'bulyan');
});

test('Bulyan with f = 0 is the mean of all vectors', () => {
  // θ = β = n = 3: (1 + 2 + 6)/3 = 3
  assertClose(bulyan([f32(1), f32(2), f32(6)], { byzantine: 0 }).params, [3], 1e-7, 'f = 0');
});

test('Bulyan refuses fewer than 4f + 3 vectors', () => {
  assert.equal(bulyanMinVectors(2), 11);
  assert.throws(
    () => bulyan(Array.from({ length: 9 }, (_, i) => f32(i)), { byzantine: 2 }),
    errorLike(RoundRefusedError, /Bulyan with f=2 needs at least 4f\+3 = 11 vectors, got 9/),
  );
});
