/**
 * The simulation's ClientPool: virtual clients trained on worker threads. Every client is
 * always available. Each worker's reply goes through the same validation as a networked reply
 * (`protocol/validate-reply.ts`: example count, parameter layout, the extras the strategy expects,
 * finite values), so a bad simulated reply is a failure of that round with the same reason; a
 * client whose task fails (e.g. a NaN loss) is a failure too. The clients' per-client algorithm
 * state (SCAFFOLD's cᵢ) is kept here between rounds and checkpointed, without knowing what it is.
 * Bytes are counted as the wire format would send them (float32 parameters and extras).
 */
import { CheckpointError, messageOf, ShapeMismatchError } from '../../errors.js';
import type { ParsedClientTrainConfig } from '../client-config.js';
import { parseClientTrainConfig } from '../client-config.js';
import { packParams } from '../protocol/tensors.js';
import { refusedFitFailure, validateFitReply } from '../protocol/validate-reply.js';
import type { FitFailure, FitReply, Vectors } from '../strategy.js';
import type { ClientEvaluation, ClientPool, EvaluateOutcome, EvaluateRequest, FitOutcome, FitRequest, SecureFitOutcome, SecureFitRequest } from '../server/client-pool.js';
import { secureSumOfReplies } from '../secagg/simulated-round.js';
import type { TensorLayout } from '../task.js';
import { updateOverhead, type UpdateTiming } from '../server/update-overhead.js';
import { groupSizes } from './client-groups.js';
import { groupTimings, type MeasuredUpdate } from './group-timings.js';
import type { AttackSpecValue, FitGroupResultMessage, FitResultMessage } from './worker-protocol.js';
import type { Timed, WorkerPool } from './worker-pool.js';

export interface SimulatedPoolOptions {
  workers: WorkerPool;
  /** Client ids, index i ↔ partition i. */
  clientIds: readonly string[];
  /** Training examples of each client (index i ↔ partition i): the most a reply may claim. */
  clientSizes: readonly number[];
  /** The model's parameter layout, which every reply must have. */
  layout: readonly TensorLayout[];
  /** Attack per malicious client id. */
  attacks: ReadonlyMap<string, AttackSpecValue>;
  seed: number;
  /** Whether clients hold out data for federated evaluation. */
  canEvaluate: boolean;
  /** Called when a client task finishes (for progress bars). */
  onTaskDone?: () => void;
  /** Secure rounds: the fraction of the clients that vanish after sending their masked input (dropout recovery). Default 0. */
  secureDropout?: number;
}

function vectorBytes(v: Vectors): number {
  return Object.values(v).reduce((s, x) => s + x.byteLength, 0);
}

function copyVectors(v: Vectors): Vectors {
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x.slice()]));
}

/** The buffers of vectors made by copyVectors (one each), to transfer. */
function buffersOf(v: Vectors): ArrayBuffer[] {
  return Object.values(v).map((x) => x.buffer as ArrayBuffer);
}

/**
 * The memory of a reply's parameters if it can serve a later reply: a whole buffer of its own
 * (no extra, state vector or encoded update shares it). Undefined otherwise.
 */
function reusableBuffer(r: Omit<FitResultMessage, 'id'>): ArrayBuffer | undefined {
  const b = r.params.buffer;
  if (!(b instanceof ArrayBuffer) || r.params.byteOffset !== 0 || r.params.byteLength !== b.byteLength) return undefined;
  const others: ArrayBufferView[] = [...Object.values(r.extras), ...Object.values(r.clientState), ...(r.encoded === undefined ? [] : [r.encoded])];
  return others.some((v) => v.buffer === b) ? undefined : b;
}

/** Checkpoint key of a client's state vector: `<state name>/<client id>` (neither contains a slash). */
function stateKey(name: string, clientId: string): string {
  return `${name}/${clientId}`;
}

export class SimulatedClientPool implements ClientPool {
  private readonly opts: SimulatedPoolOptions;
  private readonly index: Map<string, number>;
  /** The per-client algorithm state of the clients that have taken part. */
  private readonly states = new Map<string, Vectors>();
  /**
   * The memory of the last round's reply parameters. The coordinator is done with them when it
   * asks for the next round (strategies keep nothing that shares it: Strategy.aggregateFit), so
   * the next fit hands them back to the workers, which read their replies into them.
   */
  private spare: ArrayBuffer[] = [];

