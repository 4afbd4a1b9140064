import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientLayout, pooledRows, storedRows } from './client-layout.js';
import { shareDataset } from './worker-protocol.js';

const rows = (...r: number[]): Int32Array => Int32Array.from(r);

describe('clientLayout', () => {
  it('stores each client\'s rows back to back in partition order, then the rows no client holds', () => {
    const clients = [rows(5, 1), rows(3), rows(0, 6)];

    const layout = clientLayout(8, clients);

    assert.deepEqual([...layout.order], [5, 1, 3, 0, 6, 2, 4, 7]);
    layout.order.forEach((row, i) => assert.equal(layout.position[row], i));
    assert.equal(layout.identity, false);
    assert.deepEqual([...storedRows(clients[2], layout)], [3, 4]);
  });

  it('stores a row two clients hold once, where the first puts it, and knows an order that changes nothing', () => {
    const shared = clientLayout(4, [rows(2, 0), rows(0, 3)]);
    const ordered = clientLayout(5, [rows(0, 1), rows(2), rows(3, 4)]);

    assert.deepEqual([...shared.order], [2, 0, 3, 1]);
    assert.deepEqual([...storedRows(rows(0, 3), shared)], [1, 2]);
    assert.equal(ordered.identity, true);
  });

  it('refuses a row outside the training set', () => {
    assert.throws(() => clientLayout(3, [rows(0, 3)]), /row 3 is not one of the 3 training rows/);
  });

  it('with shareDataset: a client reads the same samples at its stored rows as at its original ones', () => {
    const ds = { features: Float32Array.from({ length: 12 }, (_, i) => i), labels: rows(0, 1, 2, 0, 1, 2), sampleShape: [2], numClasses: 3 };
    const clients = [rows(4, 0), rows(5, 2, 1)];
    const layout = clientLayout(6, clients);

    const shared = shareDataset(ds, layout.order);

    assert.ok(shared.features.buffer instanceof SharedArrayBuffer);
    for (const client of clients) {
      const at = storedRows(client, layout);
      client.forEach((r, i) => {
        assert.equal(shared.labels[at[i]], ds.labels[r]);
        assert.deepEqual([...shared.features.subarray(at[i] * 2, at[i] * 2 + 2)], [...ds.features.subarray(r * 2, r * 2 + 2)]);
      });
    }
    assert.throws(() => shareDataset(ds, rows(0, 1)), /an order of 2 rows for a dataset of 6/);
  });
});

describe('pooledRows', () => {
  const layout = clientLayout(6, [rows(4, 0), rows(5, 2, 1)]);

  it('is every row in its original order when no client holds rows out', () => {
    const pooled = pooledRows([rows(4, 0), rows(5, 2, 1)], [rows(), rows()], layout);

    assert.deepEqual([...(pooled ?? [])].map((p) => layout.order[p]), [0, 1, 2, 3, 4, 5]);
    assert.equal(pooledRows([rows(0, 1)], [rows()], clientLayout(2, [rows(0, 1)])), undefined);
  });

  it('is the clients\' training rows in original order when some are held out', () => {
    const pooled = pooledRows([rows(4), rows(2, 5)], [rows(0), rows(1)], layout);

    assert.deepEqual([...(pooled ?? [])].map((p) => layout.order[p]), [2, 4, 5]);
  });
});
