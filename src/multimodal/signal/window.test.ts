import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../engine/testing.js';
import { makeWindow, padWindow } from './window.js';

test('Hann: periodic [0, 0.5, 1, 0.5] and symmetric [0, 0.75, 0.75, 0] for 4 points', () => {
  // periodic: 0.5 − 0.5·cos(2πn/4); symmetric: 0.5 − 0.5·cos(2πn/3)
  assertClose(makeWindow('hann', 4), [0, 0.5, 1, 0.5], 1e-12, 'periodic');
  assertClose(makeWindow('hann', 4, false), [0, 0.75, 0.75, 0], 1e-12, 'symmetric');
});

test('Hamming and rect, by hand; a symmetric window of 1 point is [1]', () => {
  // 0.54 − 0.46·cos(2πn/4): [0.08, 0.54, 1, 0.54]
  assertClose(makeWindow('hamming', 4), [0.08, 0.54, 1, 0.54], 1e-12, 'hamming');
  assert.deepEqual(Array.from(makeWindow('rect', 3)), [1, 1, 1]);
  assert.deepEqual(Array.from(makeWindow('hann', 1, false)), [1]);
  assert.throws(() => makeWindow('hann', 0), RangeError);
});

test('padWindow centres the window in the frame (librosa pad_center)', () => {
  assert.deepEqual(Array.from(padWindow(new Float64Array([1, 2]), 5)), [0, 1, 2, 0, 0]);
  assert.deepEqual(Array.from(padWindow(new Float64Array([1, 2]), 6)), [0, 0, 1, 2, 0, 0]);
  assert.throws(() => padWindow(new Float64Array(3), 2), RangeError);
});
