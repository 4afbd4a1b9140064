import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../engine/backend-registry.js';
import { createRng } from '../../engine/random.js';
import { errorLike } from '../../engine/testing.js';
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import type { FloatField } from '../../data/fields.js';
import type { EncoderContext } from '../encoder.js';
import type { SignalModality } from '../modality.js';
import type { ModalityInfo } from '../preprocessor.js';
import { LogMelPreprocessorOptionsSchema, logMelPreprocessor } from '../preprocessors/log-mel.js';
import { signalPreprocessor } from '../preprocessors/signal.js';
import { CnnEncoderOptionsSchema, cnnEncoder } from './cnn.js';
import { SignalConvEncoderOptionsSchema, signalConvEncoder, signalConvSteps } from './signal-conv.js';

before(async () => {
  // wasm: the cpu backend's convolutions are several times slower
  await selectBackend('wasm');
});

/** Class 0: a slow sine, class 1: a fast one, random phase and amplitude, plus noise; 1 channel. */
function toySignals(n: number, steps: number, seed: number): { data: SignalModality; labels: Int32Array } {
  const rng = createRng(seed);
  const values = new Float32Array(n * steps);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const freq = labels[i] === 0 ? 0.15 : 1.2;
    const phase = rng.next() * 2 * Math.PI;
    const amp = 0.5 + rng.next();
    for (let t = 0; t < steps; t++) values[i * steps + t] = amp * Math.sin(freq * t + phase) + 0.2 * (rng.next() - 0.5);
  }
  return { data: { kind: 'signal', values, steps, channels: 1, sampleRate: 100 }, labels };
}

function context(info: ModalityInfo, seed: number): EncoderContext {
  const field = info.fields[0];
  return { modality: 'sig', info, inputs: { [field]: tfl.input({ shape: [...info.shapes[field]], name: `in_${field}` }) }, seed, prefix: 'sig', init: 'torch' };
}

describe('signal-conv encoder', () => {
  test('builds over [steps, channels] (vector and sequence), trains a few Adam steps and reduces the loss, without a tensor leak', () => {
    const { data, labels } = toySignals(64, 32, 1);
    const fitted = signalPreprocessor.fit(data, 'sig', { standardize: true });
    const field = fitted.transform(data, 'sig').sig as FloatField;
    const ctx = context(fitted.info, 2);
    const { vector, sequence } = signalConvEncoder.build(SignalConvEncoderOptionsSchema.parse({ conv: [{ filters: 8 }, { filters: 8 }] }), ctx);
    assert.deepEqual(vector.shape, [null, 8]);
    assert.deepEqual(sequence?.shape, [null, 8, 8]); // 32 → pool 16 → pool 8 steps, 8 filters
    const logits = tfl.layers.dense({ units: 2, name: 'sig/head' }).apply(vector) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: ctx.inputs.sig, outputs: logits });
    const x = tf.tensor3d(field.values, [64, 32, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);
    const optimizer = tf.train.adam(0.02);
    const step = (): number => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true) as tf.Scalar;
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    };
    const first = step();
    const after = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 20; i++) last = step();
    assert.equal(tf.memory().numTensors, after, 'no tensor leak per step');
    assert.ok(Number.isFinite(last) && last < 0.5 * first, `loss ${first} → ${last}`);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });

  test('options: valid padding, strides, no pooling, global max, dense layers; seeded weights', () => {
    const info: ModalityInfo = { kind: 'signal', fields: ['sig'], shapes: { sig: [50, 3] } };
    const options = SignalConvEncoderOptionsSchema.parse({ conv: [{ filters: 4, kernelSize: 3, stride: 2, pool: 'none' }, { filters: 6, kernelSize: 5, pool: 'avg', poolSize: 3 }], padding: 'valid', globalPool: 'max', dense: [7], dropout: 0.2 });
    // valid: (50 − 3)/2 + 1 = 24, then 24 − 5 + 1 = 20, pooled by 3 → 6
    assert.deepEqual(signalConvSteps(options, 50), [24, 6]);
    const a = signalConvEncoder.build(options, context(info, 9));
    assert.deepEqual(a.sequence?.shape, [null, 6, 6]);
    assert.deepEqual(a.vector.shape, [null, 7]);
    const weights = (seed: number): number[] => {
      const ctx = context(info, seed);
      const m = tfl.model({ inputs: ctx.inputs.sig, outputs: signalConvEncoder.build(options, ctx).vector });
      const w = m.getWeights().flatMap((t) => Array.from(t.dataSync()));
      m.dispose();
      return w;
    };
    assert.deepEqual(weights(3), weights(3));
    assert.notDeepEqual(weights(3), weights(4));
  });

  test('bad input: a signal shrunk below one step, a spectrogram (3-d) instead of a signal', () => {
    const info: ModalityInfo = { kind: 'signal', fields: ['sig'], shapes: { sig: [2, 1] } }; // 2 → 1 → 0 steps through two pool-2 blocks
    assert.throws(() => signalConvEncoder.build(SignalConvEncoderOptionsSchema.parse({}), context(info, 0)), errorLike(ConfigError, /conv\[1\]/, /shrunk to 0 steps/));
    const spectrogram: ModalityInfo = { kind: 'signal', fields: ['sig'], shapes: { sig: [9, 8, 1] } };
    assert.throws(() => signalConvEncoder.build(SignalConvEncoderOptionsSchema.parse({}), context(spectrogram, 0)), errorLike(ShapeMismatchError, /\[steps, channels\]/, /\[9, 8, 1\]/));
  });

  test('the spectrogram path: log-mel images feed the cnn encoder', () => {
    const { data } = toySignals(4, 256, 3);
    const fitted = logMelPreprocessor.fit(data, 'sig', LogMelPreprocessorOptionsSchema.parse({ nFft: 64, nMels: 16 }));
    const field = fitted.transform(data, 'sig').sig as FloatField;
    assert.deepEqual(field.shape, [17, 16, 1]);
    const ctx = context(fitted.info, 1);
    const { vector } = cnnEncoder.build(CnnEncoderOptionsSchema.parse({ conv: [{ filters: 4 }, { filters: 4 }] }), ctx);
    const model = tfl.model({ inputs: ctx.inputs.sig, outputs: vector });
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => (model.predict(tf.tensor4d(field.values, [4, 17, 16, 1])) as tf.Tensor).arraySync() as number[][]);
    assert.equal(out.length, 4);
    assert.ok(out.flat().every(Number.isFinite));
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
});
