import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, randomValues } from '../../engine/testing.js';
import { createStft, frameCount, type StftOptions } from './stft.js';
import { makeWindow, padWindow } from './window.js';

test('frame count: 1 + floor(steps/hop) centred, 1 + floor((steps − nFft)/hop) not, 0 when shorter than a frame', () => {
  assert.equal(frameCount(1000, 256, 64, true), 1 + 15);
  assert.equal(frameCount(1000, 256, 64, false), 1 + 11); // (1000 − 256)/64 = 11.6
  assert.equal(frameCount(256, 256, 64, false), 1);
  assert.equal(frameCount(255, 256, 64, false), 0);
  assert.equal(frameCount(0, 256, 64, true), 1);
});

/** The STFT by its definition: for each frame, the O(n²) DFT of the padded, windowed samples. */
function naiveStft(x: Float32Array, o: StftOptions): { re: number[]; im: number[] } {
  const w = padWindow(makeWindow(o.window, o.winLength), o.nFft);
  const pad = o.center ? o.nFft / 2 : 0;
  const at = (i: number): number => {
    if (i >= 0 && i < x.length) return x[i];
    if (o.padMode === 'constant') return 0;
    return x[i < 0 ? -i : 2 * (x.length - 1) - i]; // one reflection, no repeated edge
  };
  const re: number[] = [];
  const im: number[] = [];
  for (let t = 0; t < frameCount(x.length, o.nFft, o.hop, o.center); t++) {
    for (let k = 0; k <= o.nFft / 2; k++) {
      let r = 0;
      let i = 0;
      for (let j = 0; j < o.nFft; j++) {
        const v = at(t * o.hop - pad + j) * w[j];
        r += v * Math.cos((2 * Math.PI * k * j) / o.nFft);
        i -= v * Math.sin((2 * Math.PI * k * j) / o.nFft);
      }
      re.push(r);
      im.push(i);
    }
  }
  return { re, im };
}

test('the STFT of a random signal matches the naive DFT of its frames to 1e-4, in every padding mode', () => {
  const x = randomValues(100, 7);
  const cases: StftOptions[] = [
    { nFft: 32, hop: 8, winLength: 32, window: 'hann', center: true, padMode: 'constant' },
    { nFft: 32, hop: 8, winLength: 24, window: 'hamming', center: true, padMode: 'reflect' },
    { nFft: 16, hop: 5, winLength: 16, window: 'rect', center: false, padMode: 'constant' },
  ];
  for (const o of cases) {
    const got = createStft(o).complex(x, 0, 1, x.length);
    const want = naiveStft(x, o);
    assert.equal(got.re.length, want.re.length);
    assertClose(got.re, want.re, 1e-4, `re ${JSON.stringify(o)}`);
    assertClose(got.im, want.im, 1e-4, `im ${JSON.stringify(o)}`);
  }
});

test('reads one channel of interleaved data through offset and stride', () => {
  const mono = randomValues(64, 3);
  const stereo = new Float32Array(128);
  for (let t = 0; t < 64; t++) {
    stereo[2 * t] = 99;
    stereo[2 * t + 1] = mono[t];
  }
  const stft = createStft({ nFft: 16, hop: 4, winLength: 16, window: 'hann', center: true, padMode: 'constant' });
  assertClose(stft.spectrogram(stereo, 1, 2, 64, 2), stft.spectrogram(mono, 0, 1, 64, 2), 1e-12, 'channel 1');
});

test('power spectrogram of a bin-centred cosine under a rectangular window: (N/2)² at its bin', () => {
  const n = 16;
  const x = Float32Array.from({ length: 32 }, (_, t) => Math.cos((2 * Math.PI * 3 * t) / n)); // float32: tolerances 1e-4
  const stft = createStft({ nFft: n, hop: 16, winLength: n, window: 'rect', center: false, padMode: 'constant' });
  const p = stft.spectrogram(x, 0, 1, 32, 2);
  assert.equal(p.length, 2 * 9);
  for (let t = 0; t < 2; t++) {
    for (let k = 0; k < 9; k++) assert.ok(Math.abs(p[t * 9 + k] - (k === 3 ? 64 : 0)) < 1e-4, `frame ${t} bin ${k}: ${p[t * 9 + k]}`);
  }
  const mag = stft.spectrogram(x, 0, 1, 32, 1);
  assert.ok(Math.abs(mag[3] - 8) < 1e-5);
});

test('refuses an nFft that is not a power of two and a window longer than nFft', () => {
  assert.throws(() => createStft({ nFft: 400, hop: 160, winLength: 400, window: 'hann', center: true, padMode: 'constant' }), RangeError);
  assert.throws(() => createStft({ nFft: 256, hop: 64, winLength: 300, window: 'hann', center: true, padMode: 'constant' }), RangeError);
});
