/** IID partition: a seeded shuffle split into nearly equal parts (Li et al.'s `homo`). */
import { permutation } from '../../engine/random.js';
import type { PartitionMethod } from './partition.js';
import { sortedParts, splitEvenly } from './split-indices.js';

/** Every client gets `floor(n / numClients)` or one more random samples; labels are IID. */
export const iidPartition: PartitionMethod<'iid'> = {
  name: 'iid',
  summary: 'a seeded shuffle split into nearly equal parts',
  partition({ labels, numClients, rng }) {
    const parts = splitEvenly(permutation(labels.length, rng), numClients);
    return sortedParts(parts.map((part) => [part]));
  },
};
