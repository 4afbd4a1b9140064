/** The text encoders train on the wasm backend, which lacks tf.gather's gradient kernel (see token-embedding.ts). */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../../engine/backend.js';
import { getEncoder } from '../../encoders/registry.js';
import type { ModalityInfo } from '../../preprocessor.js';

before(async () => {
  await selectBackend('wasm');
});

test('every text encoder takes Adam steps on wasm (token 5 occurs or not), the loss falls, no tensor leak', () => {
  for (const [name, options] of [
    ['embedding-pool', { dim: 8 }],
    ['text-conv', { dim: 8, filters: 4, kernelSizes: [2, 3] }],
    ['transformer', { dim: 8, heads: 2, ffn: 16, layers: 1 }],
  ] as const) {
    const start = tf.memory().numTensors;
    const encoder = getEncoder(name);
    const ids = tfl.input({ shape: [4], dtype: 'int32' });
    const info: ModalityInfo = { kind: 'text', fields: ['t'], shapes: { t: [4] }, vocabSizes: { t: 8 } };
    const out = encoder.build(encoder.options.parse(options), { modality: 't', info, inputs: { t: ids }, seed: 1, prefix: name, init: 'glorot' });
    const model = tfl.model({ inputs: ids, outputs: tfl.layers.dense({ units: 1, name: `${name}/logit` }).apply(out.vector) as tfl.SymbolicTensor });
    // rows: ids 2..7 with one 5 in the positives, some padding
    const rows = [[5, 2, 0, 0], [2, 3, 0, 0], [3, 5, 4, 0], [4, 6, 7, 0], [7, 7, 5, 2], [6, 2, 3, 4], [5, 0, 0, 0], [3, 0, 0, 0]];
    const x = tf.tensor2d(rows, undefined, 'int32');
    const y = tf.tensor2d(rows.map((r) => [r.includes(5) ? 1 : 0]));
    const optimizer = tf.train.adam(0.05);
    const loss = (): tf.Scalar => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
    const first = tf.tidy(() => loss().dataSync()[0]);
    for (let step = 0; step < 25; step++) {
      tf.tidy(() => {
        optimizer.minimize(loss);
      });
    }
    const last = tf.tidy(() => loss().dataSync()[0]);
    assert.ok(last < first * 0.5, `${name}: loss ${first} → ${last}`);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, start, `${name}: no tensor left behind`);
  }
});
