/**
 * `joinFederation`: a client for your own data in a few lines. It connects to a federated
 * server, takes the federation's task (model, classes, feature names), aligns its data to it
 * (or refuses to join, with the error, when the data does not fit), trains each round it is
 * sampled for, and returns when the server ends the run. The data never leaves the process.
 */
import type { Dataset } from '../../data/dataset.js';
import { selectBackend } from '../../engine/backend.js';
import { packageVersion } from '../../package-version.js';
import { FederatedClient, type ClientExit } from '../network/client.js';

/** Options of {@link joinFederation}: the server, the client's id and token, its data, and connection settings. */
export interface JoinFederationOptions {
  /** The server, ws://host:port or wss://host:port. */
  url: string;
  /** The id the operator registered, and its token. */
  clientId: string;
  token: string;
  /** The training data (text labels and named columns are matched to the federation's). */
  train: Dataset;
  /** Held-out data for federated evaluation. Default: the training data. */
  test?: Dataset;
  /** PEM file of the CA or self-signed certificate to trust for wss://. */
  ca?: string;
  /** Tensor backend. Default `auto`. */
  backend?: string;
  /** Failed connection attempts in a row before giving up. Default 10. */
  maxRetries?: number;
  /** Aborting it stops the client, which then returns `{ reason: 'stopped' }`. Default: never aborted. */
  signal?: AbortSignal;
  /** Log lines (joins, rounds). Default: none. */
  log?: (line: string) => void;
}

/** Takes part in the federation until the server ends the run (or the signal stops the client). */
export async function joinFederation(opts: JoinFederationOptions): Promise<ClientExit> {
  const backend = await selectBackend(opts.backend ?? 'auto');
  const client = new FederatedClient({
    url: opts.url,
    clientId: opts.clientId,
    token: opts.token,
    train: opts.train,
    ...(opts.test === undefined ? {} : { test: opts.test }),
    backend: backend.name,
    ...(opts.ca === undefined ? {} : { caPath: opts.ca }),
    ...(opts.maxRetries === undefined ? {} : { maxRetries: opts.maxRetries }),
    jointlyVersion: packageVersion(),
    log: opts.log ?? (() => undefined),
  });
  return client.run(opts.signal ?? new AbortController().signal);
}
