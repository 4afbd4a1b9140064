import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import { fillNormal, standardNormal } from './normal.js';

function moments(xs: ArrayLike<number>): { mean: number; variance: number } {
  let mean = 0;
  for (let i = 0; i < xs.length; i++) mean += xs[i] / xs.length;
  let variance = 0;
  for (let i = 0; i < xs.length; i++) variance += (xs[i] - mean) ** 2 / xs.length;
  return { mean, variance };
}

test('standard normal samples have mean 0 and variance 1 within tolerance', () => {
  const rng = createRng(4);

  const xs = Float64Array.from({ length: 50_000 }, () => standardNormal(rng));

  const { mean, variance } = moments(xs);
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.03, `variance ${variance}`);
  assert.ok(xs.every(Number.isFinite));
});

test('fillNormal fills an odd-length array with N(mean, sigma²) samples and is seeded', () => {
  const out = new Float32Array(50_001);

  fillNormal(out, createRng(9), { mean: 3, sigma: 2 });
  const again = fillNormal(new Float32Array(50_001), createRng(9), { mean: 3, sigma: 2 });

  const { mean, variance } = moments(out);
  assert.ok(Math.abs(mean - 3) < 0.04, `mean ${mean}`);
  assert.ok(Math.abs(variance - 4) < 0.12, `variance ${variance}`);
  assert.ok(Number.isFinite(out[out.length - 1]) && out[out.length - 1] !== 0, 'the last, unpaired element is filled');
  assert.deepEqual(again, out);
});

test('fillNormal with sigma 0 gives the mean everywhere', () => {
  const out = fillNormal(new Float64Array(7), createRng(1), { mean: -1.5, sigma: 0 });

  assert.deepEqual(Array.from(out), new Array(7).fill(-1.5));
});
