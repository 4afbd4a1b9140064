/**
 * `serveFederation`: a federation defined in code, served to real clients over WebSocket (TLS
 * with a certificate and key), with per-client tokens, checkpoints in a run folder and resume,
 * like `jointly server`. The server scores the global model on an evaluation set given in code.
 */
import type { Dataset } from '../../data/dataset.js';
import { openRunFolder } from '../../report/run-folder.js';
import type { FederatedConfigInput } from '../config.js';
import { runServer, type ServerRunResult } from '../network/run-server.js';
import type { CoordinatorEvent } from '../server/coordinator.js';
import { federationConfig, type FederationDefinition } from './federation.js';

export interface ServeFederationOptions extends FederationDefinition {
  /** The held-out set the global model is scored on each round; its classes and feature names are the federation's. */
  test: Dataset;
  /** Token file of the registered clients (`jointly token add <id> --tokens <file>`, or addClient + saveTokenFile). */
  tokens: string;
  /** Run folder: checkpoint, metrics, report. Created if needed. */
  folder: string;
  /** Address and port. Defaults 127.0.0.1 and 8765 (0: a free port, see onListening). */
  host?: string;
  port?: number;
  /** TLS certificate and key (PEM files): the server then speaks wss://. */
  tls?: { cert: string; key: string };
  /** Further server settings (heartbeat, message and example caps); see the config's `server` section. */
  server?: Omit<NonNullable<FederatedConfigInput['server']>, 'host' | 'port' | 'tokens' | 'tlsCert' | 'tlsKey'>;
  /** Also save the round with the best test accuracy in `<folder>/best-model/` (the final model always goes to `<folder>/model/`). Default false. */
  saveBest?: boolean;
  /** Continue the run checkpointed in `folder`. Default false. */
  resume?: boolean;
  /** Stops the server after checkpointing the last completed round. */
  signal?: AbortSignal;
  /** Called with the URL clients connect to. */
  onListening?: (url: string) => void;
  /** Called with every event of the round loop (waiting for clients, round start and end, refused rounds, checkpoints, resume). */
  onEvent?: (e: CoordinatorEvent) => void;
  /** Log lines (joins, refusals, rounds). Default: none. */
  log?: (line: string) => void;
}

/** Serves the federation until its rounds are done (or the signal stops it). */
export async function serveFederation(opts: ServeFederationOptions): Promise<ServerRunResult> {
  const server: FederatedConfigInput['server'] = {
    ...opts.server,
    tokens: opts.tokens,
    ...(opts.host === undefined ? {} : { host: opts.host }),
    ...(opts.port === undefined ? {} : { port: opts.port }),
    ...(opts.tls === undefined ? {} : { tlsCert: opts.tls.cert, tlsKey: opts.tls.key }),
  };
  const { config, initialParams } = federationConfig(opts, { server, ...(opts.saveBest === undefined ? {} : { output: { saveBest: opts.saveBest } }) });
  return runServer({
    config,
    folder: openRunFolder(opts.folder),
    resume: opts.resume ?? false,
    signal: opts.signal ?? new AbortController().signal,
    log: opts.log ?? (() => undefined),
    evaluation: opts.test,
    ...(initialParams === undefined ? {} : { initialParams }),
    ...(opts.onListening === undefined ? {} : { onListening: opts.onListening }),
    ...(opts.onEvent === undefined ? {} : { onEvent: opts.onEvent }),
  });
}
