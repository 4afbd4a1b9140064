import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMnist } from './mnist.js';

test('loadMnist gives the 10,000 digits of the mnist package as 28x28x1 images in [0, 1]', () => {
  const ds = loadMnist();

  assert.equal(ds.labels.length, 10000);
  assert.deepEqual(ds.sampleShape, [28, 28, 1]);
  assert.equal(ds.features.length, 10000 * 784);
  assert.equal(ds.numClasses, 10);
  assert.deepEqual(ds.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  const counts = new Array<number>(10).fill(0);
  for (const y of ds.labels) counts[y]++;
  for (const [digit, n] of counts.entries()) assert.ok(n >= 800 && n <= 1200, `${n} samples of digit ${digit}`);
  let min = Infinity;
  let max = -Infinity;
  for (const v of ds.features) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.ok(min >= 0 && max <= 1, `values in [${min}, ${max}]`);
  assert.ok(max > 0.9, 'images are not blank');
});

test('loadMnist keeps samples in class order and caches the result', () => {
  const ds = loadMnist();

  const again = loadMnist();

  assert.equal(again, ds);
  for (let i = 1; i < ds.labels.length; i++) assert.ok(ds.labels[i] >= ds.labels[i - 1], `sample ${i} out of class order`);
});
