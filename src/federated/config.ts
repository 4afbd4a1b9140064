/**
 * The config of a federated run (`mode: federated`), shared by `jointly simulate` and
 * `jointly server`: the task, the strategy, the rounds, and the settings of each runtime.
 * Every field is documented here with its default.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { BACKEND_NAMES } from '../engine/backend.js';
import { OptimizerSpecSchema } from '../engine/optimizer.js';
import { MAX_SEED } from '../engine/random.js';
import { DataConfigSchema } from '../data/config.js';
import { checkFederatedData } from '../data/federated-data-rules.js';
import { AttackSpecSchema } from './attacks/attack.js';
import { PartitionSpecSchema } from './partition/partition.js';
import { StrategySpecSchema } from './strategies/options.js';
import { DEFAULT_UPDATE_BOUNDS } from './server/update-bounds.js';
import type { DataSchema } from '../data/schema.js';
import { TaskModelSpecSchema, type FederatedTask } from './task.js';

export const SamplingConfigSchema = z
  .object({
    /** Fraction of the available clients sampled to train each round, in (0, 1]. Default 1. */
    fraction: z.number().gt(0).max(1).default(1),
    /** Clients sampled at least per round; a round waits until this many are connected. Default 2. */
    minFit: z.number().int().min(1).default(2),
    /** Clients that must be connected before the first round (and the first after a resume). Default 2. */
    minAvailable: z.number().int().min(1).default(2),
    /** Seconds a round waits for replies; later replies are dropped as stragglers. Default 600. */
    roundTimeoutSeconds: z.number().positive().default(600),
    /** Federated evaluation on the clients' own held-out data every this many rounds; 0 never. Default 0. */
    evaluateEvery: z.number().int().min(0).default(0),
    /** Fraction of the available clients asked to evaluate. Default 1. */
    evaluateFraction: z.number().gt(0).max(1).default(1),
  })
  .strict();

export const BaselinesConfigSchema = z
  .object({
    /** Train every client alone on its own data with the same epochs (rounds × localEpochs); report the mean accuracy. Default true. */
    localOnly: z.boolean().default(true),
    /** Train one model on all clients' data pooled, with the same epochs. Default true. */
    pooled: z.boolean().default(true),
    /**
     * With `strategy.privacy`: run the same federation once more without the privacy part (same
     * seeds, sampling and rounds), so the report shows what privacy cost, round by round against ε.
     * Default true.
     */
    nonPrivate: z.boolean().default(true),
  })
  .strict();

export const SimulationConfigSchema = z
  .object({
    /** Number of virtual clients. Default 10. */
    clients: z.number().int().min(1).max(100_000).default(10),
    /** How the training data is split over the clients. Default IID. */
    partition: PartitionSpecSchema.prefault({ method: 'iid' }),
    /** Worker threads training clients in parallel. Default: the number of cores. */
    workers: z.number().int().min(1).optional(),
    /** Fraction of each client's data held out for federated evaluation (0: none). Default 0. */
    clientTestFraction: z.number().min(0).lt(1).default(0),
    /** Malicious clients, to test robust strategies. Default none. */
    attack: AttackSpecSchema.optional(),
    /** Secure rounds (`strategy.secureAggregation`): the fraction of the clients that vanish after sending their masked input, to test dropout recovery, in [0, 0.5). Default 0. */
    secureDropout: z.number().min(0).lt(0.5).default(0),
    /** The baselines trained on the same data and budget (local-only, pooled). */
    baselines: BaselinesConfigSchema.prefault({}),
  })
  .strict();

