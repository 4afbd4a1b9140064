/**
 * `jointly server`: the networked federated run. Listens for clients, runs the rounds with the
 * coordinator, evaluates the global model on the server's held-out set, checkpoints after
 * every round into the run folder, and on SIGINT/SIGTERM stops after checkpointing so that
 * `--resume` continues without losing or repeating a round.
 */
import { existsSync } from 'node:fs';
import { loadExperimentData } from '../../data/files/load.js';
import { selectBackend } from '../../engine/backend.js';
import { readParams } from '../../engine/flat-params.js';
import { deriveSeed } from '../../engine/random.js';
import { CheckpointError } from '../../errors.js';
import type { RunFolder } from '../../report/run-folder.js';
import { loadTokenFile, type TokenFile } from '../auth/tokens.js';
import { LocalTrainer } from '../client/local-trainer.js';
import { runFingerprint, type FederatedConfig } from '../config.js';
import { Coordinator, type CoordinatorEvent, type CoordinatorResult } from '../server/coordinator.js';
import { createStrategy } from '../strategies/registry.js';
import { buildTaskModel, taskLayout, type FederatedTask } from '../task.js';
import { FederatedServer } from './server.js';

export const CHECKPOINT_FILE = 'checkpoint.jly';

export interface ServerRunOptions {
  config: FederatedConfig;
  folder: RunFolder;
  resume: boolean;
  /** Aborted by SIGINT/SIGTERM. */
  signal: AbortSignal;
  log: (line: string) => void;
  onListening?: (url: string) => void;
  onEvent?: (e: CoordinatorEvent) => void;
}

export interface ServerRunResult {
  result: CoordinatorResult;
  task: FederatedTask;
  url: string;
}

export async function runServer(opts: ServerRunOptions): Promise<ServerRunResult> {
  const { config, folder } = opts;
  const checkpointPath = folder.path(CHECKPOINT_FILE);
  if (!opts.resume && existsSync(checkpointPath)) {
    throw new CheckpointError(`${folder.dir} already holds a checkpoint of a run`, 'pass --resume to continue it, or choose another --out folder for a new run');
  }
  if (opts.resume && !existsSync(checkpointPath)) {
    throw new CheckpointError(`--resume: there is no checkpoint in ${folder.dir}`, 'point --out at the folder of the run to resume');
  }
  const backend = await selectBackend(config.backend);
  opts.log(`backend: ${backend.name} (${backend.reason})`);
  // The server holds only a held-out evaluation set: the test split of its data config.
  const data = loadExperimentData({ ...config.data, validationFraction: 0 }, config.seed);
  const task: FederatedTask = { model: config.model, optimizer: config.optimizer, inputShape: [...data.test.sampleShape], numClasses: data.test.numClasses };
  const evaluator = new LocalTrainer(task);
  // The initial model comes from the run seed (as in the simulation), so every (re)start agrees on it.
  const initial = buildTaskModel(task, deriveSeed(config.seed, 'initial-model'));
  const layout = taskLayout(initial);
  const initialParams = readParams(initial);
  initial.dispose();
  const tokensPath = config.server.tokens;
  const loadTokens = (): TokenFile | undefined => (tokensPath === undefined ? undefined : loadTokenFile(tokensPath));
  let tokens = loadTokens();
  const server = new FederatedServer({
    host: config.server.host,
    port: config.server.port,
    runId: config.name,
    task,
    layout,
    tokens,
    // Revocations take effect at the next hello without a restart; a broken edit keeps the last good file.
    reloadTokens: () => {
      try {
        tokens = loadTokens();
      } catch (err) {
        opts.log(`token file not reloaded, keeping the previous one: ${(err as Error).message}`);
      }
      return tokens;
    },
    tls: config.server.tlsCert === undefined || config.server.tlsKey === undefined ? undefined : { certPath: config.server.tlsCert, keyPath: config.server.tlsKey },
    heartbeatSeconds: config.server.heartbeatSeconds,
    maxMessageBytes: Math.floor(config.server.maxMessageMiB * 1024 * 1024),
    maxExamplesPerClient: config.server.maxExamplesPerClient,
    log: opts.log,
  });
  const url = await server.listen();
  opts.onListening?.(url);
  let finished = false;
  try {
    const coordinator = new Coordinator({
      runId: config.name,
      strategy: createStrategy(config.strategy),
      pool: server,
      settings: { ...config.sampling, rounds: config.rounds, seed: config.seed },
      layout,
      initialParams,
      evaluateGlobal: (params) => {
        const s = evaluator.evaluate(params, data.test);
        return { loss: s.loss, accuracy: s.accuracy };
      },
      checkpointPath,
      resume: opts.resume,
      fingerprint: runFingerprint(config, 'server'),
      numClients: () => server.known.size,
      onEvent: opts.onEvent,
    });
    const result = await coordinator.run(opts.signal);
    finished = !result.interrupted;
    return { result, task, url };
  } finally {
    await server.close(finished ? 'run finished' : 'server stopping', finished);
    evaluator.dispose();
  }
}
