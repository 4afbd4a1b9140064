/** How a round's clients are cut into worker tasks: large groups first, single clients last, every client once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupSizes, MAX_GROUP } from './client-groups.js';

describe('groupSizes', () => {
  it('cuts 100 clients on 2 workers into groups of at most 8 that shrink to single clients', () => {
    const sizes = groupSizes(100, 2);

    assert.deepEqual(sizes, [8, 8, 8, 8, 8, 8, 8, 8, 8, 7, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1]);
    assert.equal(sizes.reduce((a, b) => a + b, 0), 100);
  });

  it('adds up to the clients, never grows, and ends with one single client per worker at least, for any count', () => {
    for (const workers of [1, 2, 3, 8]) {
      for (let clients = 0; clients <= 300; clients++) {
        const sizes = groupSizes(clients, workers);
        assert.equal(sizes.reduce((a, b) => a + b, 0), clients, `${clients} clients on ${workers} workers`);
        assert.ok(sizes.every((s, i) => s >= 1 && s <= MAX_GROUP && (i === 0 || s <= sizes[i - 1])), `${sizes.join(',')}: sizes 1..${MAX_GROUP}, never growing`);
        assert.ok(sizes.slice(-Math.min(clients, workers)).every((s) => s === 1), `${sizes.join(',')}: the last ${workers} are single clients`);
      }
    }
  });

  it('keeps every client on its own when there are few per worker', () => {
    assert.deepEqual(groupSizes(3, 2), [1, 1, 1]);
    assert.deepEqual(groupSizes(7, 4), [1, 1, 1, 1, 1, 1, 1]);
    assert.deepEqual(groupSizes(40, 2, 3), [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1]);
  });

  it('refuses counts that are not integers of the right sign', () => {
    assert.throws(() => groupSizes(-1, 2), /clients must be a non-negative integer, got -1/);
    assert.throws(() => groupSizes(10, 0), /workers must be a positive integer, got 0/);
    assert.throws(() => groupSizes(10, 2, 1.5), /max must be a positive integer, got 1.5/);
  });
});