  constructor(opts: SimulatedPoolOptions) {
    if (opts.clientSizes.length !== opts.clientIds.length) {
      throw new ShapeMismatchError(`SimulatedClientPool: ${opts.clientSizes.length} client sizes for ${opts.clientIds.length} clients`, 'give one size per client');
    }
    this.opts = opts;
    this.index = new Map(opts.clientIds.map((id, i) => [id, i]));
  }

  available(): string[] {
    return [...this.opts.clientIds];
  }

  async waitForClients(): Promise<void> {
    // Virtual clients are always there.
  }

  async fit(req: FitRequest): Promise<FitOutcome> {
    const config: ParsedClientTrainConfig = parseClientTrainConfig(req.instructions.config);
    const replies: FitReply[] = [];
    const failures: FitFailure[] = [];
    let bytesSent = 0;
    let bytesReceived = 0;
    const timings: UpdateTiming[] = [];
    // Groups of clients, one task each (see client-groups.ts): the largest first.
    const groups: string[][] = [];
    let next = 0;
    for (const size of groupSizes(req.clients.length, this.opts.workers.size)) groups.push(req.clients.slice(next, (next += size)));
    const spare = this.spare;
    this.spare = [];
    await Promise.all(
      groups.map(async (group) => {
        const started = performance.now();
        // One copy of the global parameters for the group (its tasks only read them), moved rather
        // than cloned; each client gets its own copies of the extras and of its state, and up to
        // one earlier reply's memory to read its parameters into.
        const global = req.params.slice();
        const given = spare.splice(0, group.length);
        const transfer: ArrayBuffer[] = [global.buffer, ...given];
        const tasks = group.map((clientId) => {
          const attack = this.opts.attacks.get(clientId);
          const extras = copyVectors(req.instructions.extras);
          const clientState = copyVectors(this.states.get(clientId) ?? {});
          transfer.push(...buffersOf(extras), ...buffersOf(clientState));
          bytesSent += req.params.byteLength + vectorBytes(extras);
          return {
            kind: 'fit' as const,
            client: this.clientIndex(clientId),
            clientId,
            global,
            config,
            extras,
            clientState,
            attack,
            attackRound: attack === undefined ? undefined : { seed: this.opts.seed, round: req.round },
          };
        });
        const send = (performance.now() - started) / 1000 / group.length;
        let reply: Timed<FitGroupResultMessage>;
        try {
          reply = await this.opts.workers.fitGroup(tasks, transfer, given);
        } catch (err) {
          // The pool failed (a worker crashed): every client of the group fails with it.
          for (const clientId of group) {
            failures.push({ clientId, reason: messageOf(err) });
            this.opts.onTaskDone?.();
          }
          return;
        }
        const measured: MeasuredUpdate[] = [];
        reply.results.forEach((r, j) => {
          const receiving = performance.now();
          const clientId = group[j];
          // A task that failed in its worker (e.g. a NaN loss) is that client's failure; it is not measured.
          if (r.kind === 'error') failures.push({ clientId, reason: r.message });
          else {
            const reusable = reusableBuffer(r);
            if (reusable !== undefined) this.spare.push(reusable);
            try {
              this.receive(req, config, tasks[j].client, clientId, r, (receiving - started) / 1000, replies, failures);
              bytesReceived += (r.encoded?.byteLength ?? r.params.byteLength) + vectorBytes(r.extras);
              measured.push({ timing: r.timing, send, receive: (performance.now() - receiving) / 1000 });
            } catch (err) {
              // A reply that cannot even be read (parameters of the wrong length) fails its client only.
              failures.push({ clientId, reason: messageOf(err) });
            }
          }
          this.opts.onTaskDone?.();
        });
        timings.push(...groupTimings(reply, measured));
      }),
    );
    return { replies, failures, bytesSent, bytesReceived, overhead: updateOverhead(timings) };
  }

