import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClientTrainConfig } from '../../client-config.js';
import { dpClipNoiseTransform } from './dp-clip-noise.js';
import { DP_BELOW_CLIP } from './options.js';

const config = (entries: Record<string, number | boolean>) => parseClientTrainConfig({ localEpochs: 1, batchSize: 8, seed: 3, ...entries });

test('clips the update to C without noise: y = x + Δ·C/‖Δ‖', () => {
  const global = Float32Array.from([1, 1, 1, 1]);
  const params = Float32Array.from([4, 5, 1, 1]); // Δ = (3, 4, 0, 0), norm 5

  const out = dpClipNoiseTransform.apply({ clientId: 'a', config: config({ dpClip: 1 }), global, params, state: {} });

  assert.deepEqual(Array.from(out.params), [1.6, 1.8, 1, 1].map(Math.fround));
  assert.deepEqual(out.extras, {});
  assert.deepEqual(Array.from(params), [4, 5, 1, 1], 'input not modified');
});

test('adds the share of noise, reproducibly with a seed and differently without', () => {
  const d = 10000;
  const global = new Float32Array(d);
  const params = new Float32Array(d); // Δ = 0
  const cfg = config({ dpClip: 1, dpNoiseStd: 0.3, dpNoiseSeed: 11 });

  const a = dpClipNoiseTransform.apply({ clientId: 'a', config: cfg, global, params, state: {} }).params;
  const again = dpClipNoiseTransform.apply({ clientId: 'a', config: cfg, global, params, state: {} }).params;
  const other = dpClipNoiseTransform.apply({ clientId: 'b', config: cfg, global, params, state: {} }).params;
  const secure1 = dpClipNoiseTransform.apply({ clientId: 'a', config: config({ dpClip: 1, dpNoiseStd: 0.3 }), global, params, state: {} }).params;
  const secure2 = dpClipNoiseTransform.apply({ clientId: 'a', config: config({ dpClip: 1, dpNoiseStd: 0.3 }), global, params, state: {} }).params;

  const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / d);
  assert.ok(Math.abs(std - 0.3) < 0.01, `noise std ${std}`);
  assert.deepEqual(again, a, 'a seed reproduces the noise');
  assert.notDeepEqual(other, a, 'clients draw independent noise');
  assert.notDeepEqual(secure1, secure2, 'the cryptographic generator never repeats');
});

test('adaptive: returns the indicator of ‖Δ‖ ≤ C, centred (±½), plus its count noise share', () => {
  const global = new Float32Array(2);
  const within = dpClipNoiseTransform.apply({ clientId: 'a', config: config({ dpClip: 10, dpAdaptive: true }), global, params: Float32Array.from([3, 4]), state: {} });
  const above = dpClipNoiseTransform.apply({ clientId: 'a', config: config({ dpClip: 1, dpAdaptive: true }), global, params: Float32Array.from([3, 4]), state: {} });
  assert.deepEqual(Array.from(within.extras[DP_BELOW_CLIP]), [0.5]);
  assert.deepEqual(Array.from(above.extras[DP_BELOW_CLIP]), [-0.5]);
});
