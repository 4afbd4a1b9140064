/**
 * Options of every client algorithm, validated by zod, with their defaults in one place, and the
 * round-config entries each one reads on the client. A client algorithm spec is
 * `{ name, ...options }`; `ClientAlgorithmSpecSchema` is the discriminated union on `name`.
 */
import { z } from 'zod';

/** μ, the weight of FedProx's proximal term (μ/2)·‖w − w_global‖², > 0. Default 0.01 (Flower has no default; Li et al. tune μ in {0.001, 0.01, 0.1, 1}). */
export const proximalMuField = z.number().positive().default(0.01);

/** `plain`: local training only. */
export const PlainClientSchema = z.object({ name: z.literal('plain') }).strict();

/** `fedprox` (Li et al. 2020): clients add (μ/2)·‖w − w_global‖² to their loss. */
export const FedProxClientSchema = z.object({ name: z.literal('fedprox'), proximalMu: proximalMuField }).strict();

/** `scaffold` (Karimireddy et al. 2020, option II): control variates correct every local step. No options. */
export const ScaffoldClientSchema = z.object({ name: z.literal('scaffold') }).strict();

const CLIENT_SCHEMAS = [PlainClientSchema, FedProxClientSchema, ScaffoldClientSchema] as const;

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
