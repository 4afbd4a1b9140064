import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeMismatchError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { classEmbeddings, zeroShotAccuracy, zeroShotPredict } from './zero-shot.js';

test('zeroShotPredict: each sample goes to the most cosine-similar prompt (3 samples, 3 classes, by hand)', () => {
  // prompts: class 0 = (1, 0), class 1 = (0, 1), class 2 = (−1, 0)
  const prompts = Float32Array.from([1, 0, 0, 1, -1, 0]);
  // samples: (2, 1): cos 0.894 / 0.447 / −0.894 → 0; (−3, 1): −0.949 / 0.316 / 0.949 → 2; (0.1, 5): → 1
  const samples = Float32Array.from([2, 1, -3, 1, 0.1, 5]);
  const pred = zeroShotPredict({ samples, prompts, dim: 2, numClasses: 3 });
  assert.deepEqual(Array.from(pred), [0, 2, 1]);
  assert.equal(zeroShotAccuracy({ samples, prompts, dim: 2, numClasses: 3 }, Int32Array.from([0, 2, 0])), 2 / 3);
});

test('classEmbeddings: several prompts per class are averaged after normalization', () => {
  // class 0 has prompts (10, 0) and (0, 1): normalized (1, 0) and (0, 1), mean (0.5, 0.5), normalized (c, c)
  const e = classEmbeddings({ prompts: Float32Array.from([10, 0, 0, 1, 0, -2]), promptClasses: [0, 0, 1], dim: 2, numClasses: 2 });
  assert.ok(Math.abs(e[0] - Math.SQRT1_2) < 1e-12 && Math.abs(e[1] - Math.SQRT1_2) < 1e-12);
  assert.deepEqual(Array.from(e.subarray(2)), [0, -1]);
});

test('zeroShotPredict: ties go to the lowest class', () => {
  const pred = zeroShotPredict({ samples: Float32Array.from([1, 1]), prompts: Float32Array.from([1, 0, 0, 1]), dim: 2, numClasses: 2 });
  assert.deepEqual(Array.from(pred), [0]);
});

test('zero-shot: a class without a prompt, or a prompt count that does not match, is refused', () => {
  assert.throws(() => classEmbeddings({ prompts: Float32Array.from([1, 0, 0, 1]), dim: 2, numClasses: 3 }), errorLike(ShapeMismatchError, /2 prompts for 3 classes/));
  assert.throws(() => classEmbeddings({ prompts: Float32Array.from([1, 0, 0, 1]), promptClasses: [0, 0], dim: 2, numClasses: 2 }), errorLike(ShapeMismatchError, /class 1 has no prompt/));
});
