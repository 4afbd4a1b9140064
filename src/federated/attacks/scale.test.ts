import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import { ShapeMismatchError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { scaleAttack, scaleUpdate } from './scale.js';

const global = Float32Array.from([1, -2, 0.5, 0]);
const params = Float32Array.from([1.5, -2, 0, 3]); // update w − g = [0.5, 0, −0.5, 3]

test('scaleUpdate sends g + λ(w − g), leaving its inputs alone', () => {
  const g = Float32Array.from(global);
  const w = Float32Array.from(params);

  const out = scaleUpdate(global, params, 10);

  assertClose(out, [6, -2, -4.5, 30], 1e-7, 'scale λ=10');
  assert.deepEqual(global, g);
  assert.deepEqual(params, w);
});

test('scaleUpdate with λ = 1 sends the trained parameters and with λ = 0 the global ones', () => {
  assertClose(scaleUpdate(global, params, 1), params, 0, 'λ=1');
  assertClose(scaleUpdate(global, params, 0), global, 0, 'λ=0');
});

test('the scale attack uses its spec factor and refuses mismatched lengths', () => {
  const attack = scaleAttack({ type: 'scale', fraction: 0.2, factor: -3 });

  const out = attack.poisonUpdate?.(global, params, createRng(0));

  assertClose(out ?? [], [-0.5, -2, 2, -9], 1e-7, 'scale λ=-3');
  assert.throws(() => attack.poisonUpdate?.(global, new Float32Array(5), createRng(0)), errorLike(ShapeMismatchError, /^scale: global parameters have 4 values/));
});
