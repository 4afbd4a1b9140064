/**
 * The partition methods by name, and `partitionLabels`, the one entry point the runtimes call.
 * Adding a method: a file exporting a `PartitionMethod`, its schema in `partition.ts`, a line here.
 */
import type { z } from 'zod';
import { createRng, deriveSeed, MAX_SEED } from '../../engine/random.js';
import { ConfigError, DataMalformedError, UnknownNameError } from '../../errors.js';
import { classesPerClientPartition } from './classes-per-client.js';
import { dirichletPartition } from './dirichlet.js';
import { iidPartition } from './iid.js';
import { PartitionSpecSchema, type PartitionMethod, type PartitionMethodName, type PartitionSpec, type PartitionSpecInput, type SpecOf } from './partition.js';
import { quantitySkewPartition } from './quantity-skew.js';

const METHODS: { readonly [M in PartitionMethodName]: PartitionMethod<M> } = {
  iid: iidPartition,
  dirichlet: dirichletPartition,
  classes: classesPerClientPartition,
  quantity: quantitySkewPartition,
};

/** Names of the registered partition methods, in registry order. */
export const PARTITION_METHOD_NAMES: readonly PartitionMethodName[] = Object.keys(METHODS) as PartitionMethodName[];

/** A registered method as listed for `--help` and reports. */
export interface PartitionMethodInfo {
  /** The value of `method` in the spec. */
  readonly name: PartitionMethodName;
  /** One line describing it. */
  readonly summary: string;
}

/** The registered partition methods (name and one-line summary), in registry order. */
export function listPartitionMethods(): readonly PartitionMethodInfo[] {
  return PARTITION_METHOD_NAMES.map((name) => ({ name, summary: METHODS[name].summary }));
}

/** Options of `partitionLabels`. */
export interface PartitionOptions {
  /** Number of clients, at least 1 and at most the number of samples. */
  numClients: number;
  /** Seed of the partition (a 32-bit unsigned integer); the same seed gives the same partition. */
  seed: number;
  /** Which method, with which settings (validated here; defaults filled in). */
  spec: PartitionSpecInput;
}

function pathOf(path: readonly PropertyKey[]): string {
  return ['partition', ...path.map(String)].join('.');
}

/** Validates a partition spec, filling in defaults; ConfigError (or UnknownNameError) names the bad field. */
export function parsePartitionSpec(raw: unknown): PartitionSpec {
  const method = (raw as { method?: unknown } | null | undefined)?.method;
  if (typeof method === 'string' && !(PARTITION_METHOD_NAMES as readonly string[]).includes(method)) {
    throw new UnknownNameError('partition method', method, PARTITION_METHOD_NAMES);
  }
  const parsed = PartitionSpecSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue: z.core.$ZodIssue = parsed.error.issues[0];
  throw new ConfigError(pathOf(issue.path), issue.message, `fix partition.${issue.path.map(String).join('.') || 'method'}; methods: ${PARTITION_METHOD_NAMES.join(', ')}`);
}

/** Checks the labels and the options against each other before any method runs. */
function check(labels: Int32Array, numClasses: number, opts: PartitionOptions, spec: PartitionSpec): void {
  const n = labels.length;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new DataMalformedError(`partition: numClasses must be a positive integer, got ${numClasses}`);
  }
  for (let i = 0; i < n; i++) {
    if (!(labels[i] >= 0 && labels[i] < numClasses)) {
      throw new DataMalformedError(`partition: label ${labels[i]} of sample ${i} is outside [0, ${numClasses})`);
    }
  }
  if (!Number.isInteger(opts.numClients) || opts.numClients < 1) {
    throw new ConfigError('numClients', `must be an integer of at least 1, got ${opts.numClients}`, 'set the number of simulated clients to 1 or more');
  }
  if (opts.numClients > n) {
    throw new ConfigError('numClients', `${opts.numClients} clients but only ${n} samples: every client needs at least one`, `use at most ${n} clients, or more data`);
  }
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > MAX_SEED) {
    throw new ConfigError('seed', `must be an integer in [0, ${MAX_SEED}], got ${opts.seed}`);
  }
  if (spec.method === 'classes' && spec.perClient > numClasses) {
    throw new ConfigError('partition.perClient', `${spec.perClient} classes per client, but the data has only ${numClasses} classes`, `use a perClient of at most ${numClasses}`);
  }
  if ((spec.method === 'dirichlet' || spec.method === 'quantity') && spec.minSize * opts.numClients > n) {
    throw new ConfigError(
      'partition.minSize',
      `${opts.numClients} clients of at least ${spec.minSize} samples need ${spec.minSize * opts.numClients}, but there are only ${n}`,
      `use a minSize of at most ${Math.floor(n / opts.numClients)}, fewer clients, or more data`,
    );
  }
}

/**
 * Splits samples over `numClients` clients: the sample indices of each client, each sorted
 * ascending and disjoint. They cover every sample, except that the `classes` method leaves out
 * classes no client holds (only when numClients · perClient < numClasses). Deterministic in
 * (labels, numClasses, numClients, seed, spec). Throws ConfigError for impossible settings
 * (numClients < 1, more clients than samples, perClient > numClasses, alpha ≤ 0, an unmeetable
 * minSize, a client left with no samples) and UnknownNameError for an unknown method.
 */
export function partitionLabels(labels: Int32Array, numClasses: number, opts: PartitionOptions): Int32Array[] {
  const spec = parsePartitionSpec(opts.spec);
  check(labels, numClasses, opts, spec);
  const rng = createRng(deriveSeed(opts.seed, `partition:${spec.method}`));
  const method = METHODS[spec.method] as PartitionMethod<PartitionMethodName>;
  // The registry maps each name to its own method, so the spec matches the method's type.
  const parts = method.partition({ labels, numClasses, numClients: opts.numClients, spec: spec as SpecOf<PartitionMethodName>, rng });
  const empty = parts.findIndex((p) => p.length === 0);
  if (empty >= 0) {
    throw new ConfigError(
      'numClients',
      `the '${spec.method}' partition left client ${empty} of ${opts.numClients} with no samples`,
      spec.method === 'classes' ? 'use fewer clients or a larger partition.perClient, so that every class has enough samples for its holders' : 'use fewer clients or more data',
    );
  }
  return parts;
}
