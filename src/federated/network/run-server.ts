/**
 * `jointly server`: the networked federated run. Listens for clients, runs the rounds with the
 * coordinator, evaluates the global model on the server's held-out set, checkpoints after
 * every round into the run folder, and on SIGINT/SIGTERM stops after checkpointing so that
 * `--resume` continues without losing or repeating a round.
 */
import { existsSync } from 'node:fs';
import { evaluationSchema, loadEvaluationData, type EvaluationData } from '../../data/files/load.js';
import { datasetLength, type Dataset } from '../../data/dataset.js';
import { alignToSchema, schemaOf } from '../../data/schema.js';
import { selectBackend } from '../../engine/backend.js';
import { readParams } from '../../engine/flat-params.js';
import { folderModelStore } from '../../engine/model-io.js';
import { deriveSeed } from '../../engine/random.js';
import { CheckpointError } from '../../errors.js';
import type { LogFn } from '../../report/log-fields.js';
import type { RunFolder } from '../../report/run-folder.js';
import { activeClientIds, loadTokenFile, type TokenFile } from '../auth/tokens.js';
import { LocalTrainer } from '../client/local-trainer.js';
import { federatedTaskFor, runFingerprint, type FederatedConfig } from '../config.js';
import { Coordinator, type CoordinatorEvent, type CoordinatorResult } from '../server/coordinator.js';
import { createStrategy } from '../strategies/registry.js';
import { buildTaskModel, checkInitialParams, taskLayout, type FederatedTask } from '../task.js';
import { GlobalModelSaver, type SavedGlobalModels } from '../global-model.js';
import { FederatedServer } from './server.js';
import { openAuditLog } from './audit-log.js';

export const CHECKPOINT_FILE = 'checkpoint.jly';
/** The audit log's file name in the run folder (unless server.auditLog says another path). */
export const AUDIT_FILE = 'audit.jsonl';

/** Options of {@link runServer}. */
export interface ServerRunOptions {
  /** The parsed federated config; its `server` section sets where to listen, TLS, tokens and limits. */
  config: FederatedConfig;
  /** The run folder: the checkpoint, the saved models and the logs go here. */
  folder: RunFolder;
  /** Continue from the checkpoint in `folder` (it must exist); when false, the folder must hold none. */
  resume: boolean;
  /** Aborted by SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** The operator's log: one human line per event, with fields for the JSON log (server.log). */
  log: LogFn;
  /** Called once with the URL clients connect to (ws:// or wss://), as soon as the server listens. */
  onListening?: (url: string) => void;
  /** Called with every event of the coordinator's round loop (waiting, round start and end, refused rounds, checkpoints, resume). */
  onEvent?: (e: CoordinatorEvent) => void;
  /** The held-out set the global model is scored on, given in code (default: read from `config.data`). */
  evaluation?: Dataset;
  /** The global model's initial parameters (e.g. a tfjs model's own weights); default: built from the seed. */
  initialParams?: Float32Array;
}

/** What {@link runServer} returns once the run ends or is stopped. */
export interface ServerRunResult {
  /** The coordinator's result: final parameters, history, per-client counts, whether it was interrupted. */
  result: CoordinatorResult;
  /** The task the clients were sent. */
  task: FederatedTask;
  /** The URL the server listened on. */
  url: string;
  /** The evaluation set in words, e.g. "all 113 rows of wine.csv". */
  evaluation: string;
  /** Rows of the evaluation set. */
  evaluationRows: number;
  /** The global models saved in the run folder (`model/`, `best-model/`), as config.output says. */
  models: SavedGlobalModels;
}

