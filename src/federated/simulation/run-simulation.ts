/**
 * `jointly simulate`: N virtual clients in one process, trained in parallel on worker threads,
 * driven by the same coordinator and strategies as the networked server. Also trains the two
 * reference points of the report on the same data, seed and budget: every client alone
 * (local-only) and one model on all the data pooled.
 */
import { availableParallelism } from 'node:os';
import { loadExperimentData } from '../../data/files/load.js';
import { selectBackend } from '../../engine/backend.js';
import { createRng, deriveSeed, permutation } from '../../engine/random.js';
import { readParams } from '../../engine/flat-params.js';
import { selectMaliciousIds } from '../attacks/select-malicious.js';
import { parseClientTrainConfig } from '../client-config.js';
import { FederatedConfigSchema, runFingerprint, workerCount, type FederatedConfig, type FederatedConfigInput } from '../config.js';
import { labelHistograms } from '../partition/histogram.js';
import { partitionLabels } from '../partition/registry.js';
import { Coordinator, type CoordinatorEvent, type CoordinatorResult } from '../server/coordinator.js';
import { createStrategy } from '../strategies/registry.js';
import { buildTaskModel, taskLayout, type FederatedTask } from '../task.js';
import { SimulatedClientPool } from './simulated-pool.js';
import { WorkerPool } from './worker-pool.js';
import { shareDataset, type AttackSpecValue, type SharedDataset } from './worker-protocol.js';

/** Accuracy and loss of a model on the global test set. */
export interface TestScores {
  accuracy: number;
  loss: number;
}

export interface Baselines {
  /** Each client trained alone, scored on the global test set, by client id. */
  localOnly?: Record<string, TestScores>;
  /** One model trained on all the clients' data pooled. */
  pooled?: TestScores;
  /** Local epochs each baseline model trained for (rounds × localEpochs). */
  epochs: number;
}

export type SimulationEvent =
  | CoordinatorEvent
  | { type: 'started'; backend: string; workers: number; clients: number; description: string }
  | { type: 'client-task-done' }
  | { type: 'baseline-start'; which: 'localOnly' | 'pooled'; tasks: number }
  | { type: 'baseline-done'; which: 'localOnly' | 'pooled' };

export interface SimulationOptions {
  /** Checkpoint file (written after every round). */
  checkpointPath?: string;
  /** Continue from the checkpoint. */
  resume?: boolean;
  /** Stops the run: a round in progress is not counted, the last completed one is checkpointed. */
  signal?: AbortSignal;
  onEvent?: (e: SimulationEvent) => void;
}

export interface SimulationResult {
  config: FederatedConfig;
  task: FederatedTask;
  backend: string;
  workers: number;
  clientIds: string[];
  /** Training examples of each client. */
  clientSizes: number[];
  /** Per-client label counts (clients × classes). */
  histograms: number[][];
  malicious: string[];
  federated: CoordinatorResult;
  baselines: Baselines;
  dataDescription: string;
}

