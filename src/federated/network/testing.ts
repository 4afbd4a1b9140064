/**
 * Helpers shared by the networked runtime's tests: a tiny task, tiny data, a server started on
 * a free loopback port with registered clients, and a raw protocol client (a bare `ws` socket
 * that speaks the jointly frames by hand, so a test can make it misbehave). Not part of the
 * package's API.
 */
import { createServer } from 'node:net';
import { WebSocket, type ClientOptions as WsClientOptions, type RawData } from 'ws';
import type { Dataset } from '../../data/dataset.js';
import { readParams } from '../../engine/flat-params.js';
import { randomValues } from '../../engine/testing.js';
import { addClient, emptyTokenFile, type TokenFile } from '../auth/tokens.js';
import { decodeMessage, encodeMessage } from '../protocol/codec.js';
import { FORMAT_VERSION, type Message, type MessageOf, type MessageType } from '../protocol/messages.js';
import { buildTaskModel, FederatedTaskSchema, taskLayout, type FederatedTask, type TensorLayout } from '../task.js';
import { LocalTrainer } from '../client/local-trainer.js';
import { Coordinator, type CoordinatorResult } from '../server/coordinator.js';
import type { Strategy } from '../strategy.js';
import { FederatedClient } from './client.js';
import { FederatedServer, type ServerOptions } from './server.js';
import { rawDataBytes } from './raw-data.js';

/** A model small enough to train in milliseconds: 3 inputs, one hidden layer of 4, 2 classes. */
export const TINY_TASK: FederatedTask = FederatedTaskSchema.parse({
  model: { type: 'mlp', hidden: [4] },
  optimizer: { name: 'sgd', learningRate: 0.1, momentum: 0 },
  inputShape: [3],
  numClasses: 2,
});

/** The tiny task's layout and initial parameters (needs a tfjs backend: call selectBackend first). */
export function tinyModel(): { layout: TensorLayout[]; params: Float32Array } {
  const model = buildTaskModel(TINY_TASK, 0);
  try {
    return { layout: taskLayout(model), params: readParams(model) };
  } finally {
    model.dispose();
  }
}

/** `n` samples of 3 features with labels 0/1 (the sign of the first feature). */
export function tinyDataset(n = 20, seed = 1): Dataset {
  const features = randomValues(n * 3, seed);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = features[i * 3] > 0 ? 1 : 0;
  return { features, sampleShape: [3], labels, numClasses: 2 };
}

/** Registers `ids` in a fresh token file; returns the file and each id's token. */
export function registerClients(ids: readonly string[]): { file: TokenFile; tokens: Record<string, string> } {
  let file = emptyTokenFile();
  const tokens: Record<string, string> = {};
  for (const id of ids) {
    const added = addClient(file, id);
    file = added.file;
    tokens[id] = added.token;
  }
  return { file, tokens };
}

export interface TestServer {
  server: FederatedServer;
  url: string;
  /** Every line the server logged, in order. */
  logs: string[];
  /** Token of each registered client. */
  tokens: Record<string, string>;
  layout: TensorLayout[];
  /** The tiny model's initial parameters (the usual `params` of a fit request). */
  params: Float32Array;
  /** Closes the server (idempotent). */
  close: (reason?: string, runFinished?: boolean) => Promise<void>;
}

/** Starts a FederatedServer on 127.0.0.1 (a free port unless given) with the tiny task and `ids` registered. */
export async function startServer(ids: readonly string[], overrides: Partial<ServerOptions> = {}): Promise<TestServer> {
  const { layout, params } = tinyModel();
  const { file, tokens } = registerClients(ids);
  const logs: string[] = [];
  const server = new FederatedServer({
    host: '127.0.0.1',
    port: 0,
    runId: 'test-run',
    task: TINY_TASK,
    layout,
    tokens: file,
    heartbeatSeconds: 60,
    maxMessageBytes: 1 << 20,
    maxHelloBytes: 64 * 1024,
    limits: { maxPending: 64, maxPendingPerAddress: 8, handshakeSeconds: 10, maxAuthFailuresPerMinute: 10 },
    allowTakeover: false,
    clientTimeoutSeconds: 600,
    maxExamplesPerClient: 1_000_000,
    log: (line) => logs.push(line),
    ...overrides,
  });
  const url = await server.listen();
  let closed: Promise<void> | undefined;
  const close = (reason = 'test over', runFinished = false): Promise<void> => (closed ??= server.close(reason, runFinished));
  return { server, url, logs, tokens, layout, params, close };
}

/** The port of a ws:// or wss:// URL. */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Resolves when `check` returns true (polled every 10 ms); rejects after `timeoutMs`. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A frame as received: the decoded message, or why it could not be decoded. */
type Received = { msg: Message } | { undecodable: string };

interface Pending {
  type: MessageType;
  resolve: (msg: Message) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A bare protocol client over `ws`: sends whatever bytes a test wants and queues what the server
 * sends back. `next(type)` takes the first not-yet-taken message of that type, waiting for it.
 */
export class RawClient {
  readonly ws: WebSocket;
  /** Every message received, in order (taken ones included). */
  readonly received: Received[] = [];
  /** Resolves with the close code and reason once the connection is closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly taken = new Set<Message>();
  private readonly pending = new Set<Pending>();
  /** Called for every decoded message (after it is queued); lets a test answer a fit as it arrives. */
  onMessage: ((msg: Message) => void) | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        for (const p of this.pending) {
          clearTimeout(p.timer);
          p.reject(new Error(`connection closed (${code}) while waiting for ${p.type}`));
        }
        this.pending.clear();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('message', (data: RawData) => {
      let msg: Message;
      try {
        msg = decodeMessage(rawDataBytes(data));
      } catch (err) {
        this.received.push({ undecodable: (err as Error).message });
        return;
      }
      this.received.push({ msg });
      for (const p of this.pending) {
        if (p.type === msg.type && !this.taken.has(msg)) {
          this.taken.add(msg);
          this.pending.delete(p);
          clearTimeout(p.timer);
          p.resolve(msg);
          break;
        }
      }
      this.onMessage?.(msg);
    });
    // Errors end in 'close'; a test that cares inspects `closed`.
    ws.on('error', () => undefined);
  }

