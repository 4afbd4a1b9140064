/**
 * The networked runtime's client side: connects to a server (ws:// or wss://), authenticates
 * with its token, then trains and evaluates on its own data when asked. Its data never leaves
 * the process: only parameters, example counts and metrics are sent. Reconnects after a lost
 * connection, with backoff.
 */
import { readFileSync } from 'node:fs';
import { WebSocket, type RawData } from 'ws';
import { ConfigError, messageOf, NetworkError, ProtocolError } from '../../errors.js';
import { datasetLength, type Dataset } from '../../data/dataset.js';
import { LocalTrainer } from '../client/local-trainer.js';
import { parseClientTrainConfig } from '../client-config.js';
import { decodeMessage, encodeMessage } from '../protocol/codec.js';
import { rawDataBytes } from './raw-data.js';
import { errorForRefusal, FORMAT_VERSION, type Message } from '../protocol/messages.js';
import { packParams, unpackParams } from '../protocol/tensors.js';
import { FederatedTaskSchema, taskLayout, type FederatedTask, type TensorLayout } from '../task.js';

export interface ClientOptions {
  /** ws://host:port or wss://host:port. */
  url: string;
  clientId: string;
  token: string;
  train: Dataset;
  /** Local held-out data for federated evaluation (default: the training data). */
  test?: Dataset;
  backend: string;
  /** PEM file of the CA (or self-signed certificate) to trust for wss://. */
  caPath?: string;
  /** Give up after this many failed connection attempts in a row. Default 10. */
  maxRetries?: number;
  /** Largest message accepted, in bytes. Default 256 MiB. */
  maxMessageBytes?: number;
  jointlyVersion: string;
  log: (line: string) => void;
}

/** Why the client stopped. */
export type ClientExit = { reason: 'finished'; message: string } | { reason: 'stopped' };

export class FederatedClient {
  private readonly opts: ClientOptions;
  private trainer: LocalTrainer | undefined;
  private task: FederatedTask | undefined;
  private layout: TensorLayout[] | undefined;
  /** SCAFFOLD: this client's control variate, kept across rounds and reconnections. */
  private control: Float32Array | undefined;
  private readonly ca: Buffer | undefined;

  constructor(opts: ClientOptions) {
    this.opts = opts;
    if (opts.caPath !== undefined) {
      try {
        this.ca = readFileSync(opts.caPath);
      } catch (err) {
        throw new ConfigError('ca', `cannot read ${opts.caPath}: ${messageOf(err)}`, 'give the PEM file of the server\'s certificate or its CA');
      }
    }
  }

  /** Connects and serves until the server ends the run, the signal aborts, or reconnection fails. */
  async run(signal: AbortSignal): Promise<ClientExit> {
    const maxRetries = this.opts.maxRetries ?? 10;
    let failures = 0;
    try {
      for (;;) {
        if (signal.aborted) return { reason: 'stopped' };
        const outcome = await this.session(signal);
        if (outcome.kind === 'finished') return { reason: 'finished', message: outcome.message };
        if (outcome.kind === 'stopped') return { reason: 'stopped' };
        if (outcome.welcomed) failures = 0;
        failures++;
        if (failures > maxRetries) {
          throw new NetworkError(`cannot reach the server at ${this.opts.url} after ${maxRetries} attempts: ${outcome.message}`, 'check the address, that the server runs, and the network between them');
        }
        const delay = Math.min(30_000, 500 * 2 ** (failures - 1));
        this.opts.log(`connection lost (${outcome.message}); retrying in ${(delay / 1000).toFixed(1)} s (attempt ${failures} of ${maxRetries})`);
        await sleep(delay, signal);
      }
    } finally {
      this.trainer?.dispose();
    }
  }

