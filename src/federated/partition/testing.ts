/** Helpers for the partition tests: seeded label arrays and the partition invariants. */
import assert from 'node:assert/strict';
import { createRng, permutation } from '../../engine/random.js';

/** `perClass` samples of each of `numClasses` classes, in a seeded random order. */
export function balancedLabels(numClasses: number, perClass: number, seed = 1): Int32Array {
  const order = permutation(numClasses * perClass, createRng(seed));
  return Int32Array.from(order, (i) => i % numClasses);
}

/** Asserts that `parts` are sorted ascending, disjoint, within [0, n), and (unless `covering` is false) cover all n samples. */
export function assertPartition(parts: readonly Int32Array[], n: number, opts: { covering?: boolean } = {}): void {
  const seen = new Uint8Array(n);
  parts.forEach((part, client) => {
    for (let i = 0; i < part.length; i++) {
      assert.ok(part[i] >= 0 && part[i] < n, `client ${client}: index ${part[i]} outside [0, ${n})`);
      if (i > 0) assert.ok(part[i] > part[i - 1], `client ${client}: not sorted ascending at ${i}`);
      assert.equal(seen[part[i]], 0, `sample ${part[i]} is given to more than one client`);
      seen[part[i]] = 1;
    }
  });
  if (opts.covering !== false) assert.ok(seen.every((s) => s === 1), 'every sample belongs to a client');
}
