import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError, ShapeMismatchError } from '../../errors.js';
import { assertClose, errorLike } from '../testing.js';
import { macroF1 } from './macro-f1.js';

/** Probability rows that put 0.7 on each predicted class and share the rest evenly. */
function rowsPredicting(predicted: readonly number[], width: number): Float32Array {
  const out = new Float32Array(predicted.length * width).fill(0.3 / (width - 1));
  predicted.forEach((c, i) => (out[i * width + c] = 0.7));
  return out;
}

describe('macroF1', () => {
  test("3 classes, scikit-learn's documented example: 0.2667", () => {
    // y_true [0, 1, 2, 0, 1, 2], y_pred [0, 2, 1, 0, 0, 1]
    // class 0: TP 2, FP 1 (sample 4), FN 0 → F1 = 2·2 / (4 + 1 + 0) = 0.8
    // class 1: TP 0, FP 2, FN 2             → 0
    // class 2: TP 0, FP 1, FN 2             → 0
    // macro = 0.8 / 3 = 0.26667, as f1_score(y_true, y_pred, average='macro') in scikit-learn's docs
    const got = macroF1.compute({ predictions: rowsPredicting([0, 2, 1, 0, 0, 1], 3), targets: Int32Array.of(0, 1, 2, 0, 1, 2), width: 3 });

    assertClose([got], [0.8 / 3], 1e-12, 'macro F1');
  });

  test('averages over the union of true and predicted classes; a class in neither is left out', () => {
    // width 5; y_true [0, 0, 0, 1, 1, 2], y_pred [0, 0, 1, 1, 2, 3]
    // class 0: TP 2, FP 0, FN 1 → 4/5 = 0.8
    // class 1: TP 1, FP 1, FN 1 → 2/4 = 0.5
    // class 2: TP 0, FP 1, FN 1 → 0
    // class 3: TP 0, FP 1, FN 0 → 0   (predicted, never true: in the union, F1 = 0)
    // class 4: never true, never predicted: not counted
    // macro = (0.8 + 0.5 + 0 + 0) / 4 = 0.325 (scikit-learn: f1_score(..., average='macro') = 0.325;
    // over all 5 classes it would be 0.26, over the true classes only 0.4333)
    const got = macroF1.compute({ predictions: rowsPredicting([0, 0, 1, 1, 2, 3], 5), targets: Int32Array.of(0, 0, 0, 1, 1, 2), width: 5 });

    assertClose([got], [0.325], 1e-12, 'macro F1');
  });

  test('perfect predictions give 1, even with classes absent from the data', () => {
    const got = macroF1.compute({ predictions: rowsPredicting([0, 2, 2], 4), targets: Int32Array.of(0, 2, 2), width: 4 });

    assert.equal(got, 1);
  });

  test('the predicted class is the argmax with ties to the lowest index', () => {
    // row [0.5, 0.5] predicts class 0; label 1 → class 0: FP 1 → 0; class 1: FN 1 → 0; macro 0
    assert.equal(macroF1.compute({ predictions: Float32Array.of(0.5, 0.5), targets: Int32Array.of(1), width: 2 }), 0);
  });

  test('a mask with 90% unlabelled: only the 2 labelled samples (both right) count', () => {
    // 20 samples of 3 classes; samples 4 (class 0) and 15 (class 1) are labelled and predicted right;
    // the 18 others predict class 2, are labelled -1 (missing) and are ignored → F1 of classes 0, 1 = 1
    const n = 20;
    const predicted = new Array<number>(n).fill(2);
    predicted[4] = 0;
    predicted[15] = 1;
    const targets = new Int32Array(n).fill(-1);
    targets[4] = 0;
    targets[15] = 1;
    const mask = new Uint8Array(n);
    mask[4] = 1;
    mask[15] = 1;

    assert.equal(macroF1.compute({ predictions: rowsPredicting(predicted, 3), targets, width: 3, mask }), 1);
  });

  test('a mask removes a class from the union', () => {
    // y_true [0, 1, 2], y_pred [0, 0, 2]; sample 1 masked → classes 0 and 2 each perfect → 1
    // (unmasked: class 0 = 2/3, class 1 = 0, class 2 = 1 → 0.5556)
    const input = { predictions: rowsPredicting([0, 0, 2], 3), targets: Int32Array.of(0, 1, 2), width: 3 };

    assert.equal(macroF1.compute({ ...input, mask: Uint8Array.of(1, 0, 1) }), 1);
    assertClose([macroF1.compute(input)], [(2 / 3 + 0 + 1) / 3], 1e-12, 'unmasked');
  });

  test('NaN with every sample masked, and with no samples', () => {
    assert.ok(Number.isNaN(macroF1.compute({ predictions: rowsPredicting([0, 1], 2), targets: Int32Array.of(0, 1), width: 2, mask: Uint8Array.of(0, 0) })));
    assert.ok(Number.isNaN(macroF1.compute({ predictions: new Float32Array(0), targets: new Int32Array(0), width: 2 })));
  });

  test('errors name the metric; 0/1 label targets are refused (classes only)', () => {
    assert.throws(() => macroF1.compute({ predictions: Float32Array.of(0.9), targets: Float32Array.of(1), width: 1 }), errorLike(DataMalformedError, /^macroF1: expected targets as class indices/));
    assert.throws(() => macroF1.compute({ predictions: Float32Array.of(0.5, 0.5), targets: Int32Array.of(5), width: 2 }), errorLike(DataMalformedError, /^macroF1: class target 5/));
    assert.throws(() => macroF1.compute({ predictions: Float32Array.of(0.5, 0.5), targets: Int32Array.of(0, 1), width: 2 }), errorLike(ShapeMismatchError, /^macroF1:/));
  });
});
