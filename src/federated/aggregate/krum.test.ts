import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, RoundRefusedError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { krumMinVectors, krumScores, krumSelect } from './krum.js';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);

// Five 1-D vectors 0, 1, 2, 3, 10 with f = 1: each score sums the n − f − 2 = 2 smallest squared
// distances to the others.
//   0: to 1, 2, 3, 10 → 1, 4, 9, 100 → 1 + 4 = 5
//   1: 1, 1, 4, 81 → 2
//   2: 4, 1, 1, 64 → 2
//   3: 9, 4, 1, 49 → 5
//   10: 100, 81, 64, 49 → 49 + 64 = 113
const vectors = [f32(0), f32(1), f32(2), f32(3), f32(10)];

test('krumScores match the hand-computed sums of squared distances', () => {
  assert.deepEqual(Array.from(krumScores(vectors, { byzantine: 1 })), [5, 2, 2, 5, 113]);
});

test('Krum selects the lowest score, ties broken by lower index; Multi-Krum the m lowest', () => {
  assert.deepEqual(krumSelect(vectors, { byzantine: 1 }).selected, [1]);
  assert.deepEqual(krumSelect(vectors, { byzantine: 1, keep: 3 }).selected, [1, 2, 0]);
  assert.deepEqual(krumSelect(vectors, { byzantine: 1, keep: 4 }).selected, [1, 2, 0, 3]);
});

test('Krum in two dimensions uses Euclidean squared distances', () => {
  // (0,0), (1,0), (0,1), (5,5), n = 4, f = 0 → 2 neighbours.
  //   (0,0): 1, 1, 50 → 2; (1,0): 1, 2, 41 → 3; (0,1): 1, 2, 41 → 3; (5,5): 50, 41, 41 → 82
  const scores = krumScores([f32(0, 0), f32(1, 0), f32(0, 1), f32(5, 5)], { byzantine: 0 });
  assert.deepEqual(Array.from(scores), [2, 3, 3, 82]);
});

test('Krum refuses n ≤ 2f + 2 and bad f or m', () => {
  assert.equal(krumMinVectors(1), 5);
  assert.throws(
    () => krumScores(vectors.slice(0, 4), { byzantine: 1 }),
    errorLike(RoundRefusedError, /Krum with f=1 needs more than 2f\+2 = 4 vectors, got 4/),
  );
  assert.throws(() => krumScores(vectors, { byzantine: -1 }), errorLike(ConfigError, /byzantine/));
  assert.throws(() => krumSelect(vectors, { byzantine: 1, keep: 6 }), errorLike(ConfigError, /keep: must be an integer in \[1, 5\]/));
});
