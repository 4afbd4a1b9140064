import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError, ShapeMismatchError } from '../../errors.js';
import { assertClose, errorLike } from '../testing.js';
import { rmse } from './rmse.js';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

describe('rmse', () => {
  test('one output: √(mean squared error)', () => {
    // y [3, −0.5, 2, 7], ŷ [2.5, 0, 2, 8]: errors 0.5, 0.5, 0, 1; squares 0.25, 0.25, 0, 1
    // MSE = 1.5 / 4 = 0.375 (scikit-learn's example); RMSE = √0.375 = 0.612372
    const got = rmse.compute({ predictions: f32(2.5, 0, 2, 8), targets: f32(3, -0.5, 2, 7), width: 1 });

    assertClose([got], [Math.sqrt(0.375)], 1e-12, 'rmse');
  });

  test('two outputs: the mean of the per-output RMSEs (uniform_average)', () => {
    // y [[0.5, 1], [−1, 1], [7, −6]], ŷ [[0, 2], [−1, 2], [8, −5]]
    // output 0: squares 0.25, 0, 1 → MSE 1.25/3 = 0.416667 → RMSE 0.645497
    // output 1: squares 1, 1, 1    → MSE 1          → RMSE 1
    // mean = 0.822749 (scikit-learn's root_mean_squared_error gives 0.822...)
    // (√ of the pooled MSE would be √(4.25/6) = 0.841625 instead)
    const got = rmse.compute({ predictions: f32(0, 2, -1, 2, 8, -5), targets: f32(0.5, 1, -1, 1, 7, -6), width: 2 });

    assertClose([got], [(Math.sqrt(1.25 / 3) + 1) / 2], 1e-12, 'rmse');
    assertClose([got], [0.822749], 1e-6, 'rmse by hand');
  });

  test('a mask with 90% unlabelled: only the labelled sample counts', () => {
    // 10 samples, only sample 5 labelled: y 1, ŷ 4 → RMSE 3; the others miss by 100 against NaN targets
    const predictions = new Float32Array(10).fill(100);
    const targets = new Float32Array(10).fill(NaN);
    const mask = new Uint8Array(10);
    predictions[5] = 4;
    targets[5] = 1;
    mask[5] = 1;

    assert.equal(rmse.compute({ predictions, targets, width: 1, mask }), 3);
  });

  test('NaN with every sample masked, and with no samples', () => {
    assert.ok(Number.isNaN(rmse.compute({ predictions: f32(1, 2), targets: f32(1, 2), width: 1, mask: Uint8Array.of(0, 0) })));
    assert.ok(Number.isNaN(rmse.compute({ predictions: f32(), targets: f32(), width: 2 })));
  });

  test('errors name the metric', () => {
    assert.throws(() => rmse.compute({ predictions: f32(1, 2, 3), targets: f32(1, 2, 3), width: 2 }), errorLike(ShapeMismatchError, /^rmse:/));
    assert.throws(() => rmse.compute({ predictions: f32(1), targets: f32(Infinity), width: 1 }), errorLike(DataMalformedError, /^rmse: target Infinity/));
    assert.throws(() => rmse.compute({ predictions: f32(1), targets: Int32Array.of(1), width: 1 }), errorLike(DataMalformedError, /^rmse: expected targets as regression values/));
  });
});
