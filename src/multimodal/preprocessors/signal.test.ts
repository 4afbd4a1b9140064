import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFieldDataset, type FloatField } from '../../data/fields.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { ConfigError, DataMalformedError, ShapeMismatchError } from '../../errors.js';
import type { SignalModality } from '../modality.js';
import { signalPreprocessor } from './signal.js';

function signal(samples: number[][][], sampleRate?: number): SignalModality {
  return { kind: 'signal', values: Float32Array.from(samples.flat(2)), steps: samples[0].length, channels: samples[0][0].length, ...(sampleRate === undefined ? {} : { sampleRate }) };
}

// Two present samples of 2 steps × 2 channels, and a third, absent one whose values must not count.
const TRAIN = signal([
  [[1, 10], [3, 10]],
  [[5, 20], [7, 20]],
  [[1000, -1000], [1000, -1000]],
], 100);
const PRESENT = Uint8Array.from([1, 1, 0]);

describe('signal preprocessor', () => {
  test('standardizes each channel with the present training samples\' mean and std, by hand', () => {
    const fitted = signalPreprocessor.fit(TRAIN, 's', { standardize: true }, PRESENT);
    // channel 0: 1, 3, 5, 7 → mean 4, std √((9 + 1 + 1 + 9)/4) = √5; channel 1: 10, 10, 20, 20 → mean 15, std 5
    const state = fitted.state() as { mean: number[]; std: number[] };
    assertClose(state.mean, [4, 15], 1e-12, 'mean');
    assertClose(state.std, [Math.sqrt(5), 5], 1e-12, 'std');
    assert.deepEqual(fitted.info, { kind: 'signal', fields: ['s'], shapes: { s: [2, 2] } });
    const out = fitted.transform(TRAIN, 's', PRESENT);
    const r5 = Math.sqrt(5);
    assertClose((out.s as FloatField).values, [-3 / r5, -1, -1 / r5, -1, 1 / r5, 1, 3 / r5, 1, 0, 0, 0, 0], 1e-6, 'values');
    makeFieldDataset(out, 'signal test');
  });

  test('without standardization passes values through; missing samples are zeros', () => {
    const fitted = signalPreprocessor.fit(TRAIN, 's', { standardize: false });
    const out = (fitted.transform(TRAIN, 's', PRESENT).s as FloatField).values;
    assert.deepEqual(Array.from(out), [1, 10, 3, 10, 5, 20, 7, 20, 0, 0, 0, 0]);
  });

  test('test-split values never change the statistics', () => {
    const fitted = signalPreprocessor.fit(TRAIN, 's', { standardize: true }, PRESENT);
    const before = JSON.stringify(fitted.state());
    fitted.transform(signal([[[1e6, 1e6], [-1e6, 3]]], 100), 's');
    assert.equal(JSON.stringify(fitted.state()), before);
  });

  test('state round-trips through JSON, and restore refuses a malformed state', () => {
    const fitted = signalPreprocessor.fit(TRAIN, 's', { standardize: true }, PRESENT);
    const state = JSON.parse(JSON.stringify(fitted.state())) as Record<string, unknown>;
    const restored = signalPreprocessor.restore(state, 's');
    assert.deepEqual(restored.state(), fitted.state());
    assert.deepEqual(Array.from((restored.transform(TRAIN, 's').s as FloatField).values), Array.from((fitted.transform(TRAIN, 's').s as FloatField).values));
    for (const bad of [undefined, { ...state, mean: [1] }, { ...state, std: null }, { ...state, steps: 0 }, { ...state, std: [1, -1] }]) {
      assert.throws(() => signalPreprocessor.restore(bad, 's'), errorLike(ConfigError, /preprocessing\.s/, /not valid/));
    }
  });

  test('bad input: other lengths, channels or sample rates, non-finite values, other kinds', () => {
    const fitted = signalPreprocessor.fit(TRAIN, 's', { standardize: true }, PRESENT);
    assert.throws(() => fitted.transform(signal([[[1, 2], [3, 4], [5, 6]]]), 's'), errorLike(ShapeMismatchError, /3 steps × 2 channels/, /2 × 2/));
    assert.throws(() => fitted.transform(signal([[[1], [2]]]), 's'), ShapeMismatchError);
    assert.throws(() => fitted.transform(signal([[[1, 2], [3, 4]]], 200), 's'), errorLike(ShapeMismatchError, /200 Hz/));
    assert.throws(() => signalPreprocessor.fit(signal([[[1, NaN], [3, 4]]]), 's', { standardize: true }), errorLike(DataMalformedError, /NaN at step 0, channel 1/));
    // A non-finite value in a missing sample is ignored.
    signalPreprocessor.fit(signal([[[1, 2], [3, 4]], [[NaN, 0], [0, 0]]]), 's', { standardize: true }, Uint8Array.from([1, 0]));
    assert.throws(() => signalPreprocessor.fit({ kind: 'image', values: new Float32Array(4), shape: [4] }, 's', { standardize: true }), errorLike(ShapeMismatchError, /image data/));
  });
});
