import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataMalformedError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { flipLabels, labelFlipAttack } from './label-flip.js';

test('flipLabels maps y to numClasses − 1 − y in a new array', () => {
  const labels = Int32Array.from([0, 1, 2, 9, 5, 4]);

  const flipped = flipLabels(labels, 10);

  assert.deepEqual(Array.from(flipped), [9, 8, 7, 0, 4, 5]);
  assert.deepEqual(Array.from(labels), [0, 1, 2, 9, 5, 4], 'the input is not modified');
  assert.notEqual(flipped, labels);
});

test('flipLabels keeps the middle class of an odd number of classes, and is its own inverse', () => {
  const labels = Int32Array.from([0, 1, 2]);

  const flipped = flipLabels(labels, 3);

  assert.deepEqual(Array.from(flipped), [2, 1, 0]);
  assert.deepEqual(flipLabels(flipped, 3), labels);
});

test('flipLabels refuses labels outside [0, numClasses)', () => {
  assert.throws(() => flipLabels(Int32Array.from([0, 4]), 4), errorLike(DataMalformedError, /label-flip: label 4 of sample 1 is outside \[0, 4\)/));
});

test('the label-flip attack poisons labels and leaves updates alone', () => {
  const attack = labelFlipAttack({ type: 'label-flip', fraction: 0.2 });

  assert.equal(attack.name, 'label-flip');
  assert.equal(attack.poisonUpdate, undefined);
  assert.deepEqual(Array.from(attack.poisonLabels?.(Int32Array.from([0, 3]), 4) ?? []), [3, 0]);
});
