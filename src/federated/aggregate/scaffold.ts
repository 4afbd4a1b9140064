/**
 * SCAFFOLD's server update (Karimireddy et al., ICML 2020, Algorithm 1, lines 16–17): with the
 * global x, the sampled clients' parameters yᵢ and control deltas Δcᵢ (i ∈ S), and N clients in
 * all,
 *   x ← x + η_g · mean_S(yᵢ − x)
 *   c ← c + (|S|/N) · mean_S(Δcᵢ)
 * Means are uniform over the sampled clients, as in the paper; sums run in float64.
 * `scaffoldStep` is both lines at once; `controlVariateStep` is line 17 alone (the composed
 * strategies take line 16 from a uniform mean of updates and the plain server optimizer).
 */
import { ConfigError, RoundRefusedError } from '../../errors.js';
import { assertSameLength } from './vectors.js';

/** Inputs of `scaffoldStep` (none is modified). */
export interface ScaffoldInput {
  /** x: the global parameters the round started from. */
  global: Float32Array;
  /** c: the server control variate the round's clients received. */
  control: Float32Array;
  /** yᵢ: each sampled client's parameters after local training. */
  params: readonly Float32Array[];
  /** Δcᵢ: each sampled client's control-variate change, in the same order as `params`. */
  controlDeltas: readonly Float32Array[];
  /** N: clients in the federation (≥ the number of replies). */
  numClients: number;
  /** η_g: server (global) learning rate. */
  serverLearningRate: number;
  /** Client ids for error messages, in the order of `params`. */
  labels?: readonly string[];
}

/** New global parameters and server control variate (new arrays). */
export interface ScaffoldOutput {
  params: Float32Array;
  control: Float32Array;
}

/** One SCAFFOLD server step. */
export function scaffoldStep(input: ScaffoldInput): ScaffoldOutput {
  const { global, control, params, controlDeltas, numClients, serverLearningRate: lr } = input;
  const s = params.length;
  if (s === 0) throw new RoundRefusedError('SCAFFOLD needs at least one reply, got 0');
  if (controlDeltas.length !== s) {
    throw new ConfigError('controlDeltas', `${controlDeltas.length} control deltas for ${s} parameter vectors; give one per client`);
  }
  if (!(Number.isInteger(numClients) && numClients >= s)) {
    throw new ConfigError('numClients', `must be an integer ≥ the ${s} replies, got ${numClients}`);
  }
  const d = global.length;
  assertSameLength([control], { expected: d, what: 'control' });
  assertSameLength(params, { expected: d, labels: input.labels, what: 'parameter' });
  assertSameLength(controlDeltas, { expected: d, labels: input.labels, what: 'controlDelta' });
  const dx = new Float64Array(d);
  const dc = new Float64Array(d);
  for (let k = 0; k < s; k++) {
    const y = params[k];
    const delta = controlDeltas[k];
    for (let i = 0; i < d; i++) {
      dx[i] += y[i] - global[i];
      dc[i] += delta[i];
    }
  }
  const outParams = new Float32Array(d);
  const outControl = new Float32Array(d);
  const controlScale = s / numClients;
  for (let i = 0; i < d; i++) {
    outParams[i] = global[i] + (lr * dx[i]) / s;
    outControl[i] = control[i] + (controlScale * dc[i]) / s;
  }
  return { params: outParams, control: outControl };
}

/** Inputs of `controlVariateStep` (none is modified). */
export interface ControlVariateInput {
  /** c: the server control variate the round's clients received. */
  control: Float32Array;
  /** Δcᵢ: each sampled client's control-variate change. */
  controlDeltas: readonly Float32Array[];
  /** N: clients in the federation (≥ the number of replies). */
  numClients: number;
  /** Client ids for error messages, in the order of `controlDeltas`. */
  labels?: readonly string[];
}

/** c ← c + (|S|/N)·mean_S(Δcᵢ), as `scaffoldStep` computes it (a new array). */
export function controlVariateStep(input: ControlVariateInput): Float32Array {
  const { control, controlDeltas, numClients } = input;
  const s = controlDeltas.length;
  if (s === 0) throw new RoundRefusedError('SCAFFOLD needs at least one reply, got 0');
  if (!(Number.isInteger(numClients) && numClients >= s)) {
    throw new ConfigError('numClients', `must be an integer ≥ the ${s} replies, got ${numClients}`);
  }
  const d = control.length;
  assertSameLength(controlDeltas, { expected: d, labels: input.labels, what: 'controlDelta' });
  const dc = new Float64Array(d);
  for (const delta of controlDeltas) for (let i = 0; i < d; i++) dc[i] += delta[i];
  const out = new Float32Array(d);
  const controlScale = s / numClients;
  for (let i = 0; i < d; i++) out[i] = control[i] + (controlScale * dc[i]) / s;
  return out;
}
