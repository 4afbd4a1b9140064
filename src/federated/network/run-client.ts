/**
 * `jointly client`: one party of a networked federated run. Its config (`mode: client`) says
 * where the server is, who the client is, and where its own data lives; the data is read here
 * and never sent. For demos and tests on one machine, `shard` makes the client keep only its
 * share of a dataset, split the way the simulation splits it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DataConfigSchema } from '../../data/config.js';
import { checkFederatedData } from '../../data/federated-data-rules.js';
import { subset } from '../../data/dataset.js';
import { loadExperimentData } from '../../data/files/load.js';
import { BACKEND_NAMES } from '../../engine/backend.js';
import { deriveSeed, MAX_SEED } from '../../engine/random.js';
import { ConfigError, messageOf } from '../../errors.js';
import { clientIdSchema } from '../auth/client-id.js';
import { PartitionSpecSchema } from '../partition/partition.js';
import { partitionLabels } from '../partition/registry.js';
import { FederatedClient, type ClientExit } from './client.js';

/**
 * Validates the config of `jointly client` (`mode: client`): server address, client id, token
 * file, CA, backend, the client's data, an optional shard, and retries. The parsed type is {@link ClientRunConfig}.
 */
export const ClientRunConfigSchema = z
  .object({
    mode: z.literal('client'),
    /** Server address, ws://host:port or wss://host:port. */
    server: z.string().regex(/^wss?:\/\/./, 'must start with ws:// or wss://'),
    /** The id the operator registered for this client. */
    id: clientIdSchema,
    /** File holding this client's token (the JOINTLY_TOKEN environment variable or --token take precedence). */
    tokenFile: z.string().optional(),
    /** PEM file of the server's certificate or its CA, to trust a wss:// server with a private certificate. */
    ca: z.string().optional(),
    /** PKCS#8 PEM file of this client's Ed25519 private key (`jointly key generate`; --key overrides): it answers the server's challenge when the operator registered its public key. Without a token either, the client authenticates by key only. */
    keyFile: z.string().optional(),
    /** PEM file of this client's TLS certificate, for a server with mutual TLS (server.clientCa); give tlsKey too. */
    tlsCert: z.string().optional(),
    /** PEM file of the private key of `tlsCert`. */
    tlsKey: z.string().optional(),
    /** Tensor backend. Default `auto`. */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    /** The client's own data: training set and held-out test set (for federated evaluation). */
    data: DataConfigSchema.superRefine(checkFederatedData).prefault({}),
    /** Keep only shard `index` of `of` of the data (demos and tests on one machine). */
    shard: z
      .object({
        /** Number of shards the data is cut into. */
        of: z.number().int().min(1),
        /** Which shard this client keeps, from 0 to of − 1. */
        index: z.number().int().min(0),
        /** How the shards are split. Default IID. */
        partition: PartitionSpecSchema.prefault({ method: 'iid' }),
        /** Seed of the split; every client must use the same. Default 0. */
        seed: z.number().int().min(0).max(MAX_SEED).default(0),
      })
      .strict()
      .refine((s) => s.index < s.of, { message: 'index must be below of', path: ['index'] })
      .optional(),
    /** Consecutive failed connection attempts before giving up. Default 10. */
    maxRetries: z.number().int().min(0).default(10),
  })
  .strict()
  .refine((c) => (c.tlsCert === undefined) === (c.tlsKey === undefined), { message: 'give both tlsCert and tlsKey (the client certificate and its private key), or neither', path: ['tlsCert'] });

/** A parsed `jointly client` config, defaults filled; see {@link ClientRunConfigSchema}. */
export type ClientRunConfig = z.infer<typeof ClientRunConfigSchema>;

/** Options of {@link runClient}. */
export interface ClientRunOptions {
  /** The parsed client config. */
  config: ClientRunConfig;
  /** Token from the command line or environment; else read from config.tokenFile. */
  token?: string;
  /** Name of the tensor backend already set up by the caller, reported to the server (`config.backend` is not read here). */
  backend: string;
  /** The jointly version, reported to the server. */
  jointlyVersion: string;
  /** Aborting it stops the client; {@link runClient} then resolves with `{ reason: 'stopped' }`. */
  signal: AbortSignal;
  /** Called with one line per event worth telling the operator. */
  log: (line: string) => void;
}

function readToken(config: ClientRunConfig, given: string | undefined): string | undefined {
  if (given !== undefined && given !== '') return given;
  if (config.tokenFile !== undefined) {
    try {
      return readFileSync(config.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError('tokenFile', `cannot read ${config.tokenFile}: ${messageOf(err)}`, 'give the file the operator gave you');
    }
  }
  // A client with a key may have no token (registered by key only).
  if (config.keyFile !== undefined) return undefined;
  throw new ConfigError('tokenFile', 'no token and no key: set JOINTLY_TOKEN, pass --token, or set tokenFile; or give keyFile (--key)', 'the operator issues tokens with `jointly token add <id>`, or registers a key with `jointly token add <id> --key <client.key.pub>`');
}

/**
 * Runs one party of a networked federated run: reads the token (`opts.token`, else
 * `config.tokenFile`; none for a client with `keyFile` only), loads the client's data (keeping only its shard when `config.shard` is
 * set), then connects and serves until the server ends the run or the signal aborts. Throws
 * ConfigError when there is neither a token nor a key, NetworkError when the server stays unreachable.
 */
export async function runClient(opts: ClientRunOptions): Promise<ClientExit> {
  const { config } = opts;
  const token = readToken(config, opts.token);
  const data = loadExperimentData({ ...config.data, validationFraction: 0 }, config.shard?.seed ?? 0);
  let train = data.train;
  let test = data.test;
  if (config.shard !== undefined) {
    const { of, index, partition, seed } = config.shard;
    train = subset(train, partitionLabels(train.labels, train.numClasses, { numClients: of, seed: deriveSeed(seed, 'partition'), spec: partition })[index]);
    test = subset(test, partitionLabels(test.labels, test.numClasses, { numClients: of, seed: deriveSeed(seed, 'client-test'), spec: { method: 'iid' } })[index]);
  }
  opts.log(`client ${config.id}: ${train.labels.length} training and ${test.labels.length} held-out examples (${data.description})`);
  const client = new FederatedClient({
    url: config.server,
    clientId: config.id,
    ...(token === undefined ? {} : { token }),
    ...(config.keyFile === undefined ? {} : { keyPath: config.keyFile }),
    ...(config.tlsCert === undefined || config.tlsKey === undefined ? {} : { tlsCertPath: config.tlsCert, tlsKeyPath: config.tlsKey }),
    train,
    test,
    backend: opts.backend,
    caPath: config.ca,
    maxRetries: config.maxRetries,
    jointlyVersion: opts.jointlyVersion,
    log: opts.log,
  });
  return client.run(opts.signal);
}
