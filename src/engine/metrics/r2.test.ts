import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError, ShapeMismatchError } from '../../errors.js';
import { assertClose, errorLike } from '../testing.js';
import { r2 } from './r2.js';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

describe('r2', () => {
  test('one output: 1 − SS_res / SS_tot', () => {
    // y [3, −0.5, 2, 7], ŷ [2.5, 0, 2, 8]
    // ȳ = 11.5 / 4 = 2.875; SS_tot = 0.125² + 3.375² + 0.875² + 4.125² = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875
    // SS_res = 0.25 + 0.25 + 0 + 1 = 1.5; R² = 1 − 1.5 / 29.1875 = 0.948608 (scikit-learn's example: 0.948...)
    const got = r2.compute({ predictions: f32(2.5, 0, 2, 8), targets: f32(3, -0.5, 2, 7), width: 1 });

    assertClose([got], [1 - 1.5 / 29.1875], 1e-12, 'r2');
    assertClose([got], [0.948608], 1e-6, 'r2 by hand');
  });

  test('two outputs: the mean of the per-output R² (uniform_average)', () => {
    // y [[0.5, 1], [−1, 1], [7, −6]], ŷ [[0, 2], [−1, 2], [8, −5]]
    // output 0: ȳ = 6.5/3; SS_tot = 2.777778 + 10.027778 + 23.361111 = 36.166667; SS_res = 0.25 + 0 + 1 = 1.25 → 0.965438
    // output 1: ȳ = −4/3;  SS_tot = 5.444444 + 5.444444 + 21.777778 = 32.666667; SS_res = 1 + 1 + 1 = 3    → 0.908163
    // mean = 0.936800 (scikit-learn's r2_score example: 0.936...)
    const got = r2.compute({ predictions: f32(0, 2, -1, 2, 8, -5), targets: f32(0.5, 1, -1, 1, 7, -6), width: 2 });

    assertClose([got], [(1 - 1.25 / (217 / 6) + (1 - 3 / (98 / 3))) / 2], 1e-12, 'r2');
    assertClose([got], [0.9368], 1e-6, 'r2 by hand');
  });

  test('perfect predictions give 1; predicting the mean gives 0; worse can be negative', () => {
    const targets = f32(1, 2, 3);

    assert.equal(r2.compute({ predictions: f32(1, 2, 3), targets, width: 1 }), 1);
    assert.equal(r2.compute({ predictions: f32(2, 2, 2), targets, width: 1 }), 0);
    // ŷ [3, 2, 1]: SS_res = 4 + 0 + 4 = 8, SS_tot = 2 → 1 − 4 = −3
    assert.equal(r2.compute({ predictions: f32(3, 2, 1), targets, width: 1 }), -3);
  });

  test('NaN for a constant target (SS_tot = 0), also when only one output is constant, and for one sample', () => {
    assert.ok(Number.isNaN(r2.compute({ predictions: f32(1, 2, 3), targets: f32(2, 2, 2), width: 1 })));
    // output 1 is constant [5, 5]
    assert.ok(Number.isNaN(r2.compute({ predictions: f32(1, 5, 2, 5), targets: f32(1, 5, 2, 5), width: 2 })));
    assert.ok(Number.isNaN(r2.compute({ predictions: f32(1), targets: f32(3), width: 1 })));
  });

  test('a mask with 90% unlabelled: mean and sums over the labelled samples only', () => {
    // 20 samples, labelled s0 (y 1, ŷ 1.5) and s10 (y 3, ŷ 2): ȳ = 2, SS_tot = 1 + 1 = 2,
    // SS_res = 0.25 + 1 = 1.25 → R² = 1 − 1.25/2 = 0.375. The 18 others have NaN targets.
    const predictions = new Float32Array(20).fill(9);
    const targets = new Float32Array(20).fill(NaN);
    const mask = new Uint8Array(20);
    predictions[0] = 1.5;
    targets[0] = 1;
    mask[0] = 1;
    predictions[10] = 2;
    targets[10] = 3;
    mask[10] = 1;

    assert.equal(r2.compute({ predictions, targets, width: 1, mask }), 0.375);
  });

  test('NaN with every sample masked, and with no samples', () => {
    assert.ok(Number.isNaN(r2.compute({ predictions: f32(1, 2), targets: f32(1, 2), width: 1, mask: Uint8Array.of(0, 0) })));
    assert.ok(Number.isNaN(r2.compute({ predictions: f32(), targets: f32(), width: 1 })));
  });

  test('errors name the metric', () => {
    assert.throws(() => r2.compute({ predictions: f32(1, 2), targets: f32(1, 2), width: 1, mask: Uint8Array.of(1) }), errorLike(ShapeMismatchError, /^r2: mask/));
    assert.throws(() => r2.compute({ predictions: f32(1, 2), targets: f32(1, NaN), width: 1 }), errorLike(DataMalformedError, /^r2: target NaN/));
  });
});
