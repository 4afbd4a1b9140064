/** Test helpers shared by the federated tests. Not part of the package's API. */
import { makeDataset, type Dataset } from '../data/dataset.js';
import { createRng } from '../engine/random.js';

/** `n` samples (of `sampleShape`, default 3 features): class 0 around −1, class 1 around +1, with uniform noise; labels alternate. Seeded. */
export function blobs(n: number, seed: number, sampleShape: number[] = [3]): Dataset {
  const rng = createRng(seed);
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(n * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let j = 0; j < size; j++) features[i * size + j] = (labels[i] === 0 ? -1 : 1) + (rng.next() - 0.5);
  }
  return makeDataset({ features, sampleShape, labels, numClasses: 2 }, 'blobs');
}
