import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose } from '../../engine/testing.js';
import { hzToMel, melFilterbank, melPoints, melToHz } from './mel.js';

test('hz → mel: HTK 1000 Hz ≈ 999.99 mel, Slaney 1000 Hz = 15 and 6400 Hz = 42 mel', () => {
  // HTK: 2595·log10(1 + 1000/700) = 2595·0.3853509 = 999.9855
  assert.ok(Math.abs(hzToMel(1000, 'htk') - 999.9855) < 1e-3);
  assert.equal(hzToMel(0, 'htk'), 0);
  // Slaney: 1000/(200/3) = 15; above 1 kHz 27 mels per factor 6.4: 15 + 27 = 42
  assert.ok(Math.abs(hzToMel(1000, 'slaney') - 15) < 1e-12);
  assert.ok(Math.abs(hzToMel(6400, 'slaney') - 42) < 1e-12);
  assert.ok(Math.abs(hzToMel(500, 'slaney') - 7.5) < 1e-12);
});

test('mel → hz inverts hz → mel on both scales', () => {
  for (const scale of ['htk', 'slaney'] as const) {
    for (const hz of [0, 100, 999, 1000, 1001, 4000, 11025]) assert.ok(Math.abs(melToHz(hzToMel(hz, scale), scale) - hz) < 1e-8, `${scale} ${hz}`);
  }
});

test('melPoints are equally spaced in mel from fMin to fMax', () => {
  const p = melPoints(5, 0, 8000, 'htk');
  assert.equal(p[0], 0);
  assert.ok(Math.abs(p[4] - 8000) < 1e-8);
  const mels = Array.from(p, (f) => hzToMel(f, 'htk'));
  for (let i = 1; i < 4; i++) assert.ok(Math.abs(mels[i + 1] - mels[i] - (mels[1] - mels[0])) < 1e-8);
});

test('filterbank: shape [nMels, nFft/2+1], non-negative, unnormalized triangles peak at most 1 and sum to 1 between the first and last centres', () => {
  const opts = { sampleRate: 16000, nFft: 512, nMels: 20, fMin: 0, fMax: 8000, scale: 'htk', norm: 'none' } as const;
  const fb = melFilterbank(opts);
  const bins = 257;
  assert.equal(fb.length, 20 * bins);
  assert.ok(fb.every((w) => w >= 0 && w <= 1 + 1e-12));
  const centres = melPoints(22, 0, 8000, 'htk');
  for (let k = 0; k < bins; k++) {
    const hz = (k * 16000) / 512;
    if (hz < centres[1] || hz > centres[20]) continue;
    let s = 0;
    for (let m = 0; m < 20; m++) s += fb[m * bins + k];
    assert.ok(Math.abs(s - 1) < 1e-9, `bins sum to 1 at ${hz} Hz, got ${s}`);
  }
  // Every band has at least one non-zero weight at this resolution.
  for (let m = 0; m < 20; m++) assert.ok(fb.subarray(m * bins, (m + 1) * bins).some((w) => w > 0), `band ${m}`);
});

test('filterbank: Slaney-normalized triangles have unit area in Hz', () => {
  const sampleRate = 16000;
  const nFft = 8192;
  const fb = melFilterbank({ sampleRate, nFft, nMels: 10, fMin: 50, fMax: 8000, scale: 'slaney', norm: 'slaney' });
  const bins = nFft / 2 + 1;
  const df = sampleRate / nFft;
  for (let m = 0; m < 10; m++) {
    let area = 0;
    for (let k = 0; k < bins; k++) area += fb[m * bins + k] * df;
    assert.ok(Math.abs(area - 1) < 0.01, `band ${m} area ${area}`);
  }
});

test('filterbank of the smallest case by hand: 1 band, HTK edges at fMin, centre, fMax', () => {
  // nFft 4 at 4 Hz: bins at 0, 1, 2 Hz; one band on the linear-ish mel points of [0, 2] Hz.
  const fb = melFilterbank({ sampleRate: 4, nFft: 4, nMels: 1, fMin: 0, fMax: 2, scale: 'htk', norm: 'none' });
  const centre = melPoints(3, 0, 2, 'htk')[1];
  // The HTK scale is concave, so the mel midpoint of [0, 2] Hz is just below 1 Hz (≈ 0.9993 Hz):
  // bin 1 Hz lies on the falling side, weight (2 − 1)/(2 − centre); bins 0 and 2 Hz are the edges.
  assert.ok(centre < 1 && centre > 0.99);
  assertClose(fb, [0, (2 - 1) / (2 - centre), 0], 1e-12, 'weights');
});

test('filterbank refuses impossible edges', () => {
  assert.throws(() => melFilterbank({ sampleRate: 16000, nFft: 512, nMels: 10, fMin: 0, fMax: 9000, scale: 'slaney', norm: 'slaney' }), RangeError);
  assert.throws(() => melFilterbank({ sampleRate: 16000, nFft: 512, nMels: 10, fMin: 500, fMax: 400, scale: 'slaney', norm: 'slaney' }), RangeError);
});
