import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleClients, sampleSize } from './sample-clients.js';

describe('sampleClients', () => {
  const ids = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, '0')}`);

  it('samples ceil(fraction·n) clients, at least min, at most n', () => {
    assert.equal(sampleSize(20, 0.1, 1), 2);
    assert.equal(sampleSize(20, 0.1, 5), 5);
    assert.equal(sampleSize(3, 0.5, 5), 3);
    assert.equal(sampleSize(10, 1, 1), 10);
  });

  it('is seeded by run seed and round, independent of the input order, sorted and distinct', () => {
    const a = sampleClients(ids, { fraction: 0.25, min: 1, seed: 7, round: 3 });
    const b = sampleClients([...ids].reverse(), { fraction: 0.25, min: 1, seed: 7, round: 3 });
    assert.deepEqual(a, b);
    assert.equal(a.length, 5);
    assert.equal(new Set(a).size, 5);
    assert.deepEqual(a, [...a].sort());
    const otherRound = sampleClients(ids, { fraction: 0.25, min: 1, seed: 7, round: 4 });
    assert.notDeepEqual(a, otherRound);
  });
});
