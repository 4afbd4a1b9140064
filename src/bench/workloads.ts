/**
 * The benchmark's reference workloads: two models on MNIST-shaped inputs, each trained on one
 * fixed seeded batch of random data.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sampleSize, type Dataset } from '../data/dataset.js';
import { datasetSource, type Batch } from '../engine/batch.js';
import type { ModelSpecInput } from '../engine/model-spec.js';
import type { OptimizerSpecInput } from '../engine/optimizer.js';
import { createRng } from '../engine/random.js';

/** Seed of the weights and of the fixed batch. */
export const SEED = 1234;

/** One reference workload. */
export interface ReferenceModel {
  id: string;
  architecture: string;
  spec: ModelSpecInput;
  inputShape: readonly number[];
  numClasses: number;
  batchSize: number;
  optimizer: OptimizerSpecInput;
}

export const REFERENCE_MODELS: readonly ReferenceModel[] = [
  {
    id: 'mlp',
    architecture: '784-256-128-10',
    spec: { type: 'mlp', hidden: [256, 128] },
    inputShape: [784],
    numClasses: 10,
    batchSize: 128,
    optimizer: { name: 'adam', learningRate: 1e-3 },
  },
  {
    id: 'cnn',
    architecture: 'conv16-pool-conv32-pool-dense10 on 28x28x1',
    spec: {
      type: 'cnn',
      conv: [
        { filters: 16, kernelSize: 3, pool: 'max' },
        { filters: 32, kernelSize: 3, pool: 'max' },
      ],
      dense: [],
    },
    inputShape: [28, 28, 1],
    numClasses: 10,
    batchSize: 64,
    optimizer: { name: 'adam', learningRate: 1e-3 },
  },
];

/**
 * The LeNet-style CNN of the federated benchmark: conv6-5x5 (valid), max pool 2, conv16-5x5,
 * max pool 2, dense 120, dense 84, dense 10, relu; SGD with momentum 0.9, batch 64.
 */
export const LENET: ReferenceModel = {
  id: 'lenet',
  architecture: 'conv6-pool-conv16-pool-dense120-dense84-dense10 (5x5 valid) on 28x28x1',
  spec: {
    type: 'cnn',
    conv: [
      { filters: 6, kernelSize: 5, pool: 'max' },
      { filters: 16, kernelSize: 5, pool: 'max' },
    ],
    padding: 'valid',
    dense: [120, 84],
  },
  inputShape: [28, 28, 1],
  numClasses: 10,
  batchSize: 64,
  optimizer: { name: 'sgd', learningRate: 0.01, momentum: 0.9 },
};

/** Every workload the profiler knows: the reference models and LeNet. */
export const ALL_WORKLOADS: readonly ReferenceModel[] = [...REFERENCE_MODELS, LENET];

/** `ref.batchSize` random samples: seeded uniform inputs in [0, 1), then seeded labels. */
export function randomDataset(ref: ReferenceModel, seed: number): Dataset {
  const rng = createRng(seed);
  const n = ref.batchSize;
  const features = new Float32Array(n * sampleSize(ref.inputShape));
  for (let i = 0; i < features.length; i++) features[i] = rng.next();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(ref.numClasses);
  return { features, sampleShape: ref.inputShape, labels, numClasses: ref.numClasses };
}

/**
 * The fixed batch for `ref` on the active backend: all of `randomDataset(ref, seed)`, built by
 * the training loop's own `datasetSource`. Only the batch's tensors survive; free them with `disposeBatch`.
 */
export function makeBatch(ref: ReferenceModel, seed: number): Batch {
  const source = datasetSource(randomDataset(ref, seed));
  const all = Int32Array.from({ length: source.length }, (_, i) => i);
  // datasetSource leaves its intermediate tensors (labels, one-hot) to the caller's tf.tidy.
  return tf.tidy(() => ({ ...source.batch(all) }));
}

/** Disposes a batch's tensors. */
export function disposeBatch(batch: Batch): void {
  tf.dispose([...Object.values(batch.inputs), ...Object.values(batch.targets)]);
}
