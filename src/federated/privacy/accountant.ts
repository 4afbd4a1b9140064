/**
 * The privacy accountant: a ledger of Rényi DP spent so far (one value per order), to which each
 * step of a sampled Gaussian mechanism adds, and the (ε, δ) it amounts to. Compositions of
 * different rates and noise levels (rounds with fewer clients, an adaptive clip's count query) add
 * order by order. Pure: no tfjs, no I/O.
 */
import { ConfigError } from '../../errors.js';
import { DEFAULT_RDP_ORDERS } from './rdp-orders.js';
import { rdpSampledGaussian } from './rdp-sampled-gaussian.js';
import { epsilonFromRdp, type EpsilonAtDelta } from './rdp-to-epsilon.js';

/** RDP spent at each order; `steps` counts the mechanism's applications. */
export interface PrivacyLedger {
  /** The Rényi orders α. */
  readonly orders: readonly number[];
  /** ε_α spent so far at each order. */
  readonly rdp: Float64Array;
  /** Mechanism applications composed into it. */
  readonly steps: number;
}

/** A ledger with nothing spent, over the given orders (default dp_accounting's grid). */
export function emptyLedger(orders: readonly number[] = DEFAULT_RDP_ORDERS): PrivacyLedger {
  return { orders, rdp: new Float64Array(orders.length), steps: 0 };
}

/** One sampled Gaussian mechanism applied `steps` times: sampling rate q and noise multiplier z. */
export interface GaussianSteps {
  /** Probability that one participant (client or record) is in a step's sample, in [0, 1]. */
  q: number;
  /** Noise standard deviation over the L2 sensitivity, ≥ 0. */
  noiseMultiplier: number;
  /** Number of applications, an integer ≥ 0. Default 1. */
  steps?: number;
}

/** A new ledger with the cost of `spend` added (the old one is not modified). */
export function spend(ledger: PrivacyLedger, mechanism: GaussianSteps): PrivacyLedger {
  const steps = mechanism.steps ?? 1;
  if (!(Number.isInteger(steps) && steps >= 0)) throw new ConfigError('', `steps must be an integer ≥ 0, got ${steps}`, 'count each application of the mechanism once');
  const per = rdpSampledGaussian(mechanism.q, mechanism.noiseMultiplier, ledger.orders);
  const rdp = new Float64Array(ledger.rdp.length);
  for (let k = 0; k < rdp.length; k++) rdp[k] = ledger.rdp[k] + (steps === 0 ? 0 : per[k] * steps);
  return { orders: ledger.orders, rdp, steps: ledger.steps + steps };
}

/** The (ε, δ) guarantee of what a ledger holds. */
export function ledgerEpsilon(ledger: PrivacyLedger, delta: number): EpsilonAtDelta {
  if (ledger.steps === 0) return { epsilon: 0, order: Number.NaN };
  return epsilonFromRdp(ledger.orders, ledger.rdp, delta);
}

/** A DP-SGD run as TF Privacy's `compute_dp_sgd_privacy` describes it. */
export interface DpSgdRun {
  /** Training examples N. */
  examples: number;
  /** Expected batch size B (each example is in a batch with probability B/N). */
  batchSize: number;
  noiseMultiplier: number;
  /** Passes over the data; steps = ⌈epochs·N/B⌉. */
  epochs: number;
  delta: number;
  /** Default DEFAULT_RDP_ORDERS. */
  orders?: readonly number[];
}

/** ε of DP-SGD with Poisson sampling at rate B/N for ⌈epochs·N/B⌉ steps (TF Privacy's `compute_dp_sgd_privacy`). */
export function dpSgdEpsilon(run: DpSgdRun): EpsilonAtDelta {
  if (!(run.batchSize > 0 && run.batchSize <= run.examples)) throw new ConfigError('', `the batch size must be in (0, examples], got ${run.batchSize} of ${run.examples}`, 'use a batch no larger than the data');
  const steps = Math.ceil((run.epochs * run.examples) / run.batchSize);
  return ledgerEpsilon(spend(emptyLedger(run.orders), { q: run.batchSize / run.examples, noiseMultiplier: run.noiseMultiplier, steps }), run.delta);
}
