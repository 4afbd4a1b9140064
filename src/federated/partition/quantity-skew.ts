/**
 * Quantity skew, as Li et al. (2021) do it for `iid-diff-quantity`: a seeded shuffle of all
 * samples (so labels stay IID), cut into client parts whose proportions are one Dirichlet(beta)
 * draw over the clients. The draw is repeated until every client gets at least `minSize`
 * samples, at most `MAX_PARTITION_ATTEMPTS` times.
 */
import { permutation } from '../../engine/random.js';
import { ConfigError } from '../../errors.js';
import { sampleDirichlet } from './gamma.js';
import { MAX_PARTITION_ATTEMPTS, type PartitionMethod } from './partition.js';
import { sortedParts, splitByProportions } from './split-indices.js';

/** IID labels with client sizes drawn from Dirichlet(beta): small beta, very unequal sizes. */
export const quantitySkewPartition: PartitionMethod<'quantity'> = {
  name: 'quantity',
  summary: 'IID labels, client sizes drawn from Dirichlet(beta) (Li et al. 2021)',
  partition({ labels, numClients, spec, rng }) {
    const n = labels.length;
    const order = permutation(n, rng);
    let smallest = 0;
    for (let attempt = 0; attempt < MAX_PARTITION_ATTEMPTS; attempt++) {
      const parts = splitByProportions(order, sampleDirichlet(spec.beta, numClients, rng));
      smallest = Math.min(...parts.map((p) => p.length));
      if (smallest >= spec.minSize) return sortedParts(parts.map((p) => [p]));
    }
    throw new ConfigError(
      'partition.minSize',
      `no Dirichlet(${spec.beta}) draw of client sizes in ${MAX_PARTITION_ATTEMPTS} attempts gave all ${numClients} clients at least ${spec.minSize} of the ${n} samples (the last one's smallest client had ${smallest})`,
      'lower partition.minSize, raise partition.beta, use fewer clients, or use more data',
    );
  },
};