export const ServerConfigSchema = z
  .object({
    /** Address to listen on. Default 127.0.0.1 (loopback only); 0.0.0.0 for all interfaces. */
    host: z.string().default('127.0.0.1'),
    /** TCP port; 0 picks a free one (printed at start). Default 8765. */
    port: z.number().int().min(0).max(65535).default(8765),
    /** Token file (`jointly token add`); without it every client is refused. */
    tokens: z.string().optional(),
    /** TLS certificate and key (PEM files): the server then speaks wss://. */
    tlsCert: z.string().optional(),
    /** Private key (PEM file) of `tlsCert`; give both or neither. */
    tlsKey: z.string().optional(),
    /** Mutual TLS: PEM file of the CA whose client certificates are accepted (needs tlsCert and tlsKey). The server asks every client for a certificate and refuses, in the TLS handshake, one without a certificate or with one this CA did not issue. On top of the token or key, not instead of it. Default: none (no client certificates). */
    clientCa: z.string().optional(),
    /** With clientCa: the client certificate's subject CN (or one of its DNS subjectAltNames) must be the client id of its hello; a mismatch is refused (`auth`). Default true. */
    clientCertMatchesId: z.boolean().default(true),
    /** The audit log (JSON Lines, appended, never truncated): joins, refusals, revocations and rounds. Default `<run folder>/audit.jsonl`. */
    auditLog: z.string().optional(),
    /** Seconds between heartbeats; a client silent for 3 heartbeats is dropped. Default 10. */
    heartbeatSeconds: z.number().positive().default(10),
    /** Largest example count a client's reply may claim (replies are weighted by it): the bound on claims that holds also in rounds of 2 replies, where median-relative bounds cannot apply; raise it for clients with more data. Default 1,000,000. */
    maxExamplesPerClient: z.number().int().positive().default(1_000_000),
    /** Largest message accepted from an authenticated client, in MiB. Default 256. */
    maxMessageMiB: z.number().positive().max(2047).default(256),
    /** Largest message accepted before a connection's hello has succeeded, in KiB (a hello is a few KiB). Default 64. */
    maxHelloKiB: z.number().positive().max(16 * 1024).default(64),
    /** Connections that have not yet authenticated, at once; more are closed at accept, so registered clients keep room. Default 64. */
    maxPendingConnections: z.number().int().min(1).default(64),
    /** Connections from one address that have not yet authenticated, at once. Default 8. */
    maxPendingPerAddress: z.number().int().min(1).default(8),
    /** Seconds a new TCP connection has to upgrade to WebSocket and authenticate with hello; then it is closed. Default 10. */
    handshakeTimeoutSeconds: z.number().positive().default(10),
    /** Failed authentications from one address per minute; beyond it, that address's connections are closed at accept for the rest of the minute. Default 10. */
    maxAuthFailuresPerMinute: z.number().int().min(1).default(10),
    /** A second hello for a client id that is connected: false refuses it with `duplicate` (the live session keeps its slot); true lets it replace the live one. Default false. */
    allowTakeover: z.boolean().default(false),
    /** Seconds one client has to answer a fit or evaluate request; a silent client is dropped from the round then, without waiting for the round's deadline. Default: half of sampling.roundTimeoutSeconds but at least 60 s; never more than the round timeout. */
    clientTimeoutSeconds: z.number().positive().optional(),
    /** server.log is rotated when it reaches this size, in MiB (server.log.1, .2, ...). Default 16. */
    logMaxMiB: z.number().positive().default(16),
    /** Rotated server logs kept besides the current one. Default 4. */
    logFiles: z.number().int().min(1).max(100).default(4),
  })
  .strict()
  .refine((s) => (s.tlsCert === undefined) === (s.tlsKey === undefined), { message: 'give both tlsCert and tlsKey, or neither', path: ['tlsCert'] })
  .refine((s) => s.clientCa === undefined || s.tlsCert !== undefined, { message: 'mutual TLS needs the server to speak wss://: give tlsCert and tlsKey as well', path: ['clientCa'] });

/** A multiple of a median: 0 turns the bound off, else at least 1 (below 1 the median itself would be beyond it). */
const medianMultiple = z.number().refine((x) => x === 0 || x >= 1, 'use 0 (off) or a multiple ≥ 1');

