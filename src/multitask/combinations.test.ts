/**
 * Every weighting with every architecture it supports (and the representation-gradient variants
 * on hard sharing), trained on a small MultiFashion subset: each run finishes with finite
 * metrics, and no tensor is left behind, neither between epochs nor after the run.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../engine/backend-registry.js';
import { loadMultitaskData } from '../data/multitask/load.js';
import { listArchitectures } from './architectures/registry.js';
import type { MultitaskConfigInput } from './config.js';
import { runMultitask, type SingleTaskCache } from './run-multitask.js';
import { listWeightings } from './weightings/registry.js';

before(async () => {
  // wasm: the cpu backend's convolutions would make MTAN's runs 30 times slower
  await selectBackend('wasm');
});

const DATA = { dataset: 'multi-fashion', maxTrainSamples: 128, maxTestSamples: 64, validationFraction: 0.25 } as const;

for (const architecture of listArchitectures()) {
  const cnn = !architecture.trunks.includes('mlp');
  const trunk: MultitaskConfigInput['trunk'] = cnn ? { type: 'cnn', conv: [{ filters: 4, kernelSize: 3 }, { filters: 4, kernelSize: 3 }] } : { type: 'mlp', hidden: [16] };
  const cache: SingleTaskCache = new Map();
  const variants = listWeightings().flatMap((w) => [
    { name: w.name, representation: false },
    ...(w.kind === 'gradient' && w.representation && architecture.representation ? [{ name: w.name, representation: true }] : []),
  ]);
  test(`${architecture.name}: every weighting trains without a tensor leak (${variants.length} runs)`, async () => {
    for (const weighting of variants) {
      const label = `${architecture.name} + ${weighting.name}${weighting.representation ? ' (representation)' : ''}`;
      const start = tf.memory().numTensors;
      const perEpoch: number[] = [];
      const result = await runMultitask(
        {
          mode: 'multitask',
          seeds: [0],
          data: DATA,
          trunk,
          head: { hidden: [8] },
          architecture: { name: architecture.name },
          weighting,
          training: { epochs: 2, batchSize: 64 },
        },
        {
          loadData: (config, seed) => loadMultitaskData(config.data, seed),
          singleTaskCache: cache,
          onEvent: (e) => {
            if (e.type === 'epoch' && e.phase.kind === 'multi') perEpoch.push(tf.memory().numTensors);
          },
        },
      );
      assert.equal(perEpoch.length, 2, label);
      assert.equal(perEpoch[1], perEpoch[0], `${label}: tensors after epoch 2 vs epoch 1`);
      assert.equal(tf.memory().numTensors, start, `${label}: every tensor freed after the run`);
      const seed = result.seeds[0];
      for (const task of result.tasks) {
        assert.ok(Number.isFinite(seed.multi[task.name].accuracy), `${label}: ${task.name} multi-task accuracy`);
        assert.ok(Number.isFinite(seed.single[task.name].accuracy), `${label}: ${task.name} single-task accuracy`);
      }
      assert.equal(seed.weights.length, 2, `${label}: weights recorded per epoch`);
      assert.ok(seed.weights.every((w) => w.length === 2 && w.every(Number.isFinite)), `${label}: finite task weights ${JSON.stringify(seed.weights)}`);
    }
  });
}