  /**
   * One client's reply from its worker: its state kept, then validated as a networked server
   * validates a reply (a refusal is a failure of the client).
   */
  private receive(req: FitRequest, config: ParsedClientTrainConfig, client: number, clientId: string, r: Omit<FitResultMessage, 'id'>, durationSeconds: number, replies: FitReply[], failures: FitFailure[]): void {
    // The client keeps its state whatever the server makes of its reply, as a networked client does.
    if (Object.keys(r.clientState).length > 0) this.states.set(clientId, { ...this.states.get(clientId), ...r.clientState });
    // A compressed reply carries its bytes instead of the parameters, decoded by the same
    // validation as a server's, so that what is aggregated is exactly what was sent.
    const v = validateFitReply(
      {
        type: 'fitReply',
        round: req.round,
        numExamples: r.numExamples,
        metrics: r.metrics,
        delta: false,
        params: r.encoded === undefined ? packParams(this.opts.layout, r.params) : [],
        extras: r.extras,
        ...(r.encoded === undefined ? {} : { data: { update: { shape: [r.encoded.length], values: r.encoded } } }),
        durationSeconds,
      },
      {
        clientId,
        round: req.round,
        layout: this.opts.layout,
        global: req.params,
        maxNumExamples: this.opts.clientSizes[client],
        extras: req.instructions.replyExtras,
        compression: config.compression,
      },
    );
    if (v.ok) replies.push(v.reply);
    else failures.push(refusedFitFailure(clientId, v));
  }

  /**
   * Trains the sampled clients on the workers, then sums their updates by SecAgg+ among them
   * (`secagg/simulated-round.ts`): the coordinator receives only the sum. Bytes are the fit
   * request plus the protocol's messages, instead of the plain replies.
   */
  async fitSecure(req: SecureFitRequest): Promise<SecureFitOutcome> {
    const trained = await this.fit(req);
    const secure = await secureSumOfReplies({
      round: req.round,
      global: req.params,
      replies: trained.replies,
      spec: req.secure,
      summedExtras: req.summedExtras,
      seed: this.opts.seed,
      dropAfterMasking: this.opts.secureDropout ?? 0,
    });
    const metricsOf = new Map(trained.replies.map((r) => [r.clientId, { ...r.metrics, numExamples: r.numExamples }]));
    const paramBytes = req.params.byteLength + Object.values(req.instructions.extras).reduce((s, x) => s + x.byteLength, 0);
    return {
      sum: secure.sum,
      included: secure.included,
      failures: [...trained.failures, ...secure.excluded],
      clientMetrics: Object.fromEntries(secure.included.map((id) => [id, metricsOf.get(id) ?? { numExamples: 0 }])),
      metrics: secure.metrics,
      bytesSent: paramBytes * req.clients.length + secure.bytesSent,
      bytesReceived: secure.bytesReceived,
      ...(trained.overhead === undefined ? {} : { overhead: trained.overhead }),
    };
  }

  async evaluate(req: EvaluateRequest): Promise<EvaluateOutcome> {
    const results: ClientEvaluation[] = [];
    const failures: FitFailure[] = [];
    if (!this.opts.canEvaluate) return { results, failures, bytesSent: 0, bytesReceived: 0 };
    await Promise.all(
      req.clients.map(async (clientId) => {
        try {
          const r = await this.opts.workers.evaluate({ kind: 'evaluate', params: req.params.slice(), client: this.clientIndex(clientId) });
          results.push({ clientId, numExamples: r.numExamples, loss: r.loss, accuracy: r.accuracy });
        } catch (err) {
          failures.push({ clientId, reason: messageOf(err) });
        }
      }),
    );
    return { results, failures, bytesSent: req.params.byteLength * req.clients.length, bytesReceived: 0 };
  }

  /** The clients' algorithm state (e.g. `control/<client id>`), so a checkpoint resumes exactly. */
  getState(): Vectors {
    const out: Vectors = {};
    for (const clientId of [...this.states.keys()].sort()) {
      const state = this.states.get(clientId) ?? {};
      for (const name of Object.keys(state).sort()) out[stateKey(name, clientId)] = state[name];
    }
    return out;
  }

  setState(state: Vectors): void {
    this.states.clear();
    for (const [key, v] of Object.entries(state)) {
      const slash = key.indexOf('/');
      if (slash <= 0) throw new CheckpointError(`simulated pool state: '${key}' is not <state name>/<client id>`, 'resume with the config the run started with');
      const name = key.slice(0, slash);
      const clientId = key.slice(slash + 1);
      this.states.set(clientId, { ...this.states.get(clientId), [name]: v });
    }
  }

  private clientIndex(clientId: string): number {
    const i = this.index.get(clientId);
    if (i === undefined) throw new Error(`unknown simulated client '${clientId}'`);
    return i;
  }
}
