/**
 * Dirichlet label skew, as Li et al. (2021, "Federated Learning on Non-IID Data Silos: An
 * Experimental Study") do it for `noniid-labeldir`: for each class, draw p ~ Dir(alpha) over the
 * clients and split that class's (shuffled) samples by p. Like their code, a client that already
 * holds at least n / numClients samples gets no share of later classes (which keeps sizes from
 * running away), and the whole draw is repeated until every client has at least `minSize`
 * samples; unlike theirs, only `MAX_PARTITION_ATTEMPTS` times, then it fails with advice.
 */
import { ConfigError } from '../../errors.js';
import { sampleDirichlet } from './gamma.js';
import { MAX_PARTITION_ATTEMPTS, type PartitionMethod } from './partition.js';
import { shuffledClassIndices, sortedParts, splitByProportions } from './split-indices.js';

/** Label skew with concentration `alpha`: small alpha, few dominant classes per client. */
export const dirichletPartition: PartitionMethod<'dirichlet'> = {
  name: 'dirichlet',
  summary: 'label skew: each class split over the clients by a Dirichlet(alpha) draw (Li et al. 2021)',
  partition({ labels, numClasses, numClients, spec, rng }) {
    const n = labels.length;
    // Shuffled once: whether a draw meets minSize depends only on the proportions, so redrawing
    // them alone gives the same distribution as Li et al.'s reshuffle-and-redraw, at less cost.
    const byClass = shuffledClassIndices(labels, numClasses, rng);
    let smallest = 0;
    for (let attempt = 0; attempt < MAX_PARTITION_ATTEMPTS; attempt++) {
      const pieces: Int32Array[][] = Array.from({ length: numClients }, () => []);
      const sizes = new Float64Array(numClients);
      for (const idx of byClass) {
        const p = sampleDirichlet(spec.alpha, numClients, rng);
        let sum = 0;
        for (let c = 0; c < numClients; c++) {
          if (sizes[c] >= n / numClients) p[c] = 0;
          sum += p[c];
        }
        // Every eligible share can be 0 only by underflow; fall back to the unmasked draw then.
        if (sum > 0) for (let c = 0; c < numClients; c++) p[c] /= sum;
        else p.set(sampleDirichlet(spec.alpha, numClients, rng));
        splitByProportions(idx, p).forEach((piece, c) => {
          pieces[c].push(piece);
          sizes[c] += piece.length;
        });
      }
      smallest = Math.min(...sizes);
      if (smallest >= spec.minSize) return sortedParts(pieces);
    }
    throw new ConfigError(
      'partition.minSize',
      `no Dirichlet(${spec.alpha}) draw in ${MAX_PARTITION_ATTEMPTS} attempts gave all ${numClients} clients at least ${spec.minSize} of the ${n} samples (the last one's smallest client had ${smallest})`,
      'lower partition.minSize, raise partition.alpha, use fewer clients, or use more data',
    );
  },
};
