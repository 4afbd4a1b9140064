/**
 * `simulateFederation`: a federation defined in code, run as a simulation on worker threads with
 * each client's data given in code (the data never has to be a file), reported against the
 * local-only and pooled baselines like `jointly simulate`.
 */
import type { Dataset } from '../../data/dataset.js';
import type { FederatedConfigInput } from '../config.js';
import { runSimulation, type SimulationEvent, type SimulationResult } from '../simulation/run-simulation.js';
import { federationConfig, type FederationDefinition } from './federation.js';

export interface SimulateFederationOptions extends FederationDefinition {
  /** Each client's training data, by client id. Text labels are mapped through the test set's classes (or `classes`). */
  clients: Readonly<Record<string, Dataset>>;
  /** The held-out set the global model and the baselines are scored on. */
  test: Dataset;
  /** Worker threads. Default: one per core. */
  workers?: number;
  /** Which baselines to train. Default both. */
  baselines?: { localOnly?: boolean; pooled?: boolean };
  /** Folder to save the final global model in (`<outDir>/model/`, and `best-model/` with `saveBest`). Default: nothing saved. */
  outDir?: string;
  /** Also save the round with the best test accuracy. Default false. */
  saveBest?: boolean;
  /** Progress and round events. */
  onEvent?: (e: SimulationEvent) => void;
  signal?: AbortSignal;
}

/** Runs the federation as a simulation and returns its history, baselines and clients. */
export async function simulateFederation(opts: SimulateFederationOptions): Promise<SimulationResult> {
  const simulation: FederatedConfigInput['simulation'] = {
    clients: Object.keys(opts.clients).length,
    ...(opts.workers === undefined ? {} : { workers: opts.workers }),
    ...(opts.baselines === undefined ? {} : { baselines: opts.baselines }),
  };
  const { config, initialParams } = federationConfig(opts, { simulation, ...(opts.saveBest === undefined ? {} : { output: { saveBest: opts.saveBest } }) });
  return runSimulation(config, {
    data: { clients: opts.clients, test: opts.test },
    ...(initialParams === undefined ? {} : { initialParams }),
    ...(opts.onEvent === undefined ? {} : { onEvent: opts.onEvent }),
    ...(opts.outDir === undefined ? {} : { outDir: opts.outDir }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
  });
}
