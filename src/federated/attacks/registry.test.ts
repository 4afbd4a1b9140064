import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import { ConfigError, UnknownNameError } from '../../errors.js';
import { assertClose, errorLike } from '../../engine/testing.js';
import { attackRng } from './attack.js';
import { ATTACK_TYPES, createAttack, listAttacks, parseAttackSpec } from './registry.js';

test('the registry lists the four attacks with summaries', () => {
  assert.deepEqual(ATTACK_TYPES, ['label-flip', 'sign-flip', 'gaussian-noise', 'scale']);
  assert.ok(listAttacks().every((a) => a.summary.length > 0));
});

test('parseAttackSpec fills in the documented defaults', () => {
  assert.deepEqual(parseAttackSpec({ type: 'label-flip' }), { type: 'label-flip', fraction: 0.2 });
  assert.deepEqual(parseAttackSpec({ type: 'sign-flip' }), { type: 'sign-flip', fraction: 0.2, scale: 1 });
  assert.deepEqual(parseAttackSpec({ type: 'gaussian-noise' }), { type: 'gaussian-noise', fraction: 0.2, sigma: 1 });
  assert.deepEqual(parseAttackSpec({ type: 'scale', fraction: 0.4 }), { type: 'scale', fraction: 0.4, factor: 10 });
});

test('createAttack builds each attack from its spec', () => {
  const global = Float32Array.from([1, 2]);
  const params = Float32Array.from([2, 0]);

  const scale = createAttack({ type: 'scale', factor: 3 });
  const flip = createAttack({ type: 'sign-flip' });
  const labels = createAttack({ type: 'label-flip', fraction: 0.1 });
  const noise = createAttack({ type: 'gaussian-noise', sigma: 0.5 });

  assert.equal(scale.name, 'scale');
  assertClose(scale.poisonUpdate?.(global, params, createRng(0)) ?? [], [4, -4], 1e-7, 'scale');
  assertClose(flip.poisonUpdate?.(global, params, createRng(0)) ?? [], [0, 4], 1e-7, 'sign-flip');
  assert.deepEqual(Array.from(labels.poisonLabels?.(Int32Array.from([0, 1]), 2) ?? []), [1, 0]);
  assert.equal(labels.spec.fraction, 0.1);
  assert.equal(noise.poisonUpdate?.(global, params, createRng(0)).length, 2);
});

test('bad specs are ConfigErrors naming the field; unknown types list the valid ones', () => {
  assert.throws(() => createAttack({ type: 'scale', fraction: 1.2 }), errorLike(ConfigError, /^attack\.fraction: must be in \[0, 1\]/));
  assert.throws(() => createAttack({ type: 'gaussian-noise', sigma: -1 }), errorLike(ConfigError, /^attack\.sigma: must be ≥ 0/));
  assert.throws(() => createAttack({ type: 'label-flip', factor: 2 }), errorLike(ConfigError, /^attack: Unrecognized key: "factor"/));
  assert.throws(() => createAttack({}), errorLike(ConfigError, /^attack\.type: Invalid discriminator value/));
  assert.throws(
    () => createAttack({ type: 'backdoor' }),
    (err: unknown) => errorLike(UnknownNameError, /unknown attack 'backdoor'/)(err) && (err as UnknownNameError).hint === 'use one of: label-flip, sign-flip, gaussian-noise, scale',
  );
});

test('attackRng depends on seed, client and round only', () => {
  const draw = (seed: number, clientId: string, round: number): number => attackRng({ seed, clientId, round }).next();

  assert.equal(draw(1, 'a', 3), draw(1, 'a', 3));
  assert.notEqual(draw(1, 'a', 3), draw(1, 'a', 4));
  assert.notEqual(draw(1, 'a', 3), draw(1, 'b', 3));
  assert.notEqual(draw(1, 'a', 3), draw(2, 'a', 3));
});
