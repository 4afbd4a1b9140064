import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logAdd, logBinomial, logErfc, logGamma } from './special-functions.js';

const close = (got: number, want: number, rel: number, what: string): void => {
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: got ${got}, want ${want}`);
};

test('logGamma matches factorials, Γ(1/2) = √π and the reflection formula for negative arguments', () => {
  assert.ok(Math.abs(logGamma(1)) < 1e-14, 'log Γ(1) = 0');
  close(logGamma(11), Math.log(3628800), 1e-14, 'log 10!');
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14, 'log Γ(1/2)');
  // Γ(−1/2) = −2√π, so log|Γ(−1/2)| = log(2√π)
  close(logGamma(-0.5), Math.log(2 * Math.sqrt(Math.PI)), 1e-13, 'log |Γ(−1/2)|');
  close(logGamma(171.5), 709.1431630309283, 1e-13, 'log Γ(171.5)'); // scipy.special.gammaln
  assert.equal(logGamma(-2), Number.POSITIVE_INFINITY);
});

test('logBinomial: exact for integers, |C(n, k)| for a real n', () => {
  close(logBinomial(10, 3), Math.log(120), 1e-14, 'C(10, 3)');
  close(logBinomial(512, 256), 351.5459145005875, 1e-13, 'C(512, 256)'); // scipy.special.gammaln
  // C(1.5, 3) = 1.5·0.5·(−0.5)/6 = −0.0625
  close(logBinomial(1.5, 3), Math.log(0.0625), 1e-13, '|C(1.5, 3)|');
});

test('logErfc: small, moderate, negative and far-tail arguments', () => {
  // erfc values from Abramowitz & Stegun / mpmath.
  assert.ok(logErfc(0) === 0, 'erfc(0) = 1');
  close(Math.exp(logErfc(0.5)), 0.4795001221869535, 1e-14, 'erfc(0.5)');
  close(Math.exp(logErfc(1)), 0.15729920705028513, 1e-14, 'erfc(1)');
  close(Math.exp(logErfc(1.99)), 0.004888586800383002, 1e-12, 'erfc(1.99)'); // scipy.special.erfc; the series' worst case (1 − erf cancels)
  close(Math.exp(logErfc(2)), 0.004677734981047266, 1e-13, 'erfc(2)');
  close(Math.exp(logErfc(3)), 2.209049699858544e-5, 1e-13, 'erfc(3)');
  close(logErfc(10), Math.log(2.088487583762545e-45), 1e-14, 'log erfc(10)');
  close(Math.exp(logErfc(-1)), 1.8427007929497148, 1e-14, 'erfc(−1)');
  // Far tail: log erfc(x) ≈ −x² − log(x√π) − 1/(2x²)
  const x = 1000;
  close(logErfc(x), -x * x - Math.log(x * Math.sqrt(Math.PI)) - 1 / (2 * x * x), 1e-15, 'log erfc(1000)');
  // Continuity across the switch at 2.
  close(logErfc(2 - 1e-12), logErfc(2), 1e-10, 'continuity at 2');
});

test('logAdd adds in log space and treats −∞ as 0', () => {
  close(logAdd(Math.log(2), Math.log(3)), Math.log(5), 1e-15, 'log(2 + 3)');
  assert.equal(logAdd(Number.NEGATIVE_INFINITY, 1.5), 1.5);
  close(logAdd(1000, 1000), 1000 + Math.log(2), 1e-15, 'no overflow');
});
