import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError, ShapeMismatchError } from '../../errors.js';
import { assertClose, errorLike } from '../testing.js';
import { accuracy } from './accuracy.js';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);
const i32 = (...v: number[]): Int32Array => Int32Array.from(v);

describe('accuracy', () => {
  test('classes: argmax equals the label, ties to the lowest index', () => {
    // row               argmax  label  right
    // [0.1, 0.7, 0.2]     1       1     yes
    // [0.5, 0.5, 0.0]     0 (tie) 0     yes
    // [0.2, 0.3, 0.5]     2       0     no
    // [0.3, 0.3, 0.4]     2       2     yes   → 3/4
    const input = { predictions: f32(0.1, 0.7, 0.2, 0.5, 0.5, 0, 0.2, 0.3, 0.5, 0.3, 0.3, 0.4), targets: i32(1, 0, 0, 2), width: 3 };

    const got = accuracy.compute(input);

    assert.equal(got, 0.75);
  });

  test('classes: a tie is not counted right for the higher tied index', () => {
    // [0.4, 0.4, 0.2] with label 1: argmax is 0 (as tf.argMax), so wrong
    assert.equal(accuracy.compute({ predictions: f32(0.4, 0.4, 0.2), targets: i32(1), width: 3 }), 0);
  });

  test('binary: p ≥ 0.5 is positive', () => {
    // p     0.9  0.5  0.49  0.2
    // pred  1    1    0     0
    // t     1    1    1     0     → right, right, wrong, right = 3/4
    const got = accuracy.compute({ predictions: f32(0.9, 0.5, 0.49, 0.2), targets: f32(1, 1, 1, 0), width: 1 });

    assert.equal(got, 0.75);
  });

  test('multilabel: fraction of label entries right at 0.5 (1 − Hamming loss), not subset accuracy', () => {
    // sample 0: p [0.8, 0.1, 0.6] → [1, 0, 1] vs t [1, 0, 0]: 2 of 3 right
    // sample 1: p [0.4, 0.7, 0.2] → [0, 1, 0] vs t [0, 1, 1]: 2 of 3 right
    // 4/6 entries right (Hamming loss 2/6); subset accuracy would be 0
    const got = accuracy.compute({ predictions: f32(0.8, 0.1, 0.6, 0.4, 0.7, 0.2), targets: f32(1, 0, 0, 0, 1, 1), width: 3 });

    assertClose([got], [4 / 6], 1e-12, 'multilabel accuracy');
  });

  test('a mask with 90% unlabelled: only the labelled sample counts, and missing labels may be -1', () => {
    // 10 samples of 2 classes; all predict class 0; only sample 3 is labelled (label 0, right).
    // The other 9 are labelled -1 (missing) and would all be wrong or invalid.
    const n = 10;
    const predictions = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) predictions.set([0.9, 0.1], 2 * i);
    const targets = new Int32Array(n).fill(-1);
    targets[3] = 0;
    const mask = new Uint8Array(n);
    mask[3] = 1;

    assert.equal(accuracy.compute({ predictions, targets, width: 2, mask }), 1);
  });

  test('a mask drops samples from a binary input', () => {
    // labelled: samples 0 (0.7 → 1 vs 1, right) and 2 (0.6 → 1 vs 0, wrong) → 1/2
    const got = accuracy.compute({ predictions: f32(0.7, 0.1, 0.6, 0.2), targets: f32(1, 1, 0, 1), width: 1, mask: Uint8Array.of(1, 0, 1, 0) });

    assert.equal(got, 0.5);
  });

  test('NaN with every sample masked, and with no samples', () => {
    assert.ok(Number.isNaN(accuracy.compute({ predictions: f32(0.9, 0.1), targets: i32(0), width: 2, mask: Uint8Array.of(0) })));
    assert.ok(Number.isNaN(accuracy.compute({ predictions: f32(), targets: f32(), width: 1 })));
  });

  test('errors name the metric', () => {
    assert.throws(() => accuracy.compute({ predictions: f32(0.5, 0.5, 0.5), targets: i32(0, 1), width: 2 }), errorLike(ShapeMismatchError, /^accuracy:/));
    assert.throws(() => accuracy.compute({ predictions: f32(0.5, 0.5), targets: i32(2), width: 2 }), errorLike(DataMalformedError, /^accuracy: class target 2/));
    assert.throws(() => accuracy.compute({ predictions: f32(0.5), targets: f32(0.3), width: 1 }), errorLike(DataMalformedError, /^accuracy: target 0.3.* must be 0 or 1/));
  });
});