/**
 * Bounds on what one client can do to the global model, applied to every round's validated
 * replies before the strategy aggregates them, in both runtimes (`server/update-bounds.ts`).
 * Refusals are round failures whose reason names the bound and the values; clips are listed in
 * the round's `bounded`. The defaults hold a wide margin over the updates of legitimate runs
 * (the measured ratios are next to `DEFAULT_UPDATE_BOUNDS`); each round's update norms are in its
 * record (`updateNorms`), to set a tight bound from.
 */
export const BoundsConfigSchema = z
  .object({
    /** Largest update norm ‖params − global‖₂ of any reply (e.g. Sun et al.'s M, with `onNormExceeded: clip`). Default: none. */
    maxUpdateNorm: z.number().positive().optional(),
    /** Largest update norm as a multiple of the global model's norm (floored at 1); 0 off. Default 10. */
    maxUpdateNormRatio: z.number().min(0).default(DEFAULT_UPDATE_BOUNDS.maxUpdateNormRatio),
    /** Largest update norm as a multiple of the median norm of the round's other updates (rounds with 3 replies or more); 0 off. Default 100. */
    maxNormMultipleOfMedian: medianMultiple.default(DEFAULT_UPDATE_BOUNDS.maxNormMultipleOfMedian),
    /** An update beyond a norm bound: `refuse` it, or `clip` it (scale it to the bound). Default refuse. */
    onNormExceeded: z.enum(['refuse', 'clip']).default(DEFAULT_UPDATE_BOUNDS.onNormExceeded),
    /**
     * Largest claimed example count as a multiple of the median claim of the round's other replies
     * (rounds with 3 replies or more; also federated evaluation counts); 0 off. The absolute cap is
     * the client's declared size and `server.maxExamplesPerClient`. Default 100.
     */
    maxExamplesMultipleOfMedian: medianMultiple.default(DEFAULT_UPDATE_BOUNDS.maxExamplesMultipleOfMedian),
    /** A claim beyond its bound: `refuse` the reply (evaluation: leave it out), or `clip` its count to the bound. Default refuse. */
    onExamplesExceeded: z.enum(['refuse', 'clip']).default(DEFAULT_UPDATE_BOUNDS.onExamplesExceeded),
  })
  .strict();

/** What a federated run writes besides its report and checkpoint. Not part of `runFingerprint`: it may change on --resume. */
export const FederatedOutputConfigSchema = z
  .object({
    /**
     * Save the global model after the last round to `<run folder>/model/` in the tfjs layers
     * format (model.json + weights.bin), with the data schema (class names, feature names) and the
     * round in model.json's `jointly` entry: loadable by jointly, by `tf.loadLayersModel`, and by
     * `jointly evaluate`. An interrupted run saves its last completed round. Default true.
     */
    saveModel: z.boolean().default(true),
    /**
     * Also save the global model of the round with the highest server-side test accuracy (ties:
     * the earliest round) to `<run folder>/best-model/`; its round and accuracy are in the `round`
     * of its model.json's `jointly` entry. Default false.
     */
    saveBest: z.boolean().default(false),
  })
  .strict();

/**
 * Validates the config of a federated run (`mode: federated`), shared by `jointly simulate` and
 * `jointly server`: seed, backend, data, model, local optimizer, strategy, rounds, sampling, the
 * simulation and server settings, bounds and output. The parsed type is {@link FederatedConfig}.
 */
