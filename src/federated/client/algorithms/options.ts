/**
 * Options of every client algorithm, validated by zod, with their defaults in one place, and the
 * round-config entries each one reads on the client. A client algorithm spec is
 * `{ name, ...options }`; `ClientAlgorithmSpecSchema` is the discriminated union on `name`.
 */
import { z } from 'zod';
import { MAX_SEED } from '../../../engine/random.js';

/** μ, the weight of FedProx's proximal term (μ/2)·‖w − w_global‖², > 0. Default 0.01 (Flower has no default; Li et al. tune μ in {0.001, 0.01, 0.1, 1}). */
export const proximalMuField = z.number().positive().default(0.01);

/** `plain`: local training only. */
export const PlainClientSchema = z.object({ name: z.literal('plain') }).strict();

/** `fedprox` (Li et al. 2020): clients add (μ/2)·‖w − w_global‖² to their loss. */
export const FedProxClientSchema = z.object({ name: z.literal('fedprox'), proximalMu: proximalMuField }).strict();

/** `scaffold` (Karimireddy et al. 2020, option II): control variates correct every local step. No options. */
export const ScaffoldClientSchema = z.object({ name: z.literal('scaffold') }).strict();

/**
 * `dp-sgd` (Abadi et al. 2016): sample-level differential privacy on each client, for clients that
 * hold many people's records. Every local step clips each example's gradient to `clip`, sums
 * them, adds N(0, (noiseMultiplier·clip)²) and divides by the batch size; each client accounts
 * its own (ε, δ) across rounds and reports it as the client metric `dpSgdEpsilon`.
 */
export const DpSgdClientSchema = z
  .object({
    name: z.literal('dp-sgd'),
    /** C: the L2 norm each example's gradient (over all trainable weights jointly) is clipped to, > 0. Required (it depends on the model). */
    clip: z.number().positive(),
    /** z: the noise standard deviation over C, in (0, 1000]. Required: it sets the privacy. */
    noiseMultiplier: z.number().positive().max(1000),
    /** δ of each client's reported (ε, δ), in (0, 1); keep it below 1/n for n records on a client. Default 1e-5. */
    delta: z.number().gt(0).lt(1).default(1e-5),
    /**
     * Seed of the noise, for reproducible simulations only (derived per client and round): noise
     * from a known seed can be subtracted and protects nothing. Default: the cryptographic generator.
     */
    noiseSeed: z.number().int().min(0).max(MAX_SEED).optional(),
  })
  .strict();

const CLIENT_SCHEMAS = [PlainClientSchema, FedProxClientSchema, ScaffoldClientSchema, DpSgdClientSchema] as const;

/** The names of the client algorithms, in registry order. */
export const CLIENT_ALGORITHM_NAMES = CLIENT_SCHEMAS.map((s) => s.shape.name.value);

/** `{ name, ...options }` for any client algorithm. */
export const ClientAlgorithmSpecSchema = z.discriminatedUnion('name', CLIENT_SCHEMAS, {
  error: (issue) => (issue.code === 'invalid_union' ? `unknown client algorithm; use one of: ${CLIENT_ALGORITHM_NAMES.join(', ')}` : undefined),
});

/** A validated client algorithm spec, defaults filled. */
export type ClientAlgorithmSpec = z.infer<typeof ClientAlgorithmSpecSchema>;
/** A client algorithm spec as a user writes it. */
export type ClientAlgorithmSpecInput = z.input<typeof ClientAlgorithmSpecSchema>;
/** The name of a client algorithm. */
export type ClientAlgorithmName = ClientAlgorithmSpec['name'];
/** The validated spec of the client algorithm called `N`. */
export type ClientAlgorithmSpecOf<N extends ClientAlgorithmName> = Extract<ClientAlgorithmSpec, { name: N }>;

/** FedProx's round-config entry, as a client reads it: μ; 0 (the default) switches the term off. */
export const FEDPROX_ROUND_CONFIG = { proximalMu: z.number().min(0).default(0) };

/** SCAFFOLD's round-config entry: correct local steps with the control variates (server sends `serverControl`, client returns `controlDelta`). Default false. */
export const SCAFFOLD_ROUND_CONFIG = { scaffold: z.boolean().default(false) };

/** SCAFFOLD's extra vector from the server: c. */
export const SERVER_CONTROL = 'serverControl';
/** SCAFFOLD's extra vector in every reply: Δcᵢ. */
export const CONTROL_DELTA = 'controlDelta';
/** SCAFFOLD's per-client state vector: cᵢ. */
export const CLIENT_CONTROL = 'control';

/**
 * DP-SGD's round-config entries, as a client reads them; `dpSgdClip` 0 (the default) switches
 * DP-SGD off. A client refuses a round that switches it on with a noise multiplier or δ out of
 * range (`dp-sgd.ts`).
 */
export const DP_SGD_ROUND_CONFIG = {
  /** C, the per-example clip norm; 0: off. */
  dpSgdClip: z.number().min(0).default(0),
  /** z, the noise multiplier (the noise std is z·C). */
  dpSgdNoiseMultiplier: z.number().min(0).default(0),
  /** δ of the client's (ε, δ). */
  dpSgdDelta: z.number().min(0).max(1).default(0),
  /** Seed of the noise (simulations); −1 (the default): the cryptographic generator. */
  dpSgdNoiseSeed: z.number().int().min(-1).default(-1),
};

/** DP-SGD's round-config entries switched off. */
export const DP_SGD_CONFIG_OFF = { dpSgdClip: 0, dpSgdNoiseMultiplier: 0, dpSgdDelta: 0, dpSgdNoiseSeed: -1 };

/** DP-SGD's per-client state (length 1): the client's DP-SGD steps so far, over all its rounds. */
export const DP_SGD_STEPS = 'dpSgdSteps';
/** DP-SGD's per-client state: its privacy ledger, the Rényi DP spent so far at each of DEFAULT_RDP_ORDERS (rounded up to float32). */
export const DP_SGD_RDP = 'dpSgdRdp';
/** DP-SGD's client metric: the client's ε at its δ after all its steps so far. */
export const DP_SGD_EPSILON = 'dpSgdEpsilon';
