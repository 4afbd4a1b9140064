/**
 * `jointly simulate`: N virtual clients in one process, trained in parallel on worker threads,
 * driven by the same coordinator and strategies as the networked server. Also trains the two
 * reference points of the report on the same data, seed and budget: every client alone
 * (local-only) and one model on all the data pooled.
 */
import { availableParallelism } from 'node:os';
import { ConfigError, JointlyError } from '../../errors.js';
import { loadExperimentData } from '../../data/files/load.js';
import { experimentSchema } from '../../data/prepare.js';
import { datasetLength, type Dataset } from '../../data/dataset.js';
import { schemaOf, type DataSchema } from '../../data/schema.js';
import { poolClientData, type ClientData } from './client-data.js';
import { clientLayout, pooledRows, storedRows, type ClientLayout } from './client-layout.js';
import { selectBackend } from '../../engine/backend.js';
import { createRng, deriveSeed, permutation } from '../../engine/random.js';
import { readParams } from '../../engine/flat-params.js';
import { folderModelStore } from '../../engine/model-io.js';
import { selectMaliciousIds } from '../attacks/select-malicious.js';
import { parseClientTrainConfig } from '../client-config.js';
import { FederatedConfigSchema, federatedTaskFor, runFingerprint, workerCount, type FederatedConfig, type FederatedConfigInput } from '../config.js';
import { labelHistograms } from '../partition/histogram.js';
import { partitionLabels } from '../partition/registry.js';
import { Coordinator, type CoordinatorEvent, type CoordinatorResult } from '../server/coordinator.js';
import { createStrategy } from '../strategies/registry.js';
import { buildTaskModel, checkInitialParams, taskLayout, type FederatedTask } from '../task.js';
import { GlobalModelSaver, type SavedGlobalModels } from '../global-model.js';
import { sumOverheads, type UpdateOverhead } from '../server/update-overhead.js';
import { SimulatedClientPool } from './simulated-pool.js';
import { WorkerPool } from './worker-pool.js';
import { shareDataset, type AttackSpecValue, type SharedDataset } from './worker-protocol.js';

/** Accuracy and loss of a model on the global test set. */
export interface TestScores {
  accuracy: number;
  loss: number;
}

export interface Baselines {
  /** Each client trained alone, scored on the global test set, by client id (clients whose training diverged are in `diverged`). */
  localOnly?: Record<string, TestScores>;
  /** One model trained on all the clients' data pooled (absent when it diverged: see `diverged`). */
  pooled?: TestScores;
  /**
   * Baselines whose training diverged (a loss became NaN or infinite), so they have no score.
   * A diverged baseline does not fail the run: the federated result stands, the report says so.
   * Present only when something diverged.
   */
  diverged?: { pooled?: Divergence; localOnly?: Record<string, Divergence> };
  /** Local epochs each baseline model trained for (rounds × localEpochs). */
  epochs: number;
  /**
   * The same federation without its privacy part (`simulation.baselines.nonPrivate`, for a
   * strategy with `privacy`): the global model's test accuracy and loss after every round.
   */
  nonPrivate?: { accuracy: number[]; loss: number[] };
  /**
   * The baselines scored on the clients' own held-out data (present when they have some:
   * simulation.clientTestFraction > 0), by client id: `localOnly[id]` is client id's own model on
   * its own held-out rows, `pooled[id]` the pooled model on client id's held-out rows. With the
   * federated evaluation of the last round, this gives per-client alone vs federated vs pooled.
   */
  clientTests?: { localOnly?: Record<string, TestScores>; pooled?: Record<string, TestScores> };
}

/** Where a baseline's training diverged. */
export interface Divergence {
  /** The non-finite loss value: `NaN`, `Infinity` or `-Infinity`. */
  loss: string;
  /** 1-based epoch and step of the first non-finite loss, when the trainer said. */
  epoch?: number;
  step?: number;
  /** The trainer's message. */
  message: string;
}

