import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, deriveSeed, permutation } from './random.js';

function draws(seed: number, n: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
}

describe('createRng', () => {
  test('the same seed gives the same sequence, a different seed a different one', () => {
    const a = draws(42, 100);
    const b = draws(42, 100);
    const c = draws(43, 100);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test('next() is in [0, 1) and roughly uniform; int(n) is an integer in [0, n)', () => {
    const rng = createRng(7);
    const n = 20000;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = rng.next();
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assert.ok(min >= 0, `min ${min}`);
    assert.ok(max < 1, `max ${max}`);
    assert.ok(Math.abs(sum / n - 0.5) < 0.01, `mean ${sum / n}`);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 5000; i++) {
      const k = rng.int(5);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 5, `int(5) gave ${k}`);
      counts[k]++;
    }
    for (const c of counts) assert.ok(Math.abs(c - 1000) < 150, `bucket counts ${counts.join(',')}`);
  });

  test('restore(save()) replays the stream from that point', () => {
    const rng = createRng(5);
    rng.next();
    const position = rng.save();
    const a = Array.from({ length: 20 }, () => rng.next());
    rng.restore(position);
    assert.deepEqual(Array.from({ length: 20 }, () => rng.next()), a);
    assert.notDeepEqual(Array.from({ length: 20 }, () => rng.next()), a);
  });
});

describe('permutation', () => {
  test('is a permutation of 0..n-1, shuffled, and reproducible', () => {
    const n = 50;
    const p = permutation(n, createRng(3));
    assert.equal(p.length, n);
    assert.deepEqual(Array.from(p).sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i));
    const fixedPoints = Array.from(p).filter((v, i) => v === i).length;
    assert.ok(fixedPoints < n / 2, `${fixedPoints} of ${n} elements did not move`);
    assert.deepEqual(permutation(n, createRng(3)), p);
    assert.notDeepEqual(permutation(n, createRng(4)), p);
  });

  test('handles n = 0 and n = 1', () => {
    assert.deepEqual(Array.from(permutation(0, createRng(1))), []);
    assert.deepEqual(Array.from(permutation(1, createRng(1))), [0]);
  });
});

describe('deriveSeed', () => {
  test('is a deterministic unsigned 32-bit integer', () => {
    const s = deriveSeed(123, 'layer-0');
    assert.equal(deriveSeed(123, 'layer-0'), s);
    assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32, `seed ${s}`);
  });

  test('differs by label and by seed', () => {
    const labels = ['layer-0', 'layer-1', 'layer-2', 'shuffle', 'split', ''];
    const seeds = new Set(labels.map((l) => deriveSeed(123, l)));
    assert.equal(seeds.size, labels.length);
    assert.notEqual(deriveSeed(123, 'layer-0'), deriveSeed(124, 'layer-0'));
  });
});
