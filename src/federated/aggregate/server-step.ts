/**
 * The plain server step (no optimizer state): with the global x and the round's aggregate a,
 * x ← x + η·(a − x); with the aggregate given as an unrounded sum of updates (Σ wᵢ·(yᵢ − x), Σ wᵢ),
 * x ← x + η·Σ wᵢ(yᵢ − x)/Σ wᵢ, rounded to float32 once. Per element in float64.
 */
import { ShapeMismatchError } from '../../errors.js';
import { assertSameLength } from './vectors.js';

/** x + η·(a − x), a new array. (With η = 1 a caller that wants a itself should take a.) */
export function stepTowards(global: Float32Array, average: Float32Array, serverLearningRate: number): Float32Array {
  assertSameLength([global, average], { what: 'server step operand' });
  const out = new Float32Array(global.length);
  for (let i = 0; i < out.length; i++) out[i] = global[i] + serverLearningRate * (average[i] - global[i]);
  return out;
}

/** x + (η·sum)/total, a new array: SCAFFOLD's x + η_g·Σ(yᵢ − x)/|S| when sum = Σ(yᵢ − x), total = |S|. */
export function stepByUpdateSum(global: Float32Array, sum: Float64Array, total: number, serverLearningRate: number): Float32Array {
  if (sum.length !== global.length) {
    throw new ShapeMismatchError(`server step operand: the update sum has ${sum.length} values, the global parameters ${global.length}`, 'aggregate updates of the global model\'s length');
  }
  const out = new Float32Array(global.length);
  for (let i = 0; i < out.length; i++) out[i] = global[i] + (serverLearningRate * sum[i]) / total;
  return out;
}