/** The Divergence of a NON_FINITE_LOSS error, or undefined for any other error. */
export function divergenceOf(err: unknown): Divergence | undefined {
  if (!(err instanceof JointlyError) || err.code !== 'NON_FINITE_LOSS') return undefined;
  // The message of train-step.ts: "loss 'ce' became NaN at epoch 3, step 5 (local)".
  const m = /became (NaN|-?Infinity) at epoch (\d+), step (\d+)/.exec(err.message);
  return m === null ? { loss: 'NaN', message: err.message } : { loss: m[1], epoch: Number(m[2]), step: Number(m[3]), message: err.message };
}

/**
 * What {@link runSimulation} reports while it runs: every event of the coordinator's round loop,
 * plus the start of the workers, each finished client task, and the start and end of each baseline.
 */
export type SimulationEvent =
  | CoordinatorEvent
  | { type: 'started'; backend: string; workers: number; clients: number; description: string }
  | { type: 'client-task-done' }
  | { type: 'baseline-start'; which: 'localOnly' | 'pooled' | 'nonPrivate'; tasks: number }
  /** `diverged`: how many of the baseline's models diverged (see Baselines.diverged). */
  | { type: 'baseline-done'; which: 'localOnly' | 'pooled' | 'nonPrivate'; diverged: number };

/** Options of {@link runSimulation}; all optional. */
export interface SimulationOptions {
  /** Checkpoint file (written after every round). */
  checkpointPath?: string;
  /** Folder the global models are saved in (`model/`, `best-model/`, as config.output says); without it none is saved. */
  outDir?: string;
  /** Continue from the checkpoint. */
  resume?: boolean;
  /** Stops the run: a round in progress is not counted, the last completed one is checkpointed. */
  signal?: AbortSignal;
  /** Called with every {@link SimulationEvent}, e.g. to show progress. */
  onEvent?: (e: SimulationEvent) => void;
  /**
   * Each client's training data and the test set, given in code: the clients are these (their
   * ids are the keys), and `config.data` and the partition settings are not used.
   */
  data?: ClientData;
  /** The global model's initial parameters (e.g. a tfjs model's own weights); default: built from the seed. */
  initialParams?: Float32Array;
}

/** What {@link runSimulation} returns: the federated result, the baselines, and how the data was split. */
export interface SimulationResult {
  /** The parsed config, defaults filled. */
  config: FederatedConfig;
  /** The task every client trained. */
  task: FederatedTask;
  /** Tensor backend the workers used. */
  backend: string;
  /** Number of worker threads. */
  workers: number;
  /** The virtual clients' ids, in order (`client-00`, ... or the keys of the data given in code). */
  clientIds: string[];
  /** Training examples of each client. */
  clientSizes: number[];
  /** Per-client label counts (clients × classes). */
  histograms: number[][];
  /** Ids of the clients the attack made malicious (empty without an attack). */
  malicious: string[];
  /** The coordinator's result: final parameters, round history, per-client counts. */
  federated: CoordinatorResult;
  /** Local-only and pooled baselines (only `epochs: 0` when the run was interrupted). */
  baselines: Baselines;
  /** The data in words, for the report. */
  dataDescription: string;
  /** The global models saved in `outDir` (none without it). */
  models: SavedGlobalModels;
  /**
   * The client updates' time in the training steps and outside them, over the run's rounds (the
   * sums of the round records' `overhead`; rounds of an earlier process count when resumed).
   * Baselines are not included.
   */
  overhead: UpdateOverhead;
}

