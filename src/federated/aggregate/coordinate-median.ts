/**
 * Coordinate-wise median (Yin et al. 2018, "Byzantine-robust distributed learning"; Flower's
 * FedMedian): each output coordinate is the median of that coordinate over the vectors. With an
 * even count it is the mean of the two middle values, as numpy's `median`.
 */
import { RoundRefusedError } from '../../errors.js';
import { aggregationKernels } from './kernels.js';
import { assertSameLength } from './vectors.js';

/** The per-coordinate median of the vectors (a new array; inputs are not modified). */
export function coordinateMedian(vectors: readonly Float32Array[]): Float32Array {
  const n = vectors.length;
  if (n === 0) throw new RoundRefusedError('coordinateMedian needs at least one vector, got 0');
  assertSameLength(vectors);
  const out = new Float32Array(vectors[0].length);
  aggregationKernels().coordinateMedian(vectors, out);
  return out;
}
