import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../errors.js';
import { makeFieldDataset } from '../fields.js';
import { mmoeSynthetic, mmoeSyntheticParameters } from './mmoe-synthetic.js';

/** Pearson correlation of two equal-length arrays. */
function pearson(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, k) => s + v * b[k], 0);

test('mmoeSynthetic gives input x [d] and regression targets y1, y2 of width 1', () => {
  const { data } = mmoeSynthetic({ samples: 50, correlation: 0.5, dimension: 7, seed: 1 });

  makeFieldDataset(data.fields, 'test');
  assert.equal(data.length, 50);
  assert.deepEqual(Object.keys(data.fields), ['x', 'y1', 'y2']);
  assert.ok(data.fields.x.kind === 'float' && data.fields.x.values.length === 350);
  assert.deepEqual(data.fields.x.shape, [7]);
  for (const t of ['y1', 'y2']) {
    const f = data.fields[t];
    assert.ok(f.kind === 'regression' && f.width === 1 && f.values.length === 50, t);
  }
});

test('the weight vectors have norm c and cosine p (section 4.1, step 2)', () => {
  const p = mmoeSyntheticParameters({ samples: 1, correlation: 0.3, scale: 2, seed: 4 });

  const n1 = Math.sqrt(dot(p.w1, p.w1));
  const n2 = Math.sqrt(dot(p.w2, p.w2));
  assert.ok(Math.abs(n1 - 2) < 1e-12 && Math.abs(n2 - 2) < 1e-12, `${n1} ${n2}`);
  assert.ok(Math.abs(dot(p.w1, p.w2) / (n1 * n2) - 0.3) < 1e-12);
  assert.equal(p.w1.length, 100);
  assert.equal(p.alpha.length, 10);
  assert.equal(p.beta.length, 10);
});

test('the correlation of the two labels rises with the task correlation p', () => {
  const corr = [0.1, 0.5, 0.9].map((correlation) => {
    const { data } = mmoeSynthetic({ samples: 20000, correlation, seed: 7 });
    const y1 = data.fields.y1;
    const y2 = data.fields.y2;
    assert.ok(y1.kind === 'regression' && y2.kind === 'regression');
    return pearson(y1.values, y2.values);
  });

  assert.ok(corr[0] < corr[1] && corr[1] < corr[2], corr.join(', '));
  // The sinusoids and noise are small next to wᵀx (variance c² = 1): the label correlation stays near p.
  [0.1, 0.5, 0.9].forEach((p, k) => assert.ok(Math.abs(corr[k] - p) < 0.06, `p ${p}: ${corr[k]}`));
});

test('mmoeSynthetic is reproducible from its seed', () => {
  const a = mmoeSynthetic({ samples: 20, correlation: 0.2, dimension: 5, seed: 3 });
  const b = mmoeSynthetic({ samples: 20, correlation: 0.2, dimension: 5, seed: 3 });
  const c = mmoeSynthetic({ samples: 20, correlation: 0.2, dimension: 5, seed: 4 });

  assert.deepEqual(a.data.fields, b.data.fields);
  assert.notDeepEqual(a.data.fields, c.data.fields);
});

test('mmoeSynthetic refuses a correlation outside [-1, 1] and a dimension below 2', () => {
  assert.throws(() => mmoeSynthetic({ samples: 5, correlation: 1.5, seed: 0 }), (err: unknown) => err instanceof ConfigError && err.path === 'correlation');
  assert.throws(() => mmoeSynthetic({ samples: 5, correlation: 0, dimension: 1, seed: 0 }), (err: unknown) => err instanceof ConfigError && err.path === 'dimension');
});
