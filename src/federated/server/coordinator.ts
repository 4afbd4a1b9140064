/**
 * The round loop shared by the networked server and the simulation: wait for clients, sample,
 * configure, collect replies until the deadline, aggregate with the strategy, evaluate, and
 * checkpoint after every round. A resumed coordinator continues from the last checkpoint
 * without losing or repeating a round: the sample, the round seed and the strategy state depend
 * only on the run seed, the round number and the checkpoint.
 */
import { CheckpointError, ConfigError, messageOf, OutputError, RoundRefusedError } from '../../errors.js';
import { deriveSeed } from '../../engine/random.js';
import type { FitFailure, RoundContext, Strategy, StrategyState, Vectors } from '../strategy.js';
import type { TensorLayout } from '../task.js';
import { readCheckpointFile, writeCheckpointFile } from './checkpoint-file.js';
import { checkCheckpointMeta, type CheckpointMeta } from './checkpoint-meta.js';
import type { ClientEvaluation, ClientPool, FitRequest } from './client-pool.js';
import { countRound } from './count-round.js';
import { sampleClients } from './sample-clients.js';
import type { UpdateOverhead } from './update-overhead.js';
import { useNativeAggregation } from '../../engine/native/aggregation-kernels.js';
import { applyUpdateBounds, boundEvaluations, DEFAULT_UPDATE_BOUNDS, type BoundAdjustment, type UpdateBounds, type UpdateNorms } from './update-bounds.js';

export interface RoundSettings {
  /** Rounds to run in total (a resumed run counts the rounds already done). */
  rounds: number;
  /** Fraction of the available clients sampled each round. */
  fraction: number;
  /** Clients sampled at least per round (and needed before a round starts). */
  minFit: number;
  /** Clients that must be connected before the first round starts. */
  minAvailable: number;
  /** Seconds a round waits for replies; stragglers after that are dropped from the round. */
  roundTimeoutSeconds: number;
  /** Federated evaluation on the clients every this many rounds (0: never). */
  evaluateEvery: number;
  /** Fraction of available clients asked to evaluate. */
  evaluateFraction: number;
  /** Run seed. */
  seed: number;
}

/** Global-model scores on the server's held-out data. */
export interface GlobalScores {
  loss: number;
  accuracy: number;
}

/** Everything measured in one round; one line of metrics.jsonl. */
export interface RoundRecord {
  round: number;
  sampled: string[];
  /** Clients whose replies were aggregated (validated and within the bounds). */
  replied: string[];
  /** Sampled clients without an aggregated reply: timeouts, disconnections, invalid replies, replies refused by a bound. */
  failures: FitFailure[];
  /** Replies and evaluations clipped to a bound (see update-bounds.ts); absent when none (and in histories from before bounds). */
  bounded?: BoundAdjustment[];
  /** ‖global‖ and each reply's ‖params − global‖ as sent, to calibrate bounds from; absent in histories from before bounds. */
  updateNorms?: UpdateNorms;
  /** Why the strategy refused to aggregate (the global model was kept), if it did. */
  refused?: string;
  /** Example-weighted mean of the clients' training losses. */
  trainLoss: number;
  /** Strategy diagnostics. */
  aggregate: Record<string, number>;
  /** Server-side evaluation of the new global model. */
  evaluation?: GlobalScores;
  /**
   * Federated evaluation, example-weighted over the clients that answered, with the counts capped
   * by the bounds: `numExamples` is the total weight counted; `clients` are the results as
   * reported; `dropped` the results left out of the means (implausible metrics, or a count
   * beyond its bound) and why.
   */
  federatedEvaluation?: GlobalScores & { numExamples: number; clients: ClientEvaluation[]; dropped?: FitFailure[] };
  /** Per-client training metrics of the aggregated replies (numExamples: the weight aggregated, after any clip). */
  clientMetrics: Record<string, Record<string, number> & { numExamples: number }>;
  bytesSent: number;
  bytesReceived: number;
  seconds: number;
  /**
   * The clients' updates' time in the training steps and outside them (parameter copies, messages,
   * data slicing and batching, weight loading and read-out, reply validation), summed over the
   * round's replies; present when the runtime measures it (the simulation does, a networked server cannot).
   */
  overhead?: UpdateOverhead;
  /** Checksum of the global parameters after the round (see paramsChecksum). */
  paramsChecksum: string;
}

