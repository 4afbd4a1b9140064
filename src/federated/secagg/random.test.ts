import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secureRandomBytes, secureUniform } from './random.js';

test('secureRandomBytes fills more than one 64 KiB chunk', () => {
  const out = secureRandomBytes(200_000);

  assert.equal(out.length, 200_000);
  // the last chunk is filled too: 70,000 zero bytes in a row has probability 2^-560000
  assert.ok(out.subarray(130_000).some((b) => b !== 0));
});

test('secureUniform gives values in [0, 1) with mean near 1/2 across refills', () => {
  const u = secureUniform();

  const xs = Array.from({ length: 10_000 }, u);

  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
});
