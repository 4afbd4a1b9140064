import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DataMalformedError, UnknownNameError } from '../../errors.js';
import { errorLike } from '../../engine/testing.js';
import type { PartitionSpecInput } from './partition.js';
import { listPartitionMethods, parsePartitionSpec, partitionLabels, PARTITION_METHOD_NAMES } from './registry.js';
import { assertPartition, balancedLabels } from './testing.js';

const labels = balancedLabels(10, 200); // 2,000 samples
const specs: PartitionSpecInput[] = [{ method: 'iid' }, { method: 'dirichlet' }, { method: 'classes' }, { method: 'quantity' }];

test('the registry lists the four methods with summaries', () => {
  const listed = listPartitionMethods();

  assert.deepEqual(listed.map((m) => m.name), ['iid', 'dirichlet', 'classes', 'quantity']);
  assert.deepEqual(PARTITION_METHOD_NAMES, ['iid', 'dirichlet', 'classes', 'quantity']);
  assert.ok(listed.every((m) => m.summary.length > 0));
});

for (const spec of specs) {
  test(`${spec.method}: the same seed gives the same partition, another seed another one`, () => {
    const a = partitionLabels(labels, 10, { numClients: 8, seed: 42, spec });
    const b = partitionLabels(labels, 10, { numClients: 8, seed: 42, spec });
    const c = partitionLabels(labels, 10, { numClients: 8, seed: 43, spec });

    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.equal(a.length, 8);
    assertPartition(a, labels.length);
  });
}

test('partitioning leaves the labels untouched', () => {
  const before = Int32Array.from(labels);

  for (const spec of specs) partitionLabels(labels, 10, { numClients: 5, seed: 1, spec });

  assert.deepEqual(labels, before);
});

test('parsePartitionSpec fills in the documented defaults', () => {
  assert.deepEqual(parsePartitionSpec({ method: 'iid' }), { method: 'iid' });
  assert.deepEqual(parsePartitionSpec({ method: 'dirichlet' }), { method: 'dirichlet', alpha: 0.5, minSize: 10 });
  assert.deepEqual(parsePartitionSpec({ method: 'classes' }), { method: 'classes', perClient: 2 });
  assert.deepEqual(parsePartitionSpec({ method: 'quantity' }), { method: 'quantity', beta: 0.5, minSize: 10 });
});

test('numClients below 1 or not an integer is a ConfigError naming the field', () => {
  for (const numClients of [0, -3, 2.5]) {
    assert.throws(() => partitionLabels(labels, 10, { numClients, seed: 0, spec: { method: 'iid' } }), errorLike(ConfigError, /^numClients: must be an integer of at least 1/));
  }
});

test('more clients than samples is a ConfigError saying how many clients fit', () => {
  const few = balancedLabels(2, 3);

  assert.throws(
    () => partitionLabels(few, 2, { numClients: 7, seed: 0, spec: { method: 'iid' } }),
    (err: unknown) => errorLike(ConfigError, /^numClients: 7 clients but only 6 samples/)(err) && (err as ConfigError).hint === 'use at most 6 clients, or more data',
  );
});

test('perClient above the number of classes is a ConfigError naming partition.perClient', () => {
  assert.throws(
    () => partitionLabels(labels, 10, { numClients: 4, seed: 0, spec: { method: 'classes', perClient: 11 } }),
    errorLike(ConfigError, /^partition\.perClient: 11 classes per client, but the data has only 10 classes/),
  );
});

test('alpha or beta of 0 or below is a ConfigError naming the field', () => {
  assert.throws(
    () => partitionLabels(labels, 10, { numClients: 4, seed: 0, spec: { method: 'dirichlet', alpha: 0 } }),
    errorLike(ConfigError, /^partition\.alpha: must be > 0/),
  );
  assert.throws(
    () => partitionLabels(labels, 10, { numClients: 4, seed: 0, spec: { method: 'quantity', beta: -1 } }),
    errorLike(ConfigError, /^partition\.beta: must be > 0/),
  );
});

test('a minSize that numClients cannot all get is refused before any draw', () => {
  assert.throws(
    () => partitionLabels(labels, 10, { numClients: 100, seed: 0, spec: { method: 'quantity', minSize: 21 } }),
    (err: unknown) => errorLike(ConfigError, /^partition\.minSize: 100 clients of at least 21 samples need 2100, but there are only 2000/)(err) && /at most 20/.test((err as ConfigError).hint ?? ''),
  );
});

test('an unknown method lists the valid ones; an unknown field is a ConfigError', () => {
  assert.throws(
    () => partitionLabels(labels, 10, { numClients: 4, seed: 0, spec: { method: 'shards' } as unknown as PartitionSpecInput }),
    (err: unknown) => errorLike(UnknownNameError, /unknown partition method 'shards'/)(err) && (err as UnknownNameError).hint === 'use one of: iid, dirichlet, classes, quantity',
  );
  assert.throws(
    () => partitionLabels(labels, 10, { numClients: 4, seed: 0, spec: { method: 'iid', alpha: 1 } as unknown as PartitionSpecInput }),
    errorLike(ConfigError, /^partition: Unrecognized key: "alpha"/),
  );
});

test('labels outside [0, numClasses) and bad seeds are refused', () => {
  assert.throws(() => partitionLabels(Int32Array.from([0, 1, 3]), 3, { numClients: 1, seed: 0, spec: { method: 'iid' } }), errorLike(DataMalformedError, /label 3 of sample 2 is outside \[0, 3\)/));
  assert.throws(() => partitionLabels(labels, 10, { numClients: 2, seed: -1, spec: { method: 'iid' } }), errorLike(ConfigError, /^seed: must be an integer/));
});

test('a classes partition that leaves a client with no samples is a ConfigError', () => {
  // All 3 clients hold both classes: class 0's single sample goes to client 0, class 1's two to clients 0 and 1.
  const tiny = Int32Array.from([0, 1, 1]);

  assert.throws(
    () => partitionLabels(tiny, 2, { numClients: 3, seed: 0, spec: { method: 'classes', perClient: 2 } }),
    errorLike(ConfigError, /^numClients: the 'classes' partition left client 2 of 3 with no samples/),
  );
});

test('a dataset of fields partitions on a chosen target: k classes per client hold on that target, whatever the others', async () => {
  const { makeFieldDataset, strata, selectRows } = await import('../../data/fields.js');
  const n = 400;
  const ds = makeFieldDataset(
    {
      x: { kind: 'float', values: Float32Array.from({ length: n }, (_, i) => i), shape: [1] },
      digit: { kind: 'classes', labels: Int32Array.from({ length: n }, (_, i) => i % 4), numClasses: 4 },
      parity: { kind: 'classes', labels: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 7) % 2), numClasses: 2 },
    },
    'two targets',
  );
  const { groups, count } = strata(ds, 'digit');
  const parts = partitionLabels(groups, count, { numClients: 4, seed: 1, spec: { method: 'classes', perClient: 2 } });
  assertPartition(parts, n);
  for (const part of parts) {
    const digits = new Set(Array.from((selectRows(ds, part).fields.digit as { labels: Int32Array }).labels));
    assert.ok(digits.size <= 2, `a client holds digits ${[...digits].join(', ')}`);
  }
});