/** Runs a federated simulation end to end. */
export async function runSimulation(input: FederatedConfigInput, opts: SimulationOptions = {}): Promise<SimulationResult> {
  const config = FederatedConfigSchema.parse(input);
  const emit = opts.onEvent ?? (() => undefined);
  const signal = opts.signal ?? new AbortController().signal;
  // The main thread builds the initial model; workers pick the same backend for themselves.
  await selectBackend(config.backend);
  // Federated runs use all the training data on the clients: no validation split. Data given
  // per client in code keeps its clients; a dataset from the config is partitioned.
  const { data, parts, givenIds, rowLayout } = runData(config, opts.data);
  const task: FederatedTask = federatedTaskFor(config, data.schema);
  const numClients = parts.length;
  const width = String(numClients - 1).length;
  const clientIds = givenIds ?? parts.map((_, i) => `client-${String(i).padStart(width, '0')}`);
  // Optional local held-out split per client, for federated evaluation.
  const heldOutRows: Int32Array[] = [];
  const trainingRows: Int32Array[] = parts.map((indices, i) => {
    if (config.simulation.clientTestFraction === 0 || indices.length < 2) {
      heldOutRows.push(new Int32Array(0));
      return indices;
    }
    const order = permutation(indices.length, createRng(deriveSeed(config.seed, `client-test/${i}`)));
    const nTest = Math.min(indices.length - 1, Math.max(1, Math.round(config.simulation.clientTestFraction * indices.length)));
    const pick = (positions: Int32Array): Int32Array => Int32Array.from(positions, (p) => indices[p]).sort();
    heldOutRows.push(pick(order.subarray(0, nTest)));
    return pick(order.subarray(nTest));
  });
  // The rows as the shared training set stores them (client by client, see client-layout.ts).
  const clients = trainingRows.map((rows) => storedRows(rows, rowLayout));
  const clientTests = heldOutRows.map((rows) => storedRows(rows, rowLayout));
  const pooled = pooledRows(trainingRows, heldOutRows, rowLayout);
  const histograms = labelHistograms(data.train.labels, data.train.numClasses, clients);

  const attacks = new Map<string, AttackSpecValue>();
  if (config.simulation.attack !== undefined && config.strategy.name === undefined && (config.strategy.compression !== undefined || config.strategy.secureAggregation !== undefined)) {
    throw new ConfigError(
      'simulation.attack',
      `simulated attacks poison plain updates, and this strategy ${config.strategy.compression !== undefined ? 'compresses them' : 'sums them securely'}`,
      'run attacks without strategy.compression and strategy.secureAggregation',
    );
  }
  if (config.simulation.attack !== undefined) {
    for (const id of selectMaliciousIds({ clientIds, fraction: config.simulation.attack.fraction, seed: config.seed })) {
      attacks.set(id, config.simulation.attack as AttackSpecValue);
    }
  }

  // The strategy and the model are built before the workers start, so that a strategy that cannot
  // work (e.g. privacy with example weights) or a model that does not fit the data fails at once.
  const strategy = createStrategy(config.strategy);
  const model = buildTaskModel(task, deriveSeed(config.seed, 'initial-model'));
  const initialParams = opts.initialParams ?? readParams(model);
  const layout = taskLayout(model);
  model.dispose();
  checkInitialParams(initialParams, layout);
  const size = Math.min(workerCount(config), numClients);
  const workers = await WorkerPool.start(size, {
    task,
    backend: config.backend,
    threads: threadsPerWorker(size),
    train: data.train,
    test: data.test,
    clients,
    clientTests,
    pooledRows: pooled,
  });
  try {
    emit({ type: 'started', backend: workers.backend, workers: workers.size, clients: numClients, description: data.description });
    const poolOptions = {
      workers,
      clientIds,
      clientSizes: clients.map((c) => c.length),
      layout,
      attacks,
      seed: config.seed,
      canEvaluate: config.simulation.clientTestFraction > 0,
      onTaskDone: () => emit({ type: 'client-task-done' }),
      secureDropout: config.simulation.secureDropout,
    };
    const pool = new SimulatedClientPool(poolOptions);
    const outDir = opts.outDir;
    const models = outDir === undefined ? undefined : new GlobalModelSaver({ task, rounds: config.rounds, output: config.output, store: folderModelStore(outDir) });
    const coordinator = new Coordinator({
      runId: config.name,
      strategy,
      pool,
      settings: { ...config.sampling, rounds: config.rounds, seed: config.seed },
      layout,
      initialParams,
      bounds: config.bounds,
      evaluateGlobal: async (params) => {
        const r = await workers.evaluate({ kind: 'evaluate', params: params.slice(), client: -1 });
        const scores = { loss: r.loss, accuracy: r.accuracy };
        models?.offer(params, scores);
        return scores;
      },
      checkpointPath: opts.checkpointPath,
      resume: opts.resume,
      fingerprint: runFingerprint(config, 'simulation'),
      numClients: () => numClients,
      onEvent: (e) => {
        models?.onEvent(e);
        emit(e);
      },
    });
    const federated = await coordinator.run(signal);
    // Saved before the baselines, so that a baseline's failure does not lose the federated model.
    const saved = models?.finish(federated) ?? {};
    const heldOut = clientTests.map((t) => t.length > 0);
    const baselines: Baselines = federated.interrupted ? { epochs: 0 } : await runBaselines(config, workers, clientIds, heldOut, initialParams, emit);
    const privacy = config.strategy.name === undefined ? config.strategy.privacy : undefined;
    if (!federated.interrupted && privacy !== undefined && config.simulation.baselines.nonPrivate && config.strategy.name === undefined) {
      // The same federation without its privacy part: same seeds, sampling, rounds and workers.
      const spec = { ...config.strategy, privacy: undefined };
      const twinPool = new SimulatedClientPool({ ...poolOptions, onTaskDone: () => emit({ type: 'client-task-done' }) });
      const tasks = federated.history.reduce((s, r) => s + r.sampled.length, 0);
      emit({ type: 'baseline-start', which: 'nonPrivate', tasks });
      const twin = await new Coordinator({
        runId: `${config.name}-non-private`,
        strategy: createStrategy(spec),
        pool: twinPool,
        settings: { ...config.sampling, rounds: federated.round, seed: config.seed },
        layout,
        initialParams,
        bounds: config.bounds,
        evaluateGlobal: async (params) => {
          const r = await workers.evaluate({ kind: 'evaluate', params: params.slice(), client: -1 });
          return { loss: r.loss, accuracy: r.accuracy };
        },
        numClients: () => numClients,
      }).run(signal);
      emit({ type: 'baseline-done', which: 'nonPrivate', diverged: 0 });
      if (!twin.interrupted) {
        baselines.nonPrivate = { accuracy: twin.history.map((h) => h.evaluation?.accuracy ?? Number.NaN), loss: twin.history.map((h) => h.evaluation?.loss ?? Number.NaN) };
      }
    }
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
      models: saved,
      overhead: sumOverheads(federated.history.flatMap((r) => (r.overhead === undefined ? [] : [r.overhead]))),
    };
  } finally {
    await workers.close();
  }
}

