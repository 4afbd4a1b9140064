import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import { expandMask } from './prg.js';

test('expandMask is deterministic per seed, differs across seeds, and is a prefix-stable keystream', async () => {
  const a = new Uint8Array(32).fill(1);
  const b = new Uint8Array(32).fill(2);

  const a1 = await expandMask(a, 1000);
  const a2 = await expandMask(a, 1000);
  const aShort = await expandMask(a, 10);
  const b1 = await expandMask(b, 1000);

  assert.deepEqual(a1, a2);
  assert.deepEqual(aShort, a1.subarray(0, 10));
  assert.ok(b1.some((v, i) => v !== a1[i]));
  assert.equal((await expandMask(a, 0)).length, 0);
});

test('expandMask matches the AES-256-CTR keystream of a zero key (FIPS-197 test key, counter 0)', async () => {
  // AES-256 with the all-zero key encrypts the zero block to dc95c078a2408989ad48a21492842087
  const out = await expandMask(new Uint8Array(32), 4);
  const bytes = new Uint8Array(out.buffer, out.byteOffset, 16);

  assert.equal(Buffer.from(bytes).toString('hex'), 'dc95c078a2408989ad48a21492842087');
});

test('expandMask words look uniform: mean of 2^16 words is near 2^31', async () => {
  const out = await expandMask(new Uint8Array(32).fill(9), 65_536);

  const mean = out.reduce((s, v) => s + v, 0) / out.length;

  // std of the mean: 2^32/√12/256 ≈ 4.8e6; allow 6 std
  assert.ok(Math.abs(mean - 2 ** 31) < 3e7, `mean ${mean}`);
});

test('expandMask refuses a seed of the wrong size', async () => {
  await assert.rejects(expandMask(new Uint8Array(16), 4), errorLike(ConfigError, /must be 32 bytes, got 16/));
});
