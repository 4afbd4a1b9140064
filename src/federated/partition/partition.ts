/**
 * The partition spec (which method, with which settings) and the interface every partition
 * method implements. A partition assigns the samples of a labelled dataset to simulated
 * federated clients; methods are pure functions over the labels (no tfjs, no I/O), one per file,
 * found by name in `registry.ts`.
 */
import { z } from 'zod';
import type { Rng } from '../../engine/random.js';

/** Fewest samples per client in the Dirichlet and quantity-skew methods: 10, as in Li et al. (2021). */
export const DEFAULT_MIN_SIZE = 10;

/** How many times the Dirichlet and quantity-skew methods redraw before giving up on `minSize`. */
export const MAX_PARTITION_ATTEMPTS = 1000;

const minSize = z
  .number()
  .int('must be an integer')
  .min(1, 'must be at least 1 (a client needs data to train on)')
  .default(DEFAULT_MIN_SIZE);

/** `method: iid`: a seeded shuffle split into nearly equal parts. */
export const IidSpecSchema = z.object({ method: z.literal('iid') }).strict();

/** `method: dirichlet`: label skew, each class spread over the clients by a Dirichlet(alpha) draw (Li et al.'s `noniid-labeldir`). */
export const DirichletSpecSchema = z
  .object({
    method: z.literal('dirichlet'),
    /** Concentration: small (0.1) gives each client a few dominant classes, large (100) near-IID. Default 0.5. */
    alpha: z.number().positive('must be > 0 (e.g. 0.1 for strong skew, 0.5 as in Li et al., 100 for near-IID)').finite().default(0.5),
    /** Fewest samples any client may get; draws are repeated until it holds. Default 10. */
    minSize,
  })
  .strict();

/** `method: classes`: each client holds exactly `perClient` distinct classes (Li et al.'s `noniid-#label k`). */
export const ClassesSpecSchema = z
  .object({
    method: z.literal('classes'),
    /** Distinct classes per client (k), at most the number of classes. Default 2. */
    perClient: z.number().int('must be an integer').min(1, 'must be at least 1').default(2),
  })
  .strict();

/** `method: quantity`: IID labels but client sizes drawn from Dirichlet(beta) (Li et al.'s `iid-diff-quantity`). */
export const QuantitySpecSchema = z
  .object({
    method: z.literal('quantity'),
    /** Concentration of the size proportions: small gives very unequal sizes. Default 0.5. */
    beta: z.number().positive('must be > 0 (e.g. 0.5 as in Li et al.; larger means more equal sizes)').finite().default(0.5),
    /** Fewest samples any client may get; draws are repeated until it holds. Default 10. */
    minSize,
  })
  .strict();

/** How to split a dataset over clients: a discriminated union on `method` (the config decides whether a missing spec means `{ method: 'iid' }`). */
export const PartitionSpecSchema = z.discriminatedUnion('method', [IidSpecSchema, DirichletSpecSchema, ClassesSpecSchema, QuantitySpecSchema]);

/** A validated partition spec, defaults filled in. */
export type PartitionSpec = z.infer<typeof PartitionSpecSchema>;
/** A partition spec as written in a config (defaults optional). */
export type PartitionSpecInput = z.input<typeof PartitionSpecSchema>;
/** The name of a partition method. */
export type PartitionMethodName = PartitionSpec['method'];
/** The validated spec of one method. */
export type SpecOf<M extends PartitionMethodName> = Extract<PartitionSpec, { method: M }>;

/** What a partition method is given. Inputs are already checked by the registry. */
export interface PartitionInput<S extends PartitionSpec = PartitionSpec> {
  /** Class of every sample, in `[0, numClasses)`. Never modified. */
  labels: Int32Array;
  /** Number of classes. */
  numClasses: number;
  /** Number of clients, 1 ≤ numClients ≤ labels.length. */
  numClients: number;
  /** The method's validated spec. */
  spec: S;
  /** The only source of randomness the method may use. */
  rng: Rng;
}

/** One partition method. One file per method; `registry.ts` lists them. */
export interface PartitionMethod<M extends PartitionMethodName = PartitionMethodName> {
  /** Registry name, the value of `method` in the spec. */
  readonly name: M;
  /** One line for `--help` and reports. */
  readonly summary: string;
  /**
   * Sample indices of each client: `numClients` arrays, each sorted ascending, disjoint, and
   * together covering every sample unless the method documents otherwise. Throws ConfigError
   * when the spec cannot be met on these labels.
   */
  partition(input: PartitionInput<SpecOf<M>>): Int32Array[];
}
