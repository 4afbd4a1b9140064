/**
 * k classes per client, after Li et al.'s `noniid-#label k`: each client is given `perClient`
 * distinct classes, then each class's (shuffled) samples are split equally among the clients
 * holding it. Li et al. give client i class i mod K first and the rest at random; here the
 * classes are first put in a seeded random order, client i's first class is the (i mod K)-th of
 * that order, and when there are fewer clients than classes the next slots take the classes no
 * one holds yet, so every class is held by someone whenever numClients · k ≥ numClasses. The
 * remaining slots are random distinct classes. Samples of a class no client holds (only when
 * numClients · k < numClasses) are left out of the partition.
 */
import { permutation, type Rng } from '../../engine/random.js';
import type { PartitionMethod } from './partition.js';
import { shuffledClassIndices, sortedParts, splitEvenly } from './split-indices.js';

/** The classes of each client: `numClients` lists of `perClient` distinct classes. */
export function assignClasses(opts: { numClasses: number; numClients: number; perClient: number; rng: Rng }): number[][] {
  const { numClasses, numClients, perClient, rng } = opts;
  const order = permutation(numClasses, rng);
  return Array.from({ length: numClients }, (_, client) => {
    const held: number[] = [order[client % numClasses]];
    for (let j = 1; j < perClient; j++) {
      const slot = j * numClients + client;
      if (slot < numClasses) {
        held.push(order[slot]);
        continue;
      }
      let c = rng.int(numClasses);
      while (held.includes(c)) c = rng.int(numClasses);
      held.push(c);
    }
    return held;
  });
}

/** Each client holds exactly `perClient` classes, each class split equally among its holders. */
export const classesPerClientPartition: PartitionMethod<'classes'> = {
  name: 'classes',
  summary: 'each client holds k distinct classes, each class split equally among its holders (Li et al. 2021)',
  partition({ labels, numClasses, numClients, spec, rng }) {
    const held = assignClasses({ numClasses, numClients, perClient: spec.perClient, rng });
    const holders: number[][] = Array.from({ length: numClasses }, () => []);
    held.forEach((classes, client) => classes.forEach((c) => holders[c].push(client)));
    const pieces: Int32Array[][] = Array.from({ length: numClients }, () => []);
    shuffledClassIndices(labels, numClasses, rng).forEach((idx, c) => {
      if (holders[c].length === 0) return;
      splitEvenly(idx, holders[c].length).forEach((piece, h) => pieces[holders[c][h]].push(piece));
    });
    return sortedParts(pieces);
  },
};
