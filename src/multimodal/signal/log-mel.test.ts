import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogMel, type LogMelOptions } from './log-mel.js';
import { createStft } from './stft.js';

const base: LogMelOptions = {
  nFft: 64, hop: 16, winLength: 64, window: 'hann', center: true, padMode: 'constant',
  sampleRate: 8000, nMels: 8, fMin: 0, fMax: 4000, melScale: 'slaney', melNorm: 'slaney', power: 2, log: 'ln', eps: 1e-6,
};

test('log-mel is ln(filterbank · power spectrum + eps), frame by frame', () => {
  const x = Float32Array.from({ length: 200 }, (_, t) => Math.sin(t * 0.7) + 0.3 * Math.cos(t * 2.1));
  const lm = createLogMel(base);
  const out = lm.compute(x, 0, 1, 200);
  const frames = 1 + Math.floor(200 / 16);
  assert.equal(out.length, frames * 8);
  const spec = createStft(base).spectrogram(x, 0, 1, 200, 2);
  const bins = 33;
  for (const [t, m] of [[0, 0], [3, 5], [frames - 1, 7]]) {
    let s = 0;
    for (let k = 0; k < bins; k++) s += lm.filterbank[m * bins + k] * spec[t * bins + k];
    assert.ok(Math.abs(out[t * 8 + m] - Math.log(s + 1e-6)) < 1e-9);
  }
});

test('silence gives ln(eps), and 10·log10(eps) in dB', () => {
  const zeros = new Float32Array(128);
  assert.ok(createLogMel(base).compute(zeros, 0, 1, 128).every((v) => Math.abs(v - Math.log(1e-6)) < 1e-9));
  assert.ok(createLogMel({ ...base, log: 'db', eps: 1e-10 }).compute(zeros, 0, 1, 128).every((v) => Math.abs(v + 100) < 1e-9));
});

test('a tone lights up the mel band that holds its frequency', () => {
  const hz = 1000; // bin 8 of a 64-point FFT at 8 kHz
  const x = Float32Array.from({ length: 512 }, (_, t) => Math.sin((2 * Math.PI * hz * t) / 8000));
  const lm = createLogMel(base);
  const out = lm.compute(x, 0, 1, 512);
  const t = 10; // a frame well inside the signal
  const row = Array.from(out.subarray(t * 8, (t + 1) * 8));
  const best = row.indexOf(Math.max(...row));
  const bins = 33;
  const weightAt = (m: number): number => lm.filterbank[m * bins + 8];
  assert.ok(weightAt(best) > 0, `band ${best} covers 1000 Hz`);
});
