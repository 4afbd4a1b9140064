import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError, ShapeMismatchError } from '../../errors.js';
import { errorLike } from '../testing.js';
import { argmaxRow, checkInput, classificationLayout, isLabelled } from './check-input.js';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);
const i32 = (...v: number[]): Int32Array => Int32Array.from(v);

describe('checkInput', () => {
  test('returns n for each layout', () => {
    // classes: 2 samples × 3 classes; labels: 3 samples × 2 labels; values: 2 samples × 1 output
    const classes = { predictions: f32(0.2, 0.3, 0.5, 1, 0, 0), targets: i32(2, 0), width: 3 };
    const labels = { predictions: f32(0.1, 0.9, 0.5, 0.5, 0, 1), targets: f32(0, 1, 1, 0, 0, 1), width: 2 };
    const values = { predictions: f32(1.5, -2), targets: f32(1, 2), width: 1 };

    assert.equal(checkInput('m', classes, 'classes'), 2);
    assert.equal(checkInput('m', labels, 'labels'), 3);
    assert.equal(checkInput('m', values, 'values'), 2);
  });

  test('empty inputs have n = 0', () => {
    assert.equal(checkInput('m', { predictions: f32(), targets: i32(), width: 4 }, 'classes'), 0);
    assert.equal(checkInput('m', { predictions: f32(), targets: f32(), width: 2 }, 'labels'), 0);
  });

  test('ShapeMismatchError names the metric when lengths disagree with width and n', () => {
    // 2 class targets of width 3 need 6 predictions, not 5
    assert.throws(
      () => checkInput('accuracy', { predictions: f32(0, 0, 0, 0, 0), targets: i32(0, 1), width: 3 }, 'classes'),
      errorLike(ShapeMismatchError, /^accuracy: 5 predictions for 2 class targets of width 3; expected 6/),
    );
    // 5 label targets are not a whole number of rows of width 2
    assert.throws(
      () => checkInput('auc', { predictions: f32(0, 0, 0, 0, 0), targets: f32(0, 1, 0, 1, 0), width: 2 }, 'labels'),
      errorLike(ShapeMismatchError, /^auc: 5 targets is not a multiple of width 2/),
    );
    // 4 targets, 3 predictions
    assert.throws(
      () => checkInput('rmse', { predictions: f32(0, 0, 0), targets: f32(0, 1, 0, 1), width: 1 }, 'values'),
      errorLike(ShapeMismatchError, /^rmse: 3 predictions for 4 targets/),
    );
    // a mask of 3 for 2 samples
    assert.throws(
      () => checkInput('mae', { predictions: f32(0, 0), targets: f32(0, 1), width: 1, mask: Uint8Array.of(1, 1, 0) }, 'values'),
      errorLike(ShapeMismatchError, /^mae: mask has 3 entries for 2 samples/),
    );
    for (const width of [0, -1, 1.5, NaN]) {
      assert.throws(
        () => checkInput('r2', { predictions: f32(), targets: f32(), width }, 'values'),
        errorLike(ShapeMismatchError, /^r2: width must be a positive integer/),
        `width ${width}`,
      );
    }
  });

  test('DataMalformedError for a class target outside [0, width), a non-0/1 label, a non-finite value, a mask value > 1', () => {
    const probs = f32(0.5, 0.5, 0.5, 0.5);
    assert.throws(
      () => checkInput('macroF1', { predictions: probs, targets: i32(0, 2), width: 2 }, 'classes'),
      errorLike(DataMalformedError, /^macroF1: class target 2 of sample 1 is outside \[0, 2\)/),
    );
    assert.throws(() => checkInput('macroF1', { predictions: probs, targets: i32(-1, 0), width: 2 }, 'classes'), errorLike(DataMalformedError, /class target -1 of sample 0/));
    assert.throws(
      () => checkInput('auc', { predictions: probs, targets: f32(0, 1, 0.5, 1), width: 2 }, 'labels'),
      errorLike(DataMalformedError, /^auc: target 0.5 of sample 1, column 0 must be 0 or 1/),
    );
    assert.throws(
      () => checkInput('rmse', { predictions: probs, targets: f32(0, 1, NaN, 1), width: 1 }, 'values'),
      errorLike(DataMalformedError, /^rmse: target NaN of sample 2, column 0 must be finite/),
    );
    assert.throws(
      () => checkInput('rmse', { predictions: probs, targets: f32(0, 1, 2, 3), width: 1, mask: Uint8Array.of(1, 2, 1, 1) }, 'values'),
      errorLike(DataMalformedError, /^rmse: mask value 2 of sample 1/),
    );
  });

  test('DataMalformedError when the targets array type does not fit the layout', () => {
    assert.throws(
      () => checkInput('macroF1', { predictions: f32(0.5, 0.5), targets: f32(0, 1), width: 1 }, 'classes'),
      errorLike(DataMalformedError, /^macroF1: expected targets as class indices as an Int32Array, got a Float32Array/),
    );
    assert.throws(
      () => checkInput('r2', { predictions: f32(0.5, 0.5), targets: i32(0, 1), width: 1 }, 'values'),
      errorLike(DataMalformedError, /^r2: expected targets as regression values as a Float32Array, got an Int32Array/),
    );
  });

  test('unlabelled samples are not checked: missing labels may hold -1 or NaN', () => {
    const mask = Uint8Array.of(1, 0, 0);

    assert.equal(checkInput('m', { predictions: f32(1, 0, 0, 1, 0, 1), targets: i32(0, -1, 99), width: 2, mask }, 'classes'), 3);
    assert.equal(checkInput('m', { predictions: f32(1, 0, 0), targets: f32(1, NaN, 0.5), width: 1, mask }, 'labels'), 3);
    assert.equal(checkInput('m', { predictions: f32(1, 0, 0), targets: f32(1, NaN, Infinity), width: 1, mask }, 'values'), 3);
  });
});

describe('readers', () => {
  test('classificationLayout follows the targets array type', () => {
    assert.equal(classificationLayout({ predictions: f32(), targets: i32(), width: 2 }), 'classes');
    assert.equal(classificationLayout({ predictions: f32(), targets: f32(), width: 2 }), 'labels');
  });

  test('isLabelled: every sample without a mask, else mask value 1', () => {
    const mask = Uint8Array.of(0, 1);
    assert.equal(isLabelled(undefined, 5), true);
    assert.equal(isLabelled(mask, 0), false);
    assert.equal(isLabelled(mask, 1), true);
  });

  test('argmaxRow reads the row at the offset and breaks ties to the lowest index', () => {
    const v = f32(9, 9, 0.2, 0.7, 0.7, 0.1);
    assert.equal(argmaxRow(v, 2, 4), 1); // row [0.2, 0.7, 0.7, 0.1]: first of the tied 0.7s
    assert.equal(argmaxRow(v, 0, 2), 0); // [9, 9]
    assert.equal(argmaxRow(v, 5, 1), 0);
  });
});