/**
 * The run's data in shared memory for the workers, with every client's rows (original row
 * indices): the data given per client in code, or the config's dataset partitioned. The training
 * set is stored client by client (`rowLayout`, see client-layout.ts). The loaded copies are not kept,
 * so the training set is held once in the process, not twice.
 */
function runData(config: FederatedConfig, given: ClientData | undefined): { data: SharedRunData; parts: Int32Array[]; givenIds?: string[]; rowLayout: ClientLayout } {
  let loaded: { train: Dataset; test: Dataset; description: string; schema: DataSchema };
  let parts: Int32Array[];
  let givenIds: string[] | undefined;
  if (given !== undefined) {
    const own = schemaOf(given.test);
    const classes = config.data.classes;
    // Client data given in code, aligned to the test set's schema (with data.classes) and pooled.
    const schema: DataSchema = classes === undefined ? own : { ...own, numClasses: classes.length, classNames: classes };
    const pooled = poolClientData(given, schema);
    const description = `${pooled.clientIds.length} clients' own data (${datasetLength(pooled.train)} training rows) / ${datasetLength(pooled.test)} test rows`;
    loaded = { train: pooled.train, test: pooled.test, description, schema };
    parts = pooled.parts;
    givenIds = pooled.clientIds;
  } else {
    const data = loadExperimentData({ ...config.data, validationFraction: 0 }, config.seed);
    loaded = { train: data.train, test: data.test, description: data.description, schema: experimentSchema(data) };
    parts = partitionLabels(data.train.labels, data.train.numClasses, {
      numClients: config.simulation.clients,
      seed: deriveSeed(config.seed, 'partition'),
      spec: config.simulation.partition,
    });
  }
  const rowLayout = clientLayout(datasetLength(loaded.train), parts);
  const data = {
    train: shareDataset(loaded.train, rowLayout.identity ? undefined : rowLayout.order),
    test: shareDataset(loaded.test),
    description: loaded.description,
    schema: loaded.schema,
  };
  return { data, parts, ...(givenIds === undefined ? {} : { givenIds }), rowLayout };
}

