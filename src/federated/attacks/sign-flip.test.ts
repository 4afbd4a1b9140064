import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import { ShapeMismatchError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { signFlipAttack, signFlipUpdate } from './sign-flip.js';

const global = Float32Array.from([1, -2, 0.5, 0]);
const params = Float32Array.from([1.5, -2, 0, 3]); // update w − g = [0.5, 0, −0.5, 3]

test('signFlipUpdate with scale 1 sends g − (w − g) = 2g − w', () => {
  const out = signFlipUpdate(global, params, 1);

  assertClose(out, [0.5, -2, 1, -3], 1e-7, 'sign-flip s=1');
});

test('signFlipUpdate with scale 4 sends g − 4(w − g), and leaves its inputs alone', () => {
  const g = Float32Array.from(global);
  const w = Float32Array.from(params);

  const out = signFlipUpdate(global, params, 4);

  assertClose(out, [-1, -2, 2.5, -12], 1e-7, 'sign-flip s=4');
  assert.deepEqual(global, g);
  assert.deepEqual(params, w);
  assert.notEqual(out, global);
});

test('the sign-flip attack uses its spec scale and refuses mismatched lengths', () => {
  const attack = signFlipAttack({ type: 'sign-flip', fraction: 0.3, scale: 2 });

  const out = attack.poisonUpdate?.(global, params, createRng(0));

  assertClose(out ?? [], [0, -2, 1.5, -6], 1e-7, 'sign-flip s=2');
  assert.equal(attack.poisonLabels, undefined);
  assert.throws(() => attack.poisonUpdate?.(global, params.subarray(1), createRng(0)), errorLike(ShapeMismatchError, /sign-flip: global parameters have 4 values but the client's have 3/));
});