/**
 * Runs `jointly server`: listens for clients, runs the rounds, scores the global model on the
 * server's held-out set, checkpoints after every round into the run folder, and closes the
 * server at the end or when the signal aborts. Throws CheckpointError when `resume` does not
 * match whether the folder holds a checkpoint.
 */
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
  // The server holds only a held-out evaluation set; its schema (with data.classes) is the federation's.
  const evaluation: EvaluationData = opts.evaluation === undefined ? loadEvaluationData(config.data, config.seed) : givenEvaluation(opts.evaluation, config.data.classes);
  const task = federatedTaskFor(config, evaluationSchema(evaluation));
  opts.log(`evaluating the global model on ${evaluation.description}`);
  if (task.classNames !== undefined) opts.log(`classes, in index order: ${task.classNames.join(', ')}`);
  const evaluator = new LocalTrainer(task);
  // The initial model comes from the run seed (as in the simulation), so every (re)start agrees on it.
  const initial = buildTaskModel(task, deriveSeed(config.seed, 'initial-model'));
  const layout = taskLayout(initial);
  const initialParams = opts.initialParams ?? readParams(initial);
  checkInitialParams(initialParams, layout);
  initial.dispose();
  const tokensPath = config.server.tokens;
  const loadTokens = (): TokenFile | undefined => (tokensPath === undefined ? undefined : loadTokenFile(tokensPath));
  let tokens = loadTokens();
  let lastTokenError: string | undefined;
  // Opened with the `a` flag: a resumed run appends to the same record.
  const audit = openAuditLog(config.server.auditLog ?? folder.path(AUDIT_FILE), { onError: (why) => opts.log(`${why}; the audit log misses events from here`, { level: 'error', event: 'audit-failed' }) });
  let server: FederatedServer;
  try {
    server = new FederatedServer({
      host: config.server.host,
      port: config.server.port,
      runId: config.name,
      task,
      layout,
      tokens,
      // Secure rounds derive their public communication graph from the run seed and the round.
      seed: config.seed,
      // Revocations take effect at the next hello without a restart; a broken edit keeps the last good file.
      reloadTokens: () => {
        try {
          tokens = loadTokens();
          lastTokenError = undefined;
        } catch (err) {
          // Said once per distinct problem, not at every re-read (every 2 s).
          const why = (err as Error).message;
          if (why !== lastTokenError) opts.log(`token file not reloaded, keeping the previous one: ${why}`, { level: 'warn', event: 'tokens-not-reloaded' });
          lastTokenError = why;
        }
        return tokens;
      },
      tls:
        config.server.tlsCert === undefined || config.server.tlsKey === undefined
          ? undefined
          : {
              certPath: config.server.tlsCert,
              keyPath: config.server.tlsKey,
              ...(config.server.clientCa === undefined ? {} : { clientCaPath: config.server.clientCa, bindClientId: config.server.clientCertMatchesId }),
            },
      audit,
      heartbeatSeconds: config.server.heartbeatSeconds,
      maxMessageBytes: Math.floor(config.server.maxMessageMiB * 1024 * 1024),
      maxHelloBytes: helloLimitBytes(config.server.maxHelloKiB, task),
      limits: {
        maxPending: config.server.maxPendingConnections,
        maxPendingPerAddress: config.server.maxPendingPerAddress,
        handshakeSeconds: config.server.handshakeTimeoutSeconds,
        maxAuthFailuresPerMinute: config.server.maxAuthFailuresPerMinute,
      },
      allowTakeover: config.server.allowTakeover,
      clientTimeoutSeconds: clientTimeoutSeconds(config),
      maxExamplesPerClient: config.server.maxExamplesPerClient,
      log: opts.log,
    });
  } catch (err) {
    audit.close();
    throw err;
  }
  let url: string;
  try {
    url = await server.listen();
  } catch (err) {
    audit.close();
    throw err;
  }
  audit.record({ event: 'start', runId: config.name, url, resumed: opts.resume });
  opts.onListening?.(url);
  let lastRound = 0;
  let finished = false;
  try {
    const models = new GlobalModelSaver({ task, rounds: config.rounds, output: config.output, store: folderModelStore(folder.dir), log: opts.log });
    const coordinator = new Coordinator({
      runId: config.name,
      strategy: createStrategy(config.strategy),
      pool: server,
      settings: { ...config.sampling, rounds: config.rounds, seed: config.seed },
      layout,
      initialParams,
      bounds: config.bounds,
      evaluateGlobal: (params) => {
        const s = evaluator.evaluate(params, evaluation.data);
        return models.offer(params, { loss: s.loss, accuracy: s.accuracy });
      },
      checkpointPath,
      resume: opts.resume,
      fingerprint: runFingerprint(config, 'server'),
      // N: the clients registered and not revoked in the token file (as last read), not those seen since this process started.
      numClients: () => (tokens === undefined ? 0 : activeClientIds(tokens).length),
      onEvent: (e) => {
        models.onEvent(e);
        auditRound(e);
        opts.onEvent?.(e);
      },
    });
    const result = await coordinator.run(opts.signal);
    finished = !result.interrupted;
    lastRound = result.round;
    return { result, task, url, evaluation: evaluation.description, evaluationRows: datasetLength(evaluation.data), models: models.finish(result) };
  } finally {
    await server.close(finished ? 'run finished' : 'server stopping', finished);
    audit.record({ event: 'stop', round: lastRound, finished });
    audit.close();
    evaluator.dispose();
  }

  /** Records the rounds in the audit log: sampled, aggregated, failed (fsync'd at every round end), refused. */
  function auditRound(e: CoordinatorEvent): void {
    if (e.type === 'round-end') {
      const r = e.record;
      audit.record({ event: 'round', round: r.round, sampled: [...r.sampled], aggregated: [...r.replied], failed: r.failures.map((f) => ({ clientId: f.clientId, reason: f.reason })) });
      audit.sync();
    } else if (e.type === 'round-refused') {
      audit.record({ event: 'round-refused', round: e.round, reason: e.reason });
      audit.sync();
    }
  }
}

/**
 * The largest message before hello: server.maxHelloKiB, raised for a task whose hello must
 * carry many feature or class names (a client declares its data's names in hello), so that a
 * legitimate hello is never cut: twice the names' JSON plus 16 KiB.
 */
export function helloLimitBytes(maxHelloKiB: number, task: FederatedTask): number {
  const names = JSON.stringify([task.featureNames ?? [], task.classNames ?? []]);
  return Math.max(Math.floor(maxHelloKiB * 1024), 2 * new TextEncoder().encode(names).length + 16 * 1024);
}

/**
 * Seconds one client has to answer a request: server.clientTimeoutSeconds, else half the
 * round's timeout but at least 60 s; never more than the round's.
 */
export function clientTimeoutSeconds(config: FederatedConfig): number {
  const round = config.sampling.roundTimeoutSeconds;
  return Math.min(round, config.server.clientTimeoutSeconds ?? Math.max(round / 2, 60));
}

/** An evaluation set given in code, with the config's class list applied when it has one. */
function givenEvaluation(data: Dataset, classes: string[] | undefined): EvaluationData {
  const aligned = classes === undefined ? data : alignToSchema(data, { ...schemaOf(data), numClasses: classes.length, classNames: classes }, { source: 'the evaluation set', against: 'data.classes' });
  return { data: aligned, description: `all ${datasetLength(data)} rows of the evaluation set given in code` };
}
