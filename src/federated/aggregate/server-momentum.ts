/**
 * FedAvgM's server update (Hsu, Qi and Brown 2019, "Measuring the effects of non-identical data
 * distribution"), in the convention of PyTorch's SGD and Flower's FedAvgM: with the round's
 * average a and the global x, the pseudo-gradient is g = x − a, the momentum v ← β·v + g, and
 * x ← x − η·v. With β = 0 and η = 1 this is FedAvg (x ← a).
 */
import { assertSameLength } from './vectors.js';

/** Inputs of `serverMomentumStep` (none is modified). */
export interface ServerMomentumInput {
  /** x: the global parameters the round started from. */
  global: Float32Array;
  /** a: the round's (weighted) average of the client parameters. */
  average: Float32Array;
  /** v: the momentum buffer from the previous round (zeros before the first). */
  momentum: Float32Array;
  /** η: server learning rate. */
  serverLearningRate: number;
  /** β: server momentum. */
  serverMomentum: number;
}

/** New global parameters and momentum buffer (new arrays). */
export interface ServerMomentumOutput {
  params: Float32Array;
  momentum: Float32Array;
}

/** One FedAvgM server step (float64 arithmetic per element, float32 results). */
export function serverMomentumStep(input: ServerMomentumInput): ServerMomentumOutput {
  const { global, average, momentum, serverLearningRate: lr, serverMomentum: beta } = input;
  assertSameLength([global, average, momentum], { what: 'FedAvgM operand' });
  const d = global.length;
  const params = new Float32Array(d);
  const nextMomentum = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    const v = beta * momentum[i] + (global[i] - average[i]);
    nextMomentum[i] = v;
    params[i] = global[i] - lr * v;
  }
  return { params, momentum: nextMomentum };
}
