import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadFashionMnist, DEFAULT_FASHION_MNIST_DIR } from '../files/fashion-mnist.js';
import { makeDataset } from '../dataset.js';
import { rotateImage, twoViewNoisy } from './two-view-noisy.js';

test('rotateImage: 0 degrees is the identity, 90 degrees turns the image a quarter about its centre', () => {
  const src = new Float32Array(784);
  src[0 * 28 + 5] = 1; // row 0, column 5
  const same = new Float32Array(784);
  rotateImage(src, 0, 0, same, 0);
  assert.deepEqual(Array.from(same), Array.from(src));
  const turned = new Float32Array(784);
  rotateImage(src, 0, 90, turned, 0);
  // Output (r, c) samples x = -(r - 13.5) + 13.5 = 27 - r, y = c: the source (row 0, column 5) lands at r = 22, c = 0.
  assert.ok(Math.abs(turned[22 * 28 + 0] - 1) < 1e-5);
  assert.ok(Math.abs(turned.reduce((a, b) => a + b, 0) - 1) < 1e-4);
});

test('rotateImage: zeros outside, bilinear between pixels', () => {
  const src = new Float32Array(784).fill(1);
  const out = new Float32Array(784);
  rotateImage(src, 0, 45, out, 0);
  assert.equal(out[0], 0); // the corner samples outside the image
  assert.ok(Math.abs(out[14 * 28 + 14] - 1) < 1e-6);
});

test('twoViewNoisy: view 2 shows another image of the same class with noise clipped at 1', () => {
  const n = 40;
  const features = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 4;
    features.fill(i / n, i * 784, (i + 1) * 784);
  }
  const images = makeDataset({ features, sampleShape: [28, 28, 1], labels, numClasses: 4 }, 'test');
  const { partners, angles, dataset } = twoViewNoisy(images, 3);
  const view2 = dataset.modalities.view2;
  assert.equal(view2.kind, 'image');
  for (let i = 0; i < n; i++) {
    assert.notEqual(partners[i], i);
    assert.equal(labels[partners[i]], labels[i]);
    assert.ok(angles[i] >= -45 && angles[i] < 45);
  }
  if (view2.kind !== 'image') return;
  for (let k = 0; k < 784; k++) {
    const v = view2.values[k];
    assert.ok(v >= features[partners[0] * 784] - 1e-6 && v <= 1);
  }
});

test('twoViewNoisy on Fashion-MNIST matches the reference protocol check values', { skip: !existsSync(DEFAULT_FASHION_MNIST_DIR) && 'Fashion-MNIST is not installed' }, () => {
  const { train } = loadFashionMnist();
  const { angles, partners } = twoViewNoisy(train, 0);
  const expectedAngles = [-21.021, -44.97, -24.906, -31.842, -2.94, 4.054];
  expectedAngles.forEach((a, i) => assert.ok(Math.abs(angles[i] - a) < 5e-4, `angle ${i}: ${angles[i]} vs ${a}`));
  assert.deepEqual(Array.from(partners.subarray(0, 6)), [4832, 24332, 21620, 15100, 38746, 7619]);
});
