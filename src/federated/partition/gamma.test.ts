import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../engine/random.js';
import { sampleDirichlet, sampleGamma, sampleLogGamma } from './gamma.js';

/** Sample mean and (population) variance. */
function moments(xs: Float64Array): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, variance: xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length };
}

for (const shape of [0.1, 0.5, 1, 2.5, 10]) {
  test(`Gamma(${shape}, 1) samples have mean and variance ${shape} within 5 standard errors`, () => {
    const rng = createRng(17);
    const n = 40_000;

    const xs = Float64Array.from({ length: n }, () => sampleGamma(shape, rng));

    const { mean, variance } = moments(xs);
    // SE of the mean: sqrt(shape / n). SE of the variance: shape · sqrt((2 + 6 / shape) / n) (excess kurtosis 6 / shape).
    const seMean = Math.sqrt(shape / n);
    const seVar = shape * Math.sqrt((2 + 6 / shape) / n);
    assert.ok(Math.abs(mean - shape) < 5 * seMean, `mean ${mean}, expected ${shape} ± ${5 * seMean}`);
    assert.ok(Math.abs(variance - shape) < 5 * seVar, `variance ${variance}, expected ${shape} ± ${5 * seVar}`);
    assert.ok(xs.every((x) => x >= 0 && Number.isFinite(x)));
  });
}

test('log-Gamma samples stay finite for tiny shapes, where the samples themselves underflow', () => {
  const rng = createRng(3);

  const logs = Array.from({ length: 1_000 }, () => sampleLogGamma(0.001, rng));

  assert.ok(logs.every(Number.isFinite));
  assert.ok(logs.some((l) => Math.exp(l) === 0), 'some samples of Gamma(0.001) underflow to 0');
});

test('Gamma samples are seeded', () => {
  const a = createRng(5);
  const b = createRng(5);
  const c = createRng(6);

  const xa = Array.from({ length: 50 }, () => sampleGamma(0.7, a));
  const xb = Array.from({ length: 50 }, () => sampleGamma(0.7, b));
  const xc = Array.from({ length: 50 }, () => sampleGamma(0.7, c));

  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
});

test('a Gamma shape that is not positive and finite is refused', () => {
  const rng = createRng(1);
  for (const shape of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => sampleGamma(shape, rng), RangeError, `shape ${shape}`);
  }
});

test('Dirichlet draws sum to 1 with mean 1/k and the variance (1/k)(1 - 1/k)/(k·alpha + 1) per coordinate', () => {
  const rng = createRng(11);
  const k = 5;
  const alpha = 0.5;
  const n = 20_000;
  const first = new Float64Array(n);

  for (let i = 0; i < n; i++) {
    const p = sampleDirichlet(alpha, k, rng);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(p.every((x) => x >= 0));
    first[i] = p[0];
  }

  const { mean, variance } = moments(first);
  const expectedVar = (1 / k) * (1 - 1 / k) / (k * alpha + 1);
  assert.ok(Math.abs(mean - 1 / k) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(variance - expectedVar) / expectedVar < 0.05, `variance ${variance}, expected ${expectedVar}`);
});

test('a Dirichlet draw with tiny alpha still sums to 1, concentrated on one category', () => {
  const rng = createRng(2);

  const p = sampleDirichlet(1e-4, 10, rng);

  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(Math.max(...p) > 0.99, `largest weight ${Math.max(...p)}`);
});