/** What the coordinator knows of each client over the run. */
export interface ClientRecord {
  /** Rounds it was sampled in. */
  sampled: number;
  /** Rounds whose reply was aggregated. */
  replied: number;
  failures: number;
  lastFailure?: string;
}

export type CoordinatorEvent =
  | { type: 'waiting'; round: number; needed: number; available: number }
  | { type: 'round-start'; round: number; sampled: string[]; paramsChecksum: string }
  | { type: 'round-end'; record: RoundRecord }
  | { type: 'round-refused'; round: number; reason: string }
  /** The run ends before `round`: the strategy says it must (a privacy budget the round would exceed). */
  | { type: 'stopped'; round: number; reason: string }
  | { type: 'checkpoint'; round: number; path: string }
  | { type: 'resumed'; round: number; path: string; history: RoundRecord[] };

/** Options of a {@link Coordinator}. */
export interface CoordinatorOptions {
  /** Identifies the run; written into every checkpoint. */
  runId: string;
  /** The strategy that configures and aggregates each round; its state is checkpointed. */
  strategy: Strategy;
  /** The clients: the networked server's connections or the simulation's workers. */
  pool: ClientPool;
  /** Rounds, sampling, timeouts, evaluation and the run seed. */
  settings: RoundSettings;
  /** The model's named tensors; a checkpoint of another layout is not resumed. */
  layout: TensorLayout[];
  /** Initial global parameters (ignored when resuming). */
  initialParams: Float32Array;
  /** Bounds on each reply, applied before aggregation (the config's `bounds`). Default DEFAULT_UPDATE_BOUNDS. */
  bounds?: UpdateBounds;
  /** Server-side evaluation of the global model on held-out data. */
  evaluateGlobal?: (params: Float32Array) => GlobalScores | Promise<GlobalScores>;
  /** Checkpoint file written after every round. */
  checkpointPath?: string;
  /** Continue from the checkpoint at `checkpointPath`. */
  resume?: boolean;
  /** Identifies the run's settings (see runFingerprint); a checkpoint of other settings is not resumed. */
  fingerprint?: string;
  /**
   * N, the clients in the federation (`RoundContext.numClients`; SCAFFOLD scales by |S|/N): on a
   * networked server those registered and not revoked in the token file. Default: the available ones.
   */
  numClients?: () => number;
  /** Called on each step of the loop: waiting for clients, round start and end, a refused round, a checkpoint written, a resume. */
  onEvent?: (e: CoordinatorEvent) => void;
}

/** What {@link Coordinator.run} returns. */
export interface CoordinatorResult {
  /** The final global parameters. */
  params: Float32Array;
  /** Last completed round. */
  round: number;
  /** One record per completed round, including those of an earlier process when resumed. */
  history: RoundRecord[];
  /** Per-client counts over the run, by client id. */
  clients: Record<string, ClientRecord>;
  /** True when stopped by the signal before all rounds ran. */
  interrupted: boolean;
  /** Why the strategy ended the run before all rounds ran (a privacy budget), if it did. */
  stopped?: string;
}

