import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeFieldDataset, type FloatField } from '../../data/fields.js';
import { assertClose, errorLike, randomValues } from '../../engine/testing.js';
import { ConfigError, ShapeMismatchError } from '../../errors.js';
import type { SignalModality } from '../modality.js';
import { createLogMel } from '../signal/log-mel.js';
import { LogMelPreprocessorOptionsSchema, logMelPreprocessor, type LogMelPreprocessorOptions } from './log-mel.js';

const options = (o: Partial<LogMelPreprocessorOptions> = {}): LogMelPreprocessorOptions => LogMelPreprocessorOptionsSchema.parse({ nFft: 64, nMels: 8, ...o });

/** n samples of `steps` × `channels` seeded noise plus a tone whose frequency depends on the sample. */
function signals(n: number, steps: number, channels: number, sampleRate: number | undefined, seed = 1): SignalModality {
  const values = randomValues(n * steps * channels, seed);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < steps; t++) for (let c = 0; c < channels; c++) values[(i * steps + t) * channels + c] += Math.sin(t * (0.2 + 0.3 * i + c));
  }
  return { kind: 'signal', values, steps, channels, ...(sampleRate === undefined ? {} : { sampleRate }) };
}

describe('log-mel preprocessor', () => {
  test('makes [frames, nMels, channels] images; unstandardized values are the log-mel of each channel', () => {
    const data = signals(3, 200, 2, 8000);
    const fitted = logMelPreprocessor.fit(data, 'audio', options({ standardize: false }));
    const frames = 1 + Math.floor(200 / 16); // centred, hop = 64/4
    assert.deepEqual(fitted.info, { kind: 'signal', fields: ['audio'], shapes: { audio: [frames, 8, 2] } });
    const out = fitted.transform(data, 'audio').audio as FloatField;
    makeFieldDataset({ audio: out }, 'log-mel test');
    const extractor = createLogMel({ nFft: 64, hop: 16, winLength: 64, window: 'hann', center: true, padMode: 'constant', sampleRate: 8000, nMels: 8, fMin: 0, fMax: 4000, melScale: 'slaney', melNorm: 'slaney', power: 2, log: 'ln', eps: 1e-6 });
    const size = frames * 8 * 2;
    for (const [i, c] of [[0, 0], [2, 1]]) {
      const want = extractor.compute(data.values, i * 400 + c, 2, 200);
      const got = Array.from({ length: frames * 8 }, (_, k) => out.values[i * size + k * 2 + c]);
      assertClose(got, want, 1e-5, `sample ${i} channel ${c}`);
    }
  });

  test('standardizes each (band, channel) with the present training samples; missing samples are zeros', () => {
    const data = signals(4, 256, 1, 8000);
    const present = Uint8Array.from([1, 1, 1, 0]);
    const fitted = logMelPreprocessor.fit(data, 'audio', options(), present);
    const out = (fitted.transform(data, 'audio', present).audio as FloatField).values;
    const [frames, nMels] = fitted.info.shapes.audio;
    const size = frames * nMels;
    for (let m = 0; m < nMels; m++) {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < 3; i++) for (let t = 0; t < frames; t++) s += out[i * size + t * nMels + m];
      const mean = s / (3 * frames);
      for (let i = 0; i < 3; i++) for (let t = 0; t < frames; t++) s2 += (out[i * size + t * nMels + m] - mean) ** 2;
      assert.ok(Math.abs(mean) < 1e-5, `band ${m} mean ${mean}`);
      assert.ok(Math.abs(Math.sqrt(s2 / (3 * frames)) - 1) < 1e-4, `band ${m} std`);
    }
    assert.ok(out.subarray(3 * size).every((v) => v === 0), 'the missing sample is zeros');
    // Test values never change the statistics.
    const before = JSON.stringify(fitted.state());
    fitted.transform(signals(2, 256, 1, 8000, 9), 'audio');
    assert.equal(JSON.stringify(fitted.state()), before);
  });

  test('resolved defaults: librosa-style hop = winLength/4, fMax = Nyquist, Slaney mel, Hann, centred', () => {
    const fitted = logMelPreprocessor.fit(signals(1, 1024, 1, 16000), 'a', LogMelPreprocessorOptionsSchema.parse({}));
    const state = fitted.state() as { settings: Record<string, unknown> };
    assert.deepEqual(state.settings, {
      nFft: 512, winLength: 512, hop: 128, window: 'hann', center: true, padMode: 'constant', power: 2, nMels: 40,
      fMin: 0, fMax: 8000, melScale: 'slaney', melNorm: 'slaney', log: 'ln', eps: 1e-6, sampleRate: 16000,
    });
    assert.deepEqual(fitted.info.shapes.a, [1 + 1024 / 128, 40, 1]);
  });

  test('the sample rate comes from the data or the option; neither, or both disagreeing, is a ConfigError', () => {
    assert.throws(() => logMelPreprocessor.fit(signals(1, 128, 1, undefined), 'a', options()), errorLike(ConfigError, /modalities\.a\.preprocess\.sampleRate/, /no sample rate/));
    assert.throws(() => logMelPreprocessor.fit(signals(1, 128, 1, 8000), 'a', options({ sampleRate: 16000 })), errorLike(ConfigError, /16000 Hz but the data/));
    const fitted = logMelPreprocessor.fit(signals(1, 128, 1, undefined), 'a', options({ sampleRate: 8000 }));
    assert.equal((fitted.state() as { settings: { sampleRate: number } }).settings.sampleRate, 8000);
    assert.throws(() => fitted.transform(signals(1, 128, 1, 22050), 'a'), errorLike(ShapeMismatchError, /22050 Hz/));
  });

  test('bad options: a signal shorter than one frame, nFft not a power of two, too many mel bands, fMax above Nyquist', () => {
    assert.throws(() => logMelPreprocessor.fit(signals(1, 50, 1, 8000), 'a', options()), errorLike(ConfigError, /preprocess\.nFft/, /50 steps are shorter than one frame of nFft = 64/));
    assert.throws(() => logMelPreprocessor.fit(signals(1, 50, 1, 8000), 'a', options({ center: false })), ConfigError);
    assert.equal(LogMelPreprocessorOptionsSchema.safeParse({ nFft: 400 }).success, false);
    assert.throws(() => logMelPreprocessor.fit(signals(1, 128, 1, 8000), 'a', options({ nMels: 64 })), errorLike(ConfigError, /preprocess\.nMels/, /holds no FFT bin/));
    assert.throws(() => logMelPreprocessor.fit(signals(1, 128, 1, 8000), 'a', options({ fMax: 5000 })), errorLike(ConfigError, /fMax 5000 Hz is above the Nyquist/));
    assert.throws(() => logMelPreprocessor.fit(signals(1, 128, 1, 8000), 'a', options({ winLength: 128 })), errorLike(ConfigError, /winLength 128 is longer than nFft 64/));
    assert.throws(() => logMelPreprocessor.fit(signals(1, 128, 1, 8000), 'a', options({ fMin: 4000 })), errorLike(ConfigError, /fMin 4000 Hz is not below/));
  });

  test('state round-trips through JSON exactly; restore refuses a malformed state', () => {
    const data = signals(2, 160, 2, 8000);
    const fitted = logMelPreprocessor.fit(data, 'a', options({ melScale: 'htk', melNorm: 'none', log: 'db', window: 'hamming', padMode: 'reflect', hop: 10, winLength: 48 }));
    const state = JSON.parse(JSON.stringify(fitted.state())) as { settings: Record<string, unknown> } & Record<string, unknown>;
    const restored = logMelPreprocessor.restore(state, 'a');
    assert.deepEqual(restored.state(), fitted.state());
    assert.deepEqual(restored.info, fitted.info);
    assert.deepEqual(Array.from((restored.transform(data, 'a').a as FloatField).values), Array.from((fitted.transform(data, 'a').a as FloatField).values));
    const bad = [
      42,
      { ...state, mean: [0] },
      { ...state, settings: { ...state.settings, nFft: 100 } },
      { ...state, settings: { ...state.settings, winLength: 1000 } },
      { ...state, steps: 10 },
      { ...state, settings: { ...state.settings, extra: true } },
    ];
    for (const s of bad) assert.throws(() => logMelPreprocessor.restore(s, 'a'), errorLike(ConfigError, /preprocessing\.a/, /not valid/));
  });
});