/** The data of a run in shared memory, with its schema (class and feature names). */
interface SharedRunData {
  train: SharedDataset;
  test: SharedDataset;
  description: string;
  schema: DataSchema;
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
  /** Whether each client has held-out data to score the baselines on too. */
  heldOut: readonly boolean[],
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
  // A baseline whose loss becomes non-finite is reported as diverged; any other error fails the run.
  // `scoreOn`: the clients whose held-out rows the model is also scored on.
  type Outcome = { kind: 'scored'; scores: TestScores; own: Record<string, TestScores> } | { kind: 'diverged'; divergence: Divergence };
  const trainAndTest = async (client: number, clientId: string, scoreOn: readonly number[]): Promise<Outcome> => {
    try {
      const fit = await workers.fit({ kind: 'fit', client, clientId, global: initialParams.slice(), config: trainConfig, extras: {} });
      const r = await workers.evaluate({ kind: 'evaluate', params: fit.params, client: -1 });
      const evaluations = await Promise.all(scoreOn.map((c) => workers.evaluate({ kind: 'evaluate', params: fit.params, client: c })));
      const own = Object.fromEntries(evaluations.map((e, k) => [clientIds[scoreOn[k]], { accuracy: e.accuracy, loss: e.loss }]));
      return { kind: 'scored', scores: { accuracy: r.accuracy, loss: r.loss }, own };
    } catch (err) {
      const divergence = divergenceOf(err);
      if (divergence === undefined) throw err;
      return { kind: 'diverged', divergence };
    } finally {
      emit({ type: 'client-task-done' });
    }
  };
  const diverged: NonNullable<Baselines['diverged']> = {};
  const withHeldOut = heldOut.flatMap((has, i) => (has ? [i] : []));
  const clientTests: NonNullable<Baselines['clientTests']> = {};
  if (config.simulation.baselines.localOnly) {
    emit({ type: 'baseline-start', which: 'localOnly', tasks: clientIds.length });
    const outcomes = await Promise.all(clientIds.map((id, i) => trainAndTest(i, id, heldOut[i] ? [i] : [])));
    const scored: Record<string, TestScores> = {};
    const failed: Record<string, Divergence> = {};
    const own: Record<string, TestScores> = {};
    clientIds.forEach((id, i) => {
      const o = outcomes[i];
      if (o.kind === 'scored') {
        scored[id] = o.scores;
        Object.assign(own, o.own);
      } else failed[id] = o.divergence;
    });
    if (Object.keys(scored).length > 0) baselines.localOnly = scored;
    if (Object.keys(failed).length > 0) diverged.localOnly = failed;
    if (Object.keys(own).length > 0) clientTests.localOnly = own;
    emit({ type: 'baseline-done', which: 'localOnly', diverged: Object.keys(failed).length });
  }
  if (config.simulation.baselines.pooled) {
    emit({ type: 'baseline-start', which: 'pooled', tasks: 1 });
    const o = await trainAndTest(-1, 'pooled', withHeldOut);
    if (o.kind === 'scored') {
      baselines.pooled = o.scores;
      if (withHeldOut.length > 0) clientTests.pooled = o.own;
    } else diverged.pooled = o.divergence;
    emit({ type: 'baseline-done', which: 'pooled', diverged: o.kind === 'diverged' ? 1 : 0 });
  }
  if (diverged.pooled !== undefined || diverged.localOnly !== undefined) baselines.diverged = diverged;
  if (clientTests.localOnly !== undefined || clientTests.pooled !== undefined) baselines.clientTests = clientTests;
  return baselines;
}