  /** Opens a connection (waits for it to be open). */
  static async connect(url: string, options: WsClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** Connects and says hello; does not wait for the answer. */
  static async hello(url: string, clientId: string, token: string, numExamples = 20): Promise<RawClient> {
    const client = await RawClient.connect(url);
    client.send({
      type: 'hello',
      protocolVersion: FORMAT_VERSION,
      clientId,
      token,
      capabilities: { backend: 'none', numExamples, maxMessageBytes: 1 << 20, jointlyVersion: 'test' },
    });
    return client;
  }

  /** Connects, says hello and waits for `welcome`. */
  static async join(url: string, clientId: string, token: string, numExamples = 20): Promise<RawClient> {
    const client = await RawClient.hello(url, clientId, token, numExamples);
    await client.next('welcome');
    return client;
  }

  send(msg: Message): void {
    this.sendBytes(encodeMessage(msg));
  }

  sendBytes(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: true });
  }

  sendText(text: string): void {
    this.ws.send(text, { binary: false });
  }

  /** The first message of `type` not yet taken, waiting up to `timeoutMs` for it. */
  next<T extends MessageType>(type: T, timeoutMs = 5000): Promise<MessageOf<T>> {
    for (const r of this.received) {
      if ('msg' in r && r.msg.type === type && !this.taken.has(r.msg)) {
        this.taken.add(r.msg);
        return Promise.resolve(r.msg as MessageOf<T>);
      }
    }
    return new Promise<MessageOf<T>>((resolve, reject) => {
      const p: Pending = {
        type,
        resolve: (msg) => resolve(msg as MessageOf<T>),
        reject,
        timer: setTimeout(() => {
          this.pending.delete(p);
          reject(new Error(`no '${type}' message within ${timeoutMs} ms; received: ${this.describe()}`));
        }, timeoutMs),
      };
      this.pending.add(p);
    });
  }

  /** The types of the messages received so far, for failure messages. */
  describe(): string {
    return this.received.map((r) => ('msg' in r ? r.msg.type : `undecodable(${r.undecodable})`)).join(', ') || 'nothing';
  }

  /** Whether the connection is open. */
  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Closes the connection and waits for it to be closed (at most 1 s, then terminates). */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000, 'test done');
    const timer = setTimeout(() => this.ws.terminate(), 1000);
    await this.closed;
    clearTimeout(timer);
  }
}

/** A valid fit reply to `fit` that sends its parameters back unchanged. */
export function echoReply(fit: MessageOf<'fit'>, numExamples = 20): MessageOf<'fitReply'> {
  return {
    type: 'fitReply',
    round: fit.round,
    numExamples,
    metrics: { loss: 0.5 },
    delta: false,
    params: fit.params.map((t) => ({ name: t.name, shape: [...t.shape], values: t.values.slice() })),
    extras: {},
    durationSeconds: 0.01,
  };
}

/** What {@link runLoopbackFederation} runs. */
export interface LoopbackFederation {
  /** The strategy the coordinator drives. */
  strategy: Strategy;
  /** Clients `site-0` … each with `tinyDataset(40, 10 + i)`. */
  clients: number;
  rounds: number;
}

/** What {@link runLoopbackFederation} returns. */
export interface LoopbackResult {
  result: CoordinatorResult;
  /** The global model's parameters before round 1. */
  initial: Float32Array;
  /** Accuracy on the held-out set (`tinyDataset(200, 99)`) of the initial parameters. */
  initialAccuracy: number;
}

/**
 * A whole federation on loopback: a FederatedServer with `clients` real WebSocket clients training
 * the tiny task, all sampled every round, the global model scored on a held-out set after each
 * round. Tears everything down afterwards.
 */
export async function runLoopbackFederation(o: LoopbackFederation): Promise<LoopbackResult> {
  const ids = Array.from({ length: o.clients }, (_, i) => `site-${i}`);
  const ts = await startServer(ids);
  const stop = new AbortController();
  const evaluator = new LocalTrainer(TINY_TASK);
  const heldOut = tinyDataset(200, 99);
  const clients = ids.map(
    (id, i) => new FederatedClient({ url: ts.url, clientId: id, token: ts.tokens[id], train: tinyDataset(40, 10 + i), backend: 'cpu', maxRetries: 0, jointlyVersion: 'test', log: () => undefined }),
  );
  const running = clients.map((c) => c.run(stop.signal));
  try {
    const initialAccuracy = evaluator.evaluate(ts.params, heldOut).accuracy;
    const coordinator = new Coordinator({
      runId: 'test-run',
      strategy: o.strategy,
      pool: ts.server,
      settings: { rounds: o.rounds, fraction: 1, minFit: o.clients, minAvailable: o.clients, roundTimeoutSeconds: 60, evaluateEvery: 0, evaluateFraction: 1, seed: 2 },
      layout: ts.layout,
      initialParams: ts.params,
      evaluateGlobal: (params) => {
        const s = evaluator.evaluate(params, heldOut);
        return { loss: s.loss, accuracy: s.accuracy };
      },
      numClients: () => o.clients,
    });
    const result = await coordinator.run(new AbortController().signal);
    return { result, initial: ts.params, initialAccuracy };
  } finally {
    await ts.close('run finished', true);
    stop.abort();
    await Promise.all(running);
    evaluator.dispose();
  }
}