  /** One connection, from open to close. */
  private session(signal: AbortSignal): Promise<{ kind: 'finished'; message: string } | { kind: 'stopped' } | { kind: 'lost'; message: string; welcomed: boolean }> {
    return new Promise((resolve, reject) => {
      const maxMessageBytes = this.opts.maxMessageBytes ?? 256 * 1024 * 1024;
      const ws = new WebSocket(this.opts.url, { maxPayload: maxMessageBytes, perMessageDeflate: false, ...(this.ca === undefined ? {} : { ca: this.ca }) });
      let welcomed = false;
      let finished: string | undefined;
      let refused: Error | undefined;
      let lastError = '';
      let heartbeat: NodeJS.Timeout | undefined;
      let seq = 0;
      let queue = Promise.resolve();
      const send = (msg: Message): void => {
        if (ws.readyState === ws.OPEN) ws.send(encodeMessage(msg), { binary: true });
      };
      const onAbort = (): void => {
        send({ type: 'bye', reason: 'client stopping' });
        ws.close(1000, 'client stopping');
      };
      signal.addEventListener('abort', onAbort);
      ws.on('open', () => {
        send({
          type: 'hello',
          protocolVersion: FORMAT_VERSION,
          clientId: this.opts.clientId,
          token: this.opts.token,
          capabilities: { backend: this.opts.backend, numExamples: datasetLength(this.opts.train), maxMessageBytes, jointlyVersion: this.opts.jointlyVersion },
        });
      });
      ws.on('message', (data: RawData) => {
        let msg: Message;
        try {
          msg = decodeMessage(rawDataBytes(data), { maxMessageBytes });
        } catch (err) {
          this.opts.log(`unreadable message from the server: ${messageOf(err)}`);
          send({ type: 'error', code: 'protocol', message: messageOf(err) });
          return;
        }
        // One message at a time, in order: training is long and must not interleave.
        queue = queue.then(async () => {
          try {
            switch (msg.type) {
              case 'welcome':
                this.welcome(msg);
                welcomed = true;
                heartbeat = setInterval(() => send({ type: 'heartbeat', seq: seq++, sentAt: Date.now() }), msg.heartbeatSeconds * 1000);
                heartbeat.unref();
                return;
              case 'refuse':
                refused = errorForRefusal(msg);
                return;
              case 'fit':
                send(await this.fit(msg));
                return;
              case 'evaluate':
                send(this.evaluate(msg));
                return;
              case 'error':
                this.opts.log(`the server refused a message${msg.round === undefined ? '' : ` of round ${msg.round}`}: ${msg.code}: ${msg.message}`);
                return;
              case 'bye':
                finished = msg.reason;
                this.opts.log(`the server says bye: ${msg.reason}`);
                return;
              case 'heartbeat':
                return;
              default:
                send({ type: 'error', code: 'protocol', message: `a server may not send '${msg.type}' messages` });
            }
          } catch (err) {
            this.opts.log(`cannot handle ${msg.type}: ${messageOf(err)}`);
            const round = msg.type === 'fit' || msg.type === 'evaluate' ? msg.round : undefined;
            send({ type: 'error', code: 'client', message: messageOf(err), ...(round === undefined ? {} : { round }) });
          }
        });
      });
      ws.on('error', (err) => {
        lastError = err.message;
      });
      ws.on('close', (code, reason) => {
        if (heartbeat !== undefined) clearInterval(heartbeat);
        signal.removeEventListener('abort', onAbort);
        void queue.then(() => {
          if (refused !== undefined) reject(refused);
          else if (signal.aborted) resolve({ kind: 'stopped' });
          else if (finished !== undefined) resolve({ kind: 'finished', message: finished });
          else resolve({ kind: 'lost', message: lastError || `closed with code ${code}${reason.length > 0 ? ` (${reason.toString()})` : ''}`, welcomed });
        });
      });
    });
  }

  private welcome(msg: Extract<Message, { type: 'welcome' }>): void {
    const parsed = FederatedTaskSchema.safeParse(msg.task);
    if (!parsed.success) throw new ProtocolError(`the server's task is not understood: ${parsed.error.issues[0].message}`, 'run the same jointly version on server and clients');
    const same = this.task !== undefined && JSON.stringify(this.task) === JSON.stringify(parsed.data);
    if (!same) {
      this.trainer?.dispose();
      this.task = parsed.data;
      this.trainer = new LocalTrainer(parsed.data);
      this.layout = taskLayout(this.trainer.model);
      this.control = undefined;
    }
    this.opts.log(`joined run ${msg.runId}`);
  }

  private async fit(msg: Extract<Message, { type: 'fit' }>): Promise<Message> {
    const { trainer, layout } = this.ready();
    const global = unpackParams(msg.params, layout);
    const config = parseClientTrainConfig(msg.config);
    const started = performance.now();
    const result = await trainer.fit({ data: this.opts.train, clientId: this.opts.clientId, global, config, extras: { ...msg.extras }, clientControl: this.control });
    if (result.clientControl !== undefined) this.control = result.clientControl;
    const durationSeconds = (performance.now() - started) / 1000;
    this.opts.log(`round ${msg.round}: trained on ${result.numExamples} examples in ${durationSeconds.toFixed(1)} s, loss ${result.metrics.loss.toFixed(4)}`);
    return {
      type: 'fitReply',
      round: msg.round,
      numExamples: result.numExamples,
      metrics: result.metrics,
      delta: false,
      params: packParams(layout, result.params),
      extras: result.extras,
      durationSeconds,
    };
  }

  private evaluate(msg: Extract<Message, { type: 'evaluate' }>): Message {
    const { trainer, layout } = this.ready();
    const scores = trainer.evaluate(unpackParams(msg.params, layout), this.opts.test ?? this.opts.train);
    return { type: 'evaluateReply', round: msg.round, numExamples: scores.numExamples, metrics: { loss: scores.loss, accuracy: scores.accuracy } };
  }

  private ready(): { trainer: LocalTrainer; layout: TensorLayout[] } {
    if (this.trainer === undefined || this.layout === undefined) throw new ProtocolError('asked to work before the welcome message', 'the server must send welcome first');
    return { trainer: this.trainer, layout: this.layout };
  }
}


/** Waits `ms`, or less if the signal aborts; leaves no listener behind either way. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