/** Runs a federated simulation end to end. */
export async function runSimulation(input: FederatedConfigInput, opts: SimulationOptions = {}): Promise<SimulationResult> {
  const config = FederatedConfigSchema.parse(input);
  const emit = opts.onEvent ?? (() => undefined);
  const signal = opts.signal ?? new AbortController().signal;
  // The main thread builds the initial model; workers pick the same backend for themselves.
  await selectBackend(config.backend);
  // Federated runs use all the training data on the clients: no validation split.
  const data = loadSharedData(config);
  const task: FederatedTask = {
    model: config.model,
    optimizer: config.optimizer,
    inputShape: [...data.train.sampleShape],
    numClasses: data.train.numClasses,
  };
  const numClients = config.simulation.clients;
  const parts = partitionLabels(data.train.labels, data.train.numClasses, {
    numClients,
    seed: deriveSeed(config.seed, 'partition'),
    spec: config.simulation.partition,
  });
  const width = String(numClients - 1).length;
  const clientIds = parts.map((_, i) => `client-${String(i).padStart(width, '0')}`);
  // Optional local held-out split per client, for federated evaluation.
  const clientTests: Int32Array[] = [];
  const clients: Int32Array[] = parts.map((indices, i) => {
    if (config.simulation.clientTestFraction === 0 || indices.length < 2) {
      clientTests.push(new Int32Array(0));
      return indices;
    }
    const order = permutation(indices.length, createRng(deriveSeed(config.seed, `client-test/${i}`)));
    const nTest = Math.min(indices.length - 1, Math.max(1, Math.round(config.simulation.clientTestFraction * indices.length)));
    const pick = (positions: Int32Array): Int32Array => Int32Array.from(positions, (p) => indices[p]).sort();
    clientTests.push(pick(order.subarray(0, nTest)));
    return pick(order.subarray(nTest));
  });
  const histograms = labelHistograms(data.train.labels, data.train.numClasses, clients);

  const attacks = new Map<string, AttackSpecValue>();
  if (config.simulation.attack !== undefined) {
    for (const id of selectMaliciousIds({ clientIds, fraction: config.simulation.attack.fraction, seed: config.seed })) {
      attacks.set(id, config.simulation.attack as AttackSpecValue);
    }
  }

  const size = Math.min(workerCount(config), numClients);
  const workers = await WorkerPool.start(size, {
    task,
    backend: config.backend,
    threads: threadsPerWorker(size),
    train: data.train,
    test: data.test,
    clients,
    clientTests,
  });
  try {
    emit({ type: 'started', backend: workers.backend, workers: workers.size, clients: numClients, description: data.description });
    const model = buildTaskModel(task, deriveSeed(config.seed, 'initial-model'));
    const initialParams = readParams(model);
    const layout = taskLayout(model);
    model.dispose();
    const strategy = createStrategy(config.strategy);
    const pool = new SimulatedClientPool({
      workers,
      clientIds,
      attacks,
      seed: config.seed,
      canEvaluate: config.simulation.clientTestFraction > 0,
      onTaskDone: () => emit({ type: 'client-task-done' }),
    });
    const coordinator = new Coordinator({
      runId: config.name,
      strategy,
      pool,
      settings: { ...config.sampling, rounds: config.rounds, seed: config.seed },
      layout,
      initialParams,
      evaluateGlobal: async (params) => {
        const r = await workers.evaluate({ kind: 'evaluate', params: params.slice(), client: -1 });
        return { loss: r.loss, accuracy: r.accuracy };
      },
      checkpointPath: opts.checkpointPath,
      resume: opts.resume,
      fingerprint: runFingerprint(config, 'simulation'),
      numClients: () => numClients,
      onEvent: emit,
    });
    const federated = await coordinator.run(signal);
    const baselines = federated.interrupted ? { epochs: 0 } : await runBaselines(config, workers, clientIds, initialParams, emit);
    return {
      config,
      task,
      backend: workers.backend,
      workers: workers.size,
      clientIds,
      clientSizes: clients.map((c) => c.length),
      histograms,
      malicious: [...attacks.keys()],
      federated,
      baselines,
      dataDescription: data.description,
    };
  } finally {
    await workers.close();
  }
}

/**
 * The run's data, copied into shared memory for the workers; the loaded copies are not kept, so
 * the training set is held once in the process, not twice.
 */
function loadSharedData(config: FederatedConfig): { train: SharedDataset; test: SharedDataset; description: string } {
  const data = loadExperimentData({ ...config.data, validationFraction: 0 }, config.seed);
  return { train: shareDataset(data.train), test: shareDataset(data.test), description: data.description };
}

/** JOINTLY_THREADS (or every core) shared out between the workers, at least 1 each. */
function threadsPerWorker(workers: number): number {
  const configured = Number(process.env.JOINTLY_THREADS);
  const total = Number.isInteger(configured) && configured > 0 ? configured : availableParallelism();
  return Math.max(1, Math.floor(total / workers));
}

/** Local-only and pooled training with the federated run's budget: rounds × localEpochs epochs. */
async function runBaselines(
  config: FederatedConfig,
  workers: WorkerPool,
  clientIds: readonly string[],
  initialParams: Float32Array,
  emit: (e: SimulationEvent) => void,
): Promise<Baselines> {
  const epochs = config.rounds * config.strategy.localEpochs;
  const trainConfig = parseClientTrainConfig({
    localEpochs: epochs,
    batchSize: config.strategy.batchSize,
    proximalMu: 0,
    scaffold: false,
    seed: deriveSeed(config.seed, 'baseline'),
  });
  const baselines: Baselines = { epochs };
  const trainAndTest = async (client: number, clientId: string): Promise<TestScores> => {
    const fit = await workers.fit({ kind: 'fit', client, clientId, global: initialParams.slice(), config: trainConfig, extras: {} });
    const r = await workers.evaluate({ kind: 'evaluate', params: fit.params, client: -1 });
    emit({ type: 'client-task-done' });
    return { accuracy: r.accuracy, loss: r.loss };
  };
  if (config.simulation.baselines.localOnly) {
    emit({ type: 'baseline-start', which: 'localOnly', tasks: clientIds.length });
    const scores = await Promise.all(clientIds.map((id, i) => trainAndTest(i, id)));
    baselines.localOnly = Object.fromEntries(clientIds.map((id, i) => [id, scores[i]]));
    emit({ type: 'baseline-done', which: 'localOnly' });
  }
  if (config.simulation.baselines.pooled) {
    emit({ type: 'baseline-start', which: 'pooled', tasks: 1 });
    baselines.pooled = await trainAndTest(-1, 'pooled');
    emit({ type: 'baseline-done', which: 'pooled' });
  }
  return baselines;
}