/** A short checksum of parameters (FNV-1a over the bytes), to compare runs in logs and tests. */
export function paramsChecksum(params: Float32Array): string {
  const bytes = new Uint8Array(params.buffer, params.byteOffset, params.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Example-weighted mean; items with no examples do not count. NaN when nothing counts. */
function weightedMean(items: readonly { n: number; v: number }[]): number {
  const counted = items.filter((x) => x.n > 0);
  const total = counted.reduce((s, x) => s + x.n, 0);
  return total === 0 ? Number.NaN : counted.reduce((s, x) => s + x.n * x.v, 0) / total;
}

/**
 * The round loop shared by the networked server and the simulation: waits for clients, samples,
 * collects replies until the deadline, aggregates with the strategy, evaluates, and checkpoints
 * after every round. With `resume`, the constructor restores the checkpoint and throws
 * CheckpointError when it is missing, corrupt, or of other settings.
 */
export class Coordinator {
  private params: Float32Array;
  private round = 0;
  private history: RoundRecord[] = [];
  private clients: Record<string, ClientRecord> = {};
  private readonly opts: CoordinatorOptions;

  constructor(opts: CoordinatorOptions) {
    useNativeAggregation(); // the strategies' aggregation runs on the native addon when it loads
    this.opts = opts;
    this.params = opts.initialParams.slice();
    if (opts.resume === true) this.restore();
  }

  /** Last completed round. */
  get completedRounds(): number {
    return this.round;
  }

  /** The current global parameters (the coordinator's own array, not a copy). */
  get globalParams(): Float32Array {
    return this.params;
  }

  /** Runs the remaining rounds; stops cleanly (after checkpointing the last completed round) when `signal` aborts. */
  async run(signal: AbortSignal): Promise<CoordinatorResult> {
    const { settings, pool, strategy } = this.opts;
    const emit = this.opts.onEvent ?? (() => undefined);
    // The first round this process runs (the first of the run, or the first after a resume) waits for minAvailable clients.
    const firstRound = this.round + 1;
    let stopped: string | undefined;
    try {
      while (this.round < settings.rounds && !signal.aborted) {
        const round = this.round + 1;
        const needed = Math.max(round === firstRound ? settings.minAvailable : 0, settings.minFit, strategy.minReplies());
        if (pool.available().length < needed) {
          emit({ type: 'waiting', round, needed, available: pool.available().length });
          await pool.waitForClients(needed, signal);
        }
        const started = performance.now();
        // minAvailable is only a condition to start on: the sample itself depends only on minFit and the
        // strategy, so that a resumed run samples exactly what an uninterrupted one would have.
        const sampled = sampleClients(pool.available(), { fraction: settings.fraction, min: Math.max(settings.minFit, strategy.minReplies()), seed: settings.seed, round });
        const ctx = { round, global: this.params, numClients: this.opts.numClients?.() ?? pool.available().length, sampled: sampled.length };
        const stop = strategy.stopBeforeRound?.(ctx);
        if (stop !== undefined) {
          stopped = stop;
          emit({ type: 'stopped', round, reason: stop });
          break;
        }
        const instructions = strategy.configureFit(ctx);
        instructions.config = { ...instructions.config, seed: deriveSeed(settings.seed, `round-${round}`) };
        emit({ type: 'round-start', round, sampled, paramsChecksum: paramsChecksum(this.params) });
        const deadline = Date.now() + settings.roundTimeoutSeconds * 1000;
        const request: FitRequest = { round, clients: sampled, params: this.params, instructions, deadline };
        const secure = strategy.secureAggregation?.(ctx);
        const record = secure === undefined ? await this.plainRound(request, ctx, signal) : await this.secureRound(request, ctx, secure, signal);
        if (record === undefined) break; // stopped during the round: it is neither aggregated nor counted
        if (this.opts.evaluateGlobal !== undefined) record.evaluation = await this.opts.evaluateGlobal(this.params);
        if (settings.evaluateEvery > 0 && round % settings.evaluateEvery === 0) {
          const evalClients = sampleClients(pool.available(), { fraction: settings.evaluateFraction, min: 1, seed: deriveSeed(settings.seed, 'evaluate'), round });
          // A stop during the evaluation still completes the round (already aggregated) with the evaluations that came in.
          const ev = await pool.evaluate({ round, clients: evalClients, params: this.params, deadline: Date.now() + settings.roundTimeoutSeconds * 1000 }, signal);
          record.bytesSent += ev.bytesSent;
          record.bytesReceived += ev.bytesReceived;
          const results = [...ev.results].sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
          // Evaluations are weighted by claimed counts: the same cap as for fit claims, and implausible metrics left out.
          const { counted, dropped, adjusted } = boundEvaluations(results, this.opts.bounds ?? DEFAULT_UPDATE_BOUNDS);
          record.federatedEvaluation = {
            loss: weightedMean(counted.map((r) => ({ n: r.numExamples, v: r.loss }))),
            accuracy: weightedMean(counted.map((r) => ({ n: r.numExamples, v: r.accuracy }))),
            numExamples: counted.reduce((s, r) => s + r.numExamples, 0),
            clients: results,
            ...(dropped.length > 0 ? { dropped } : {}),
          };
          if (adjusted.length > 0) record.bounded = [...(record.bounded ?? []), ...adjusted];
        }
        record.seconds = (performance.now() - started) / 1000;
        record.paramsChecksum = paramsChecksum(this.params);
        this.track(record);
        this.round = round;
        this.history.push(record);
        this.checkpoint();
        emit({ type: 'round-end', record });
      }
    } catch (err) {
      // A checkpoint that could not be written is never hidden by a stop that arrived meanwhile.
      if (!signal.aborted || err instanceof OutputError) throw err;
    }
    return {
      params: this.params,
      round: this.round,
      history: this.history,
      clients: this.clients,
      interrupted: stopped === undefined && this.round < settings.rounds,
      ...(stopped === undefined ? {} : { stopped }),
    };
  }

  /** A round's fit and aggregation from replies seen one by one (bounds applied); undefined when stopped meanwhile. */
  private async plainRound(request: FitRequest, ctx: RoundContext, signal: AbortSignal): Promise<RoundRecord | undefined> {
    const { pool, strategy } = this.opts;
    const outcome = await pool.fit(request, signal);
    if (signal.aborted) return undefined;
    const sorted = [...outcome.replies].sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
    // A reply beyond a bound is a failure of the round like an invalid one; a clipped one is aggregated as clipped.
    const bounded = applyUpdateBounds(sorted, this.params, this.opts.bounds ?? DEFAULT_UPDATE_BOUNDS);
    const replies = bounded.accepted;
    const failures = [...outcome.failures, ...bounded.refused];
    const record = this.newRecord(request, replies.map((r) => r.clientId), failures, Object.fromEntries(replies.map((r) => [r.clientId, { ...r.metrics, numExamples: r.numExamples }])), outcome);
    if (outcome.overhead !== undefined) record.overhead = outcome.overhead;
    if (bounded.adjusted.length > 0) record.bounded = bounded.adjusted;
    record.updateNorms = bounded.norms;
    this.aggregateInto(record, () => strategy.aggregateFit(ctx, replies, failures));
    return record;
  }

  /**
   * A round under secure aggregation: the pool delivers only the sum of the updates, so the
   * bounds on single replies cannot apply (clipping, by the privacy part or the protocol's clip
   * range, bounds each client's contribution instead). Undefined when stopped meanwhile.
   */
  private async secureRound(request: FitRequest, ctx: RoundContext, secure: NonNullable<ReturnType<NonNullable<Strategy['secureAggregation']>>>, signal: AbortSignal): Promise<RoundRecord | undefined> {
    const { pool, strategy } = this.opts;
    if (pool.fitSecure === undefined || strategy.aggregateSecure === undefined) {
      throw new ConfigError('strategy.secureAggregation', 'this runtime cannot run secure aggregation', 'run it in the simulation or on a jointly server and clients of this version');
    }
    let outcome;
    try {
      outcome = await pool.fitSecure({ ...request, secure: secure.spec, summedExtras: secure.summedExtras }, signal);
    } catch (err) {
      if (!(err instanceof RoundRefusedError) || signal.aborted) throw err;
      const record = this.newRecord(request, [], [], {}, { bytesSent: 0, bytesReceived: 0 });
      record.refused = messageOf(err);
      this.opts.onEvent?.({ type: 'round-refused', round: request.round, reason: record.refused });
      return record;
    }
    if (signal.aborted) return undefined;
    const done = outcome;
    const record = this.newRecord(request, done.included, done.failures, done.clientMetrics, done);
    if (done.overhead !== undefined) record.overhead = done.overhead;
    this.aggregateInto(record, () => {
      const result = strategy.aggregateSecure?.(ctx, { ...done.sum, included: done.included, clientMetrics: done.clientMetrics }, done.failures);
      if (result === undefined) throw new ConfigError('strategy', 'the strategy cannot aggregate a secure sum');
      return { params: result.params, metrics: { ...result.metrics, ...done.metrics } };
    });
    return record;
  }

  /** A round's record before aggregation and evaluation. */
  private newRecord(
    request: FitRequest,
    replied: string[],
    failures: FitFailure[],
    clientMetrics: RoundRecord['clientMetrics'],
    bytes: { bytesSent: number; bytesReceived: number },
  ): RoundRecord {
    return {
      round: request.round,
      sampled: [...request.clients],
      replied,
      failures,
      trainLoss: weightedMean(Object.values(clientMetrics).map((m) => ({ n: m.numExamples, v: m.loss ?? Number.NaN }))),
      aggregate: {},
      clientMetrics,
      bytesSent: bytes.bytesSent,
      bytesReceived: bytes.bytesReceived,
      seconds: 0,
      paramsChecksum: '',
    };
  }

  /** Runs the strategy's aggregation into the record: the new parameters, or the refusal (the global model is kept). */
  private aggregateInto(record: RoundRecord, aggregate: () => { params: Float32Array; metrics: Record<string, number> }): void {
    try {
      const result = aggregate();
      this.params = result.params;
      record.aggregate = result.metrics;
    } catch (err) {
      if (!(err instanceof RoundRefusedError)) throw err;
      record.refused = messageOf(err);
      this.opts.onEvent?.({ type: 'round-refused', round: record.round, reason: record.refused });
    }
  }

  private track(record: RoundRecord): void {
    countRound(this.clients, record);
  }

  private checkpoint(): void {
    const path = this.opts.checkpointPath;
    if (path === undefined) return;
    const state: StrategyState = this.opts.strategy.getState();
    const poolState: Vectors = this.opts.pool.getState?.() ?? {};
    const vectors: Record<string, Float32Array> = { params: this.params };
    for (const [k, v] of Object.entries(state.vectors)) vectors[`strategy/${k}`] = v;
    for (const [k, v] of Object.entries(poolState)) vectors[`pool/${k}`] = v;
    const meta: CheckpointMeta = {
      format: 'jointly-federated-checkpoint',
      version: 1,
      runId: this.opts.runId,
      fingerprint: this.opts.fingerprint,
      round: this.round,
      layout: this.opts.layout,
      strategy: { name: this.opts.strategy.name, scalars: state.scalars, vectors: Object.keys(state.vectors) },
      pool: Object.keys(poolState),
      history: this.history,
      clients: this.clients,
    };
    writeCheckpointFile(path, { meta, vectors });
    this.opts.onEvent?.({ type: 'checkpoint', round: this.round, path });
  }

  private restore(): void {
    const path = this.opts.checkpointPath;
    if (path === undefined) throw new CheckpointError('resuming needs a checkpoint path', 'give the run folder with --out');
    const { meta: raw, vectors } = readCheckpointFile<unknown>(path);
    const mismatch = (what: string, hint: string): never => {
      throw new CheckpointError(`the checkpoint ${path} ${what}`, hint);
    };
    const head = raw as { format?: unknown; version?: unknown } | null;
    if (typeof head !== 'object' || head === null || head.format !== 'jointly-federated-checkpoint' || head.version !== 1) mismatch('is not a jointly federated checkpoint (version 1)', 'point --out at the folder of a federated run');
    // Every header field against its schema, the payload and the history (a digest only says the file is as written).
    const meta: CheckpointMeta = checkCheckpointMeta(raw, vectors, { path, checksum: paramsChecksum });
    if (meta.fingerprint !== undefined && this.opts.fingerprint !== undefined && meta.fingerprint !== this.opts.fingerprint) {
      mismatch('was made with other settings (seed, data, model, optimizer, strategy options, sampling or clients)', 'resume with the config the run started with; only rounds, backend, workers and server addresses may change');
    }
    if (meta.strategy.name !== this.opts.strategy.name) mismatch(`was made by strategy '${meta.strategy.name}', not '${this.opts.strategy.name}'`, 'resume with the same config');
    const sameLayout =
      meta.layout.length === this.opts.layout.length &&
      meta.layout.every((t, i) => t.name === this.opts.layout[i].name && t.shape.join(',') === this.opts.layout[i].shape.join(','));
    if (!sameLayout) mismatch('holds a model of another architecture', 'resume with the same model spec');
    const params = vectors.params;
    if (params === undefined || params.length !== this.opts.initialParams.length) mismatch('has no parameters of the model\'s size', 'resume with the same model spec');
    this.params = params;
    this.round = meta.round;
    this.history = meta.history;
    this.clients = meta.clients;
    const strategyVectors: Vectors = {};
    for (const k of meta.strategy.vectors) strategyVectors[k] = vectors[`strategy/${k}`];
    this.opts.strategy.setState({ scalars: meta.strategy.scalars, vectors: strategyVectors });
    if (this.opts.pool.setState !== undefined) {
      const poolVectors: Vectors = {};
      for (const k of meta.pool) poolVectors[k] = vectors[`pool/${k}`];
      this.opts.pool.setState(poolVectors);
    }
    this.opts.onEvent?.({ type: 'resumed', round: this.round, path, history: this.history });
  }
}