export const FederatedConfigSchema = z
  .object({
    mode: z.literal('federated'),
    /** Run name, used for the run folder. Default `federated`. */
    name: z.string().regex(/^[\w.-]+$/, 'use letters, digits, dot, dash and underscore').default('federated'),
    /** Seed of the initial model, the partition, the sampling and every client's shuffling. Default 0. */
    seed: z.number().int().min(0).max(MAX_SEED).default(0),
    /** Tensor backend. Default `auto`. */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    /** Simulation: the data split over the clients, and the test set. Server: the held-out set it evaluates the global model on. */
    data: DataConfigSchema.superRefine(checkFederatedData).prefault({}),
    /** The global model. */
    model: TaskModelSpecSchema,
    /** Every client's local optimizer, fresh each round. Default SGD, lr 0.01, momentum 0.9 (Li et al. 2021). */
    optimizer: OptimizerSpecSchema.prefault({ name: 'sgd', learningRate: 0.01, momentum: 0.9 }),
    /** The strategy and its options (local epochs, batch size, ...). Default FedAvg. */
    strategy: StrategySpecSchema.prefault({ name: 'fedavg' }),
    /** Rounds in total. Default 10. */
    rounds: z.number().int().min(1).default(10),
    /** Which clients each round asks, and how long it waits for them. */
    sampling: SamplingConfigSchema.prefault({}),
    /** `jointly simulate` only: the virtual clients, their partition, attacks and baselines. */
    simulation: SimulationConfigSchema.prefault({}),
    /** `jointly server` only: where it listens, TLS, tokens and the limits on connections. */
    server: ServerConfigSchema.prefault({}),
    bounds: BoundsConfigSchema.prefault({}),
    output: FederatedOutputConfigSchema.prefault({}),
  })
  .strict();

/** A parsed federated run config, defaults filled; see {@link FederatedConfigSchema}. */
export type FederatedConfig = z.infer<typeof FederatedConfigSchema>;
/** The input shape of {@link FederatedConfig} before defaults: only `mode` and `model` are required. */
export type FederatedConfigInput = z.input<typeof FederatedConfigSchema>;

/**
 * The task a federated config defines over data of this schema: the config's model and
 * optimizer, the data's sample shape and feature names, and its classes (data.classes when the
 * config lists them, else the data's own).
 */
export function federatedTaskFor(cfg: FederatedConfig, schema: DataSchema): FederatedTask {
  const classNames = cfg.data.classes ?? schema.classNames;
  return {
    model: cfg.model,
    optimizer: cfg.optimizer,
    inputShape: [...schema.inputShape],
    numClasses: cfg.data.classes?.length ?? schema.numClasses,
    ...(classNames === undefined ? {} : { classNames: [...classNames] }),
    ...(schema.featureNames === undefined ? {} : { featureNames: [...schema.featureNames] }),
  };
}

/** Worker threads to use: the configured number, else one per core. */
export function workerCount(cfg: FederatedConfig): number {
  return cfg.simulation.workers ?? Math.max(1, availableParallelism());
}

/**
 * What a checkpoint must agree with to be resumed: everything that shapes the rounds' results
 * (seed, data, model, optimizer, strategy, sampling, bounds, and for simulations the clients,
 * partition and attack). Rounds, backend, workers and server addresses may change between restarts.
 */
export function runFingerprint(cfg: FederatedConfig, runtime: 'simulation' | 'server'): string {
  const { clients, partition, clientTestFraction, attack } = cfg.simulation;
  // Bounds change results, so they are part of the fingerprint, but only when they differ from
  // the defaults: a checkpoint written before bounds existed (its fingerprint computed without
  // them) still resumes under the default bounds, and its config's fingerprint is unchanged.
  // (Its earlier rounds ran unbounded; with default bounds an honest run is not affected.)
  const bounds = isDeepStrictEqual(cfg.bounds, BoundsConfigSchema.parse({})) ? undefined : cfg.bounds;
  const shape = {
    seed: cfg.seed,
    data: cfg.data,
    model: cfg.model,
    optimizer: cfg.optimizer,
    strategy: cfg.strategy,
    sampling: cfg.sampling,
    simulation: runtime === 'simulation' ? { clients, partition, clientTestFraction, attack } : undefined,
    bounds,
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16);
}
