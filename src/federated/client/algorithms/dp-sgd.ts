/**
 * `dp-sgd` (Abadi et al., CCS 2016, "Deep Learning with Differential Privacy"): sample-level
 * differential privacy on each client, for clients that hold many people's records. Every local
 * step computes the gradient of each example of the batch, clips each to L2 norm C over all
 * trainable weights jointly, sums them, adds N(0, (zC)²) to every coordinate of the sum and
 * divides by the batch's size. The per-example gradients come from the engine's per-loss
 * gradients (`combineGradients`: one loss per example, one forward pass, one backward pass per
 * example; `LocalTrainer` builds that objective when a round sets `perExample`).
 *
 * Each client accounts its own privacy across rounds: its per-client state is its ledger (the
 * Rényi DP spent at each order and the number of steps), and every reply reports the client
 * metric `dpSgdEpsilon`, its ε at its δ. Each step is accounted as a sampled Gaussian mechanism
 * with q = B/n (B the batch size, n the client's examples). jointly shuffles the data into
 * fixed-size batches each epoch rather than sampling each record with probability q (Poisson
 * sampling, which the analysis assumes); this is the approximation TF Privacy and Opacus make by
 * default, and the reported ε is that of Poisson sampling. The noise comes from the cryptographic
 * generator unless a noise seed is configured (simulations only). Models with batch
 * normalization are refused (it mixes the examples of a batch, so one example's gradient is no
 * longer its own). Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed } from '../../../engine/random.js';
import type { Gradients } from '../../../engine/train-step.js';
import { ConfigError, ShapeMismatchError } from '../../../errors.js';
import type { ParsedClientTrainConfig } from '../../client-config.js';
import { emptyLedger, ledgerEpsilon, spend, type PrivacyLedger } from '../../privacy/accountant.js';
import { addGaussianNoise, secureUniforms, seededUniforms, type UniformSource } from '../../privacy/gaussian-noise.js';
import { DEFAULT_RDP_ORDERS } from '../../privacy/rdp-orders.js';
import type { Vectors } from '../../strategy.js';
import { statelessServerHalf, type ClientAlgorithm, type ClientRound, type ClientRoundInput } from './algorithm.js';
import { DP_SGD_CONFIG_OFF, DP_SGD_EPSILON, DP_SGD_RDP, DP_SGD_STEPS, type ClientAlgorithmSpecOf } from './options.js';

/** The largest noise multiplier a client accepts (the spec's bound). */
const MAX_NOISE_MULTIPLIER = 1000;

/** What {@link clipSumNoise} does to a step's per-example gradients. */
export interface ClipSumNoiseOptions {
  /** C: each example's gradient is scaled to L2 norm at most C, over all the variables jointly; > 0. */
  clip: number;
  /** Standard deviation of the Gaussian noise added to each coordinate of the sum (zC); 0: none. */
  noiseStd: number;
  /** Where the noise's uniforms come from. */
  source: UniformSource;
}

/** A trainable variable, as {@link clipSumNoise} needs it: its name and shape. */
export interface VariableShape {
  /** The variable's tfjs name (the key of its gradient). */
  name: string;
  /** Its shape. */
  shape: readonly number[];
}

/**
 * DP-SGD's gradient of a step: (Σᵢ gᵢ·min(1, C/‖gᵢ‖) + N(0, noiseStd²·I)) / B over the B
 * per-example gradients gᵢ (each by variable name; a missing entry counts as zeros), for each of
 * `variables` that some example reaches. The noise is drawn on the CPU, in `variables` order.
 * The result's tensors belong to the caller (call inside tf.tidy).
 */
export function clipSumNoise(perExample: readonly Gradients[], variables: readonly VariableShape[], opts: ClipSumNoiseOptions): Gradients {
  const batch = perExample.length;
  const reached = variables.filter((v) => perExample.some((g) => g[v.name] !== undefined));
  if (batch === 0 || reached.length === 0) return {};
  const squares = perExample.map((g) => {
    const terms = reached.flatMap((v) => (g[v.name] === undefined ? [] : [tf.sum(tf.square(g[v.name]))]));
    return terms.length === 0 ? tf.scalar(0) : tf.addN(terms);
  });
  // min(1, C/‖gᵢ‖); a zero gradient gives C/0 = ∞, so the factor 1.
  const scales = tf.minimum(1, tf.div(opts.clip, tf.sqrt(tf.stack(squares))));
  const total = reached.reduce((s, v) => s + v.shape.reduce((a, b) => a * b, 1), 0);
  const noise = new Float32Array(opts.noiseStd > 0 ? total : 0);
  addGaussianNoise(noise, opts.noiseStd, opts.source);
  const out: Gradients = {};
  let offset = 0;
  for (const v of reached) {
    const size = v.shape.reduce((a, b) => a * b, 1);
    const stacked = tf.stack(perExample.map((g) => g[v.name] ?? tf.zeros([...v.shape])));
    const sum = tf.sum(tf.mul(stacked, tf.reshape(scales, [batch, ...v.shape.map(() => 1)])), 0);
    const noised = noise.length === 0 ? sum : tf.add(sum, tf.tensor(noise.subarray(offset, offset + size), [...v.shape], 'float32'));
    out[v.name] = tf.div(noised, batch);
    offset += size;
  }
  return out;
}

