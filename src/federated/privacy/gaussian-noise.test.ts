import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addGaussianNoise, secureUniforms, seededUniforms } from './gaussian-noise.js';

/** Mean, standard deviation and fourth standardized moment of the values. */
function moments(v: Float64Array): { mean: number; std: number; kurtosis: number } {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
  const fourth = v.reduce((s, x) => s + (x - mean) ** 4, 0) / v.length;
  return { mean, std: Math.sqrt(variance), kurtosis: fourth / variance ** 2 };
}

for (const [name, source] of [
  ['cryptographic', secureUniforms()],
  ['seeded', seededUniforms(5, 'test')],
] as const) {
  test(`${name} noise is N(0, σ²): mean, std and kurtosis of 200,000 draws (an odd length)`, () => {
    const v = new Float64Array(200001);

    addGaussianNoise(v, 2, source);

    const m = moments(v);
    // Standard errors: mean 2/√n ≈ 0.0045, std ≈ 0.0032, kurtosis ≈ 0.011
    assert.ok(Math.abs(m.mean) < 0.03, `mean ${m.mean}`);
    assert.ok(Math.abs(m.std - 2) < 0.02, `std ${m.std}`);
    assert.ok(Math.abs(m.kurtosis - 3) < 0.06, `kurtosis ${m.kurtosis}`);
    assert.ok(v[200000] !== 0, 'the last (odd) entry is noised too');
  });
}

test('uniforms are in (0, 1), never 0; seeded streams repeat, secure ones do not', () => {
  const u = new Float64Array(50000);
  secureUniforms().fill(u);
  assert.ok(u.every((x) => x > 0 && x < 1));
  const a = new Float64Array(10);
  const b = new Float64Array(10);
  seededUniforms(1, 'x').fill(a);
  seededUniforms(1, 'x').fill(b);
  assert.deepEqual(a, b);
  seededUniforms(1, 'y').fill(b);
  assert.notDeepEqual(a, b);
  assert.equal(secureUniforms().secure, true);
  assert.equal(seededUniforms(1, 'x').secure, false);
});

test('std 0 leaves the values unchanged', () => {
  const v = Float64Array.from([1, 2, 3]);
  addGaussianNoise(v, 0, secureUniforms());
  assert.deepEqual(Array.from(v), [1, 2, 3]);
});
