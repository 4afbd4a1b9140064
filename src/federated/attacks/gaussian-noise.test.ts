import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import { ShapeMismatchError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { gaussianNoiseAttack, gaussianNoiseUpdate } from './gaussian-noise.js';

test('gaussianNoiseUpdate adds N(0, σ²) noise to the global parameters, whatever the client trained', () => {
  const global = Float32Array.from({ length: 40_000 }, (_, i) => (i % 7) - 3);
  const params = new Float32Array(40_000).fill(100);
  const attack = gaussianNoiseAttack({ type: 'gaussian-noise', fraction: 0.2, sigma: 2 });

  const out = attack.poisonUpdate?.(global, params, createRng(1)) ?? new Float32Array(0);

  let mean = 0;
  let meanSquare = 0;
  for (let i = 0; i < out.length; i++) {
    const d = out[i] - global[i];
    mean += d / out.length;
    meanSquare += (d * d) / out.length;
  }
  assert.equal(out.length, global.length);
  assert.ok(Math.abs(mean) < 0.05, `noise mean ${mean}`); // SE 2 / sqrt(40,000) = 0.01
  assert.ok(Math.abs(meanSquare - 4) < 0.15, `noise variance ${meanSquare}`); // SE 4·sqrt(2 / 40,000) ≈ 0.028
});

test('gaussianNoiseUpdate is seeded and leaves the global parameters alone', () => {
  const global = Float32Array.from([0.5, -1, 2]);

  const a = gaussianNoiseUpdate({ global, sigma: 1, rng: createRng(7) });
  const b = gaussianNoiseUpdate({ global, sigma: 1, rng: createRng(7) });
  const c = gaussianNoiseUpdate({ global, sigma: 1, rng: createRng(8) });

  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(Array.from(global), [0.5, -1, 2]);
});

test('gaussianNoiseUpdate with σ = 0 sends the global parameters back', () => {
  const global = Float32Array.from([0.5, -1, 2]);

  assert.deepEqual(gaussianNoiseUpdate({ global, sigma: 0, rng: createRng(1) }), global);
});

test('the gaussian-noise attack refuses mismatched lengths', () => {
  const attack = gaussianNoiseAttack({ type: 'gaussian-noise', fraction: 0.2, sigma: 1 });

  assert.throws(() => attack.poisonUpdate?.(new Float32Array(3), new Float32Array(2), createRng(0)), errorLike(ShapeMismatchError, /^gaussian-noise: /));
});
