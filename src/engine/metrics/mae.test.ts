import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError, ShapeMismatchError } from '../../errors.js';
import { assertClose, errorLike } from '../testing.js';
import { mae } from './mae.js';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

describe('mae', () => {
  test('one output: mean |error|', () => {
    // y [3, −0.5, 2, 7], ŷ [2.5, 0, 2, 8]: |errors| 0.5, 0.5, 0, 1 → 2 / 4 = 0.5 (scikit-learn's example)
    const got = mae.compute({ predictions: f32(2.5, 0, 2, 8), targets: f32(3, -0.5, 2, 7), width: 1 });

    assert.equal(got, 0.5);
  });

  test('two outputs: the mean of the per-output MAEs', () => {
    // y [[0.5, 1], [−1, 1], [7, −6]], ŷ [[0, 2], [−1, 2], [8, −5]]
    // output 0: 0.5, 0, 1 → 0.5; output 1: 1, 1, 1 → 1; mean 0.75 (scikit-learn's example)
    const got = mae.compute({ predictions: f32(0, 2, -1, 2, 8, -5), targets: f32(0.5, 1, -1, 1, 7, -6), width: 2 });

    assertClose([got], [0.75], 1e-12, 'mae');
  });

  test('a mask with 90% unlabelled: only the labelled sample counts', () => {
    // 10 samples of 2 outputs, only sample 0 labelled: y [1, 2], ŷ [1.5, 0] → (0.5 + 2) / 2 = 1.25
    const predictions = new Float32Array(20).fill(-50);
    const targets = new Float32Array(20).fill(NaN);
    const mask = new Uint8Array(10);
    predictions.set([1.5, 0], 0);
    targets.set([1, 2], 0);
    mask[0] = 1;

    assert.equal(mae.compute({ predictions, targets, width: 2, mask }), 1.25);
  });

  test('NaN with every sample masked, and with no samples', () => {
    assert.ok(Number.isNaN(mae.compute({ predictions: f32(1, 2), targets: f32(1, 2), width: 1, mask: Uint8Array.of(0, 0) })));
    assert.ok(Number.isNaN(mae.compute({ predictions: f32(), targets: f32(), width: 1 })));
  });

  test('errors name the metric', () => {
    assert.throws(() => mae.compute({ predictions: f32(1, 2), targets: f32(1), width: 1 }), errorLike(ShapeMismatchError, /^mae:/));
    assert.throws(() => mae.compute({ predictions: f32(1), targets: f32(NaN), width: 1 }), errorLike(DataMalformedError, /^mae: target NaN/));
  });
});
