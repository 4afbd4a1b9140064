import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyOfLogits, meanLogits } from './predict.js';

test('meanLogits averages, per sample, the models whose modality the sample has', () => {
  // Two samples, two classes; model a sees both samples, model b only the first.
  const a = Float32Array.from([1, 0, 0, 1]);
  const b = Float32Array.from([3, 0, 9, 9]);
  assert.deepEqual(Array.from(meanLogits([a, b], 2)), [2, 0, 4.5, 5]);
  assert.deepEqual(Array.from(meanLogits([a, b], 2, [undefined, Uint8Array.of(1, 0)])), [2, 0, 0, 1]);
  // A sample no model sees gets the plain mean.
  assert.deepEqual(Array.from(meanLogits([a, b], 2, [Uint8Array.of(1, 0), Uint8Array.of(1, 0)])), [2, 0, 4.5, 5]);
});

test('accuracyOfLogits counts the masked-in samples only, NaN for none', () => {
  const logits = Float32Array.from([2, 1, 0, 3, 5, 4]);
  assert.equal(accuracyOfLogits(logits, Int32Array.from([0, 1, 1]), 2), 2 / 3);
  assert.equal(accuracyOfLogits(logits, Int32Array.from([0, 1, 1]), 2, Uint8Array.of(0, 0, 1)), 0);
  assert.ok(Number.isNaN(accuracyOfLogits(logits, Int32Array.from([0, 1, 1]), 2, Uint8Array.of(0, 0, 0))));
});