/** Throws ConfigError unless the round config's noise multiplier and δ can be followed. */
function checkRoundConfig(config: ParsedClientTrainConfig): void {
  const z = config.dpSgdNoiseMultiplier;
  if (!(z > 0 && z <= MAX_NOISE_MULTIPLIER)) {
    throw new ConfigError('dpSgdNoiseMultiplier', `DP-SGD needs a noise multiplier in (0, ${MAX_NOISE_MULTIPLIER}], got ${z}`, 'set the client algorithm\'s noiseMultiplier (z = noise std / clip); without noise there is no privacy');
  }
  const delta = config.dpSgdDelta;
  if (!(delta > 0 && delta < 1)) throw new ConfigError('dpSgdDelta', `DP-SGD needs δ in (0, 1), got ${delta}`, 'set the client algorithm\'s delta below 1/n for n records on a client (e.g. 1e-5)');
}

/** The client's ledger from its state (empty at first); ShapeMismatchError when the state is not one DP-SGD wrote. */
function readLedger(state: Vectors): PrivacyLedger {
  const steps = state[DP_SGD_STEPS];
  const rdp = state[DP_SGD_RDP];
  if (steps === undefined && rdp === undefined) return emptyLedger();
  if (steps === undefined || rdp === undefined || steps.length !== 1 || rdp.length !== DEFAULT_RDP_ORDERS.length || !(Number.isInteger(steps[0]) && steps[0] >= 0)) {
    throw new ShapeMismatchError(
      `the client's DP-SGD state must hold '${DP_SGD_STEPS}' (1 value) and '${DP_SGD_RDP}' (${DEFAULT_RDP_ORDERS.length} values), got ${steps?.length ?? 'none'} and ${rdp?.length ?? 'none'}`,
      'keep the state DP-SGD returned in its last round; server and client must run the same version of jointly',
    );
  }
  return { orders: DEFAULT_RDP_ORDERS, rdp: Float64Array.from(rdp), steps: steps[0] };
}

/** float32 copies of non-negative values, each rounded up (so that the stored ledger never under-counts). */
function roundUp(values: Float64Array): Float32Array {
  const out = Float32Array.from(values);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) if (Number.isFinite(out[i]) && out[i] < values[i]) bits[i] += 1;
  return out;
}

/** The noise source of a client's round: cryptographic, or seeded per client and round. */
function noiseSource(config: ParsedClientTrainConfig, clientId: string): UniformSource {
  const seed = config.dpSgdNoiseSeed;
  return seed < 0 ? secureUniforms() : seededUniforms(deriveSeed(seed, `round-seed-${config.seed}`), `dp-sgd/${clientId}`);
}

function begin(input: ClientRoundInput): ClientRound {
  const { config, clientId, numExamples } = input;
  checkRoundConfig(config);
  if (numExamples === undefined) throw new ConfigError('', 'DP-SGD needs the client\'s number of examples (its sampling rate is batchSize / examples)', 'run DP-SGD clients through LocalTrainer');
  const batchSize = config.batchSize;
  if (batchSize > numExamples) {
    throw new ConfigError(
      'batchSize',
      `DP-SGD's batch of ${batchSize} is larger than client '${clientId}''s ${numExamples} examples (its sampling rate would exceed 1)`,
      `lower the strategy's batchSize to at most ${numExamples}, or give every client at least ${batchSize} examples (with a Dirichlet or quantity partition, raise minSize)`,
    );
  }
  const before = readLedger(input.state);
  const clip = config.dpSgdClip;
  const noiseMultiplier = config.dpSgdNoiseMultiplier;
  const options: ClipSumNoiseOptions = { clip, noiseStd: noiseMultiplier * clip, source: noiseSource(config, clientId) };
  const variables = input.trainable.map((s) => ({ name: s.variable.name, shape: s.shape }));
  let steps = 0;
  return {
    perExample: { combine: (perExample) => clipSumNoise(perExample, variables, options) },
    afterStep: () => {
      steps++;
    },
    finish: () => {
      const ledger = spend(before, { q: batchSize / numExamples, noiseMultiplier, steps });
      return {
        extras: {},
        state: { [DP_SGD_STEPS]: Float32Array.of(ledger.steps), [DP_SGD_RDP]: roundUp(ledger.rdp) },
        metrics: { [DP_SGD_EPSILON]: ledgerEpsilon(ledger, config.dpSgdDelta).epsilon },
      };
    },
    dispose: () => undefined,
  };
}

/** DP-SGD on every client. */
export const dpSgdAlgorithm: ClientAlgorithm<ClientAlgorithmSpecOf<'dp-sgd'>> = {
  name: 'dp-sgd',
  summary: 'per-example clipping and Gaussian noise in every local step; each client reports its own ε (Abadi et al. 2016)',
  configOff: { ...DP_SGD_CONFIG_OFF },
  server: (spec) =>
    statelessServerHalf('dp-sgd', `DP-SGD clients (C=${spec.clip}, z=${spec.noiseMultiplier}, δ=${spec.delta})`, {
      dpSgdClip: spec.clip,
      dpSgdNoiseMultiplier: spec.noiseMultiplier,
      dpSgdDelta: spec.delta,
      dpSgdNoiseSeed: spec.noiseSeed ?? -1,
    }),
  client: {
    stateNames: [DP_SGD_STEPS, DP_SGD_RDP],
    active: (config) => config.dpSgdClip > 0,
    begin,
  },
};
