/**
 * The simulation's ClientPool: virtual clients trained on worker threads. Every client is
 * always available; a client whose task fails (e.g. a NaN loss) is a failure of that round,
 * like a networked client that sent a bad reply. Bytes are counted as the wire format would
 * send them (float32 parameters and extras).
 */
import { messageOf } from '../../errors.js';
import type { ParsedClientTrainConfig } from '../client-config.js';
import { parseClientTrainConfig } from '../client-config.js';
import type { FitFailure, FitReply, Vectors } from '../strategy.js';
import type { ClientEvaluation, ClientPool, EvaluateOutcome, EvaluateRequest, FitOutcome, FitRequest } from '../server/client-pool.js';
import type { AttackSpecValue } from './worker-protocol.js';
import type { WorkerPool } from './worker-pool.js';

export interface SimulatedPoolOptions {
  workers: WorkerPool;
  /** Client ids, index i ↔ partition i. */
  clientIds: readonly string[];
  /** Attack per malicious client id. */
  attacks: ReadonlyMap<string, AttackSpecValue>;
  seed: number;
  /** Whether clients hold out data for federated evaluation. */
  canEvaluate: boolean;
  /** Called when a client task finishes (for progress bars). */
  onTaskDone?: () => void;
}

function vectorBytes(v: Vectors): number {
  return Object.values(v).reduce((s, x) => s + x.byteLength, 0);
}

export class SimulatedClientPool implements ClientPool {
  private readonly opts: SimulatedPoolOptions;
  private readonly index: Map<string, number>;
  /** SCAFFOLD control variates of the clients that have taken part. */
  private readonly controls = new Map<string, Float32Array>();

  constructor(opts: SimulatedPoolOptions) {
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
    await Promise.all(
      req.clients.map(async (clientId) => {
        const attack = this.opts.attacks.get(clientId);
        const clientControl = config.scaffold ? this.controls.get(clientId) : undefined;
        const extras: Vectors = {};
        for (const [k, v] of Object.entries(req.instructions.extras)) extras[k] = v.slice();
        bytesSent += req.params.byteLength + vectorBytes(extras);
        try {
          const r = await this.opts.workers.fit({
            kind: 'fit',
            client: this.clientIndex(clientId),
            clientId,
            global: req.params.slice(),
            config,
            extras,
            clientControl: clientControl?.slice(),
            attack,
            attackRound: attack === undefined ? undefined : { seed: this.opts.seed, round: req.round },
          });
          bytesReceived += r.params.byteLength + vectorBytes(r.extras);
          if (r.clientControl !== undefined) this.controls.set(clientId, r.clientControl);
          replies.push({ clientId, params: r.params, numExamples: r.numExamples, metrics: r.metrics, extras: r.extras });
        } catch (err) {
          failures.push({ clientId, reason: messageOf(err) });
        } finally {
          this.opts.onTaskDone?.();
        }
      }),
    );
    return { replies, failures, bytesSent, bytesReceived };
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

  /** The clients' SCAFFOLD control variates, so a checkpoint resumes exactly. */
  getState(): Vectors {
    return Object.fromEntries([...this.controls.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, v]) => [`control/${id}`, v]));
  }

  setState(state: Vectors): void {
    this.controls.clear();
    for (const [k, v] of Object.entries(state)) if (k.startsWith('control/')) this.controls.set(k.slice('control/'.length), v);
  }

  private clientIndex(clientId: string): number {
    const i = this.index.get(clientId);
    if (i === undefined) throw new Error(`unknown simulated client '${clientId}'`);
    return i;
  }
}
