import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ProtocolError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { secureRandomBytes } from './random.js';
import { combine, split } from './shamir.js';

const secret = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 255);

test('any t of n shares recover the secret', () => {
  const shares = split(secret, [1, 2, 3, 4, 5, 6, 7], 4, secureRandomBytes);

  for (const pick of [[0, 1, 2, 3], [6, 5, 4, 3], [0, 2, 4, 6], [1, 3, 5, 6]]) {
    assert.deepEqual(combine(pick.map((p) => shares[p]), 4), secret, `shares ${pick}`);
  }
});

test('t − 1 shares combined as if t were smaller give a wrong secret', () => {
  const shares = split(secret, [10, 20, 30, 40, 50], 3, secureRandomBytes);

  const wrong = combine(shares.slice(0, 2), 2);

  assert.notDeepEqual(wrong, secret);
});

test('with zero coefficients every share equals the secret; nonzero ones hide it', () => {
  const zeros = (n: number): Uint8Array => new Uint8Array(n);
  const flat = split(secret, [1, 2], 2, zeros);
  assert.deepEqual(flat[0].y, secret);

  const hidden = split(secret, [1, 2, 3], 2, secureRandomBytes);
  assert.ok(hidden.every((s) => s.y.some((b, i) => b !== secret[i])));
});

test('x coordinates near 255 and a 1-byte secret work', () => {
  const shares = split(Uint8Array.of(200), [253, 254, 255], 3, secureRandomBytes);

  assert.deepEqual(combine([shares[2], shares[0], shares[1]], 3), Uint8Array.of(200));
});

test('split and combine validate their input', () => {
  assert.throws(() => split(secret, [1, 1, 2], 2, secureRandomBytes), errorLike(ConfigError, /duplicate share x coordinate 1/));
  assert.throws(() => split(secret, [0, 1], 2, secureRandomBytes), errorLike(ConfigError, /integers in \[1, 255\], got 0/));
  assert.throws(() => split(secret, [1, 256], 2, secureRandomBytes), ConfigError);
  assert.throws(() => split(secret, [1, 2], 3, secureRandomBytes), errorLike(ConfigError, /threshold: must be an integer in \[1, 2\]/));
  const shares = split(secret, [1, 2, 3], 3, secureRandomBytes);
  assert.throws(() => combine(shares.slice(0, 2), 3), errorLike(ProtocolError, /from 2 shares: the threshold is 3/));
  assert.throws(() => combine([shares[0], shares[0], shares[1]], 3), errorLike(ProtocolError, /duplicate share x coordinate 1/));
  assert.throws(() => combine([shares[0], { x: 2, y: new Uint8Array(3) }], 2), errorLike(ProtocolError, /differ in length/));
});
