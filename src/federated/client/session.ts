/**
 * A federated client's side of the protocol, without a transport: it turns each message from the
 * server into what to do (a reply to send, a welcome, a refusal, a goodbye). It holds what a
 * client keeps across rounds and reconnections (the task's model and trainer, and the per-client
 * state of its client algorithms, e.g. SCAFFOLD's control variate, kept without knowing what it
 * is). The WebSocket client (network/client.ts) carries its messages; a browser client or a test
 * can carry them any other way. Browser-safe.
 */
import { safeLine } from '../protocol/peer-text.js';
import { AuthRefusedError, JointlyError, messageOf, ProtocolError } from '../../errors.js';
import { signChallenge, type WebCryptoKey } from '../auth/challenge.js';
import { alignToSchema, profileOf } from '../../data/schema.js';
import { datasetLength, type Dataset } from '../../data/dataset.js';
import { parseClientTrainConfig } from '../client-config.js';
import type { Vectors } from '../strategy.js';
import { errorForRefusal, FORMAT_VERSION, type ClientCapabilities, type Message } from '../protocol/messages.js';
import { packParams, unpackParams } from '../protocol/tensors.js';
import { FederatedTaskSchema, taskLayout, taskSchema, type FederatedTask, type TensorLayout } from '../task.js';
import { LocalTrainer } from './local-trainer.js';
import { SecAggClient } from '../secagg/client.js';
import { securePayload } from '../secagg/secure-payload.js';
import {
  inboxFromWire,
  keyListFromWire,
  keysToWire,
  maskedInputToWire,
  setupFromWire,
  sharesToWire,
  unmaskRequestFromWire,
  unmaskToWire,
  type SecAggServerWire,
} from '../protocol/secagg-wire.js';

/** Options of a {@link ClientSession}. */
export interface ClientSessionOptions {
  /** The client's id, sent in `hello` and used in seeds and log lines. */
  clientId: string;
  /** The client's training data; it never leaves the session (only parameters, counts and metrics do). */
  train: Dataset;
  /** Local held-out data for federated evaluation (default: the training data). */
  test?: Dataset;
  /** One line per event worth telling the operator. */
  log: (line: string) => void;
  /**
   * The client's Ed25519 private key (WebCrypto, e.g. from `importPrivateKeyPem`), to answer the
   * server's `challenge` when the operator registered the client's public key. Without it a
   * challenge ends the session with an AuthRefusedError.
   */
  privateKey?: WebCryptoKey | Promise<WebCryptoKey>;
}

/** What a message from the server asks the transport to do. */
export type SessionOutcome =
  /** Send this message back. */
  | { kind: 'reply'; message: Message }
  /** The run accepted the client; send heartbeats at this interval. */
  | { kind: 'welcomed'; heartbeatSeconds: number }
  /** The server refused the client: stop, with this error. */
  | { kind: 'refused'; error: Error }
  /** The server refused this connection for now (e.g. `duplicate`: the client id is still connected): reconnect later. */
  | { kind: 'retry'; reason: string }
  /** The client's data does not fit the server's task: send this goodbye, then stop with this error. */
  | { kind: 'misfit'; error: JointlyError; message: Message }
  /** The server ended the run. */
  | { kind: 'bye'; reason: string }
  /** Nothing to do. */
  | { kind: 'none' };

/**
 * A federated client's protocol state without a transport: {@link ClientSession.hello} opens a
 * connection and {@link ClientSession.handle} turns each server message into a
 * {@link SessionOutcome}. It keeps the task's model and trainer and the client algorithms'
 * per-client state across rounds and reconnections; call `dispose` to free the model.
 */
export class ClientSession {
  private readonly opts: ClientSessionOptions;
  private trainer: LocalTrainer | undefined;
  private task: FederatedTask | undefined;
  private layout: TensorLayout[] | undefined;
  /** The client's data aligned to the server's schema (set by welcome). */
  private train: Dataset | undefined;
  private test: Dataset | undefined;
  /** The client algorithms' per-client state (SCAFFOLD: its cᵢ), kept across rounds and reconnections. */
  private algorithmState: Vectors = {};
  /** The secure round this client trained for: its payload [y − x, 1, extras…] (never sent as is) and, after setup, its SecAgg+ state machine. */
  private secure: { round: number; payload: Float64Array; client?: SecAggClient } | undefined;

  constructor(opts: ClientSessionOptions) {
    this.opts = opts;
  }

  /** The `hello` message that opens every connection; `token` is left out for a client that authenticates by key only. */
  hello(token: string | undefined, capabilities: Omit<ClientCapabilities, 'numExamples'>): Message {
    return {
      type: 'hello',
      protocolVersion: FORMAT_VERSION,
      clientId: this.opts.clientId,
      ...(token === undefined || token === '' ? {} : { token }),
      capabilities: { ...capabilities, numExamples: datasetLength(this.opts.train), data: profileOf(this.opts.train) },
    };
  }

  /** Handles one message from the server. Failures to do the work become an `error` reply, never a throw. */
  async handle(msg: Message): Promise<SessionOutcome> {
    try {
      switch (msg.type) {
        case 'welcome': {
          const misfit = this.welcome(msg);
          if (misfit !== undefined) return { kind: 'misfit', error: misfit, message: { type: 'bye', reason: `client '${this.opts.clientId}' cannot join: ${misfit.message}` } };
          return { kind: 'welcomed', heartbeatSeconds: msg.heartbeatSeconds };
        }
        case 'challenge': {
          if (this.opts.privateKey === undefined) {
            return { kind: 'refused', error: new AuthRefusedError(`the server asks client '${this.opts.clientId}' to sign a challenge, but it has no key`, 'give the client its private key (keyFile in its config, or --key), made by jointly key generate and registered by the operator') };
          }
          const signature = await signChallenge(await this.opts.privateKey, { runId: msg.runId, server: msg.server, clientId: this.opts.clientId, nonce: msg.nonce });
          this.opts.log(`signed the challenge of ${safeLine(msg.server, 200)} (run ${safeLine(msg.runId, 200)})`);
          return { kind: 'reply', message: { type: 'challengeAnswer', nonce: msg.nonce, signature } };
        }
        case 'refuse':
          if (msg.code === 'duplicate') {
            this.opts.log(`the server refused this connection for now: ${safeLine(msg.reason)}`);
            return { kind: 'retry', reason: msg.reason };
          }
          return { kind: 'refused', error: errorForRefusal(msg) };
        case 'fit':
          return { kind: 'reply', message: await this.fit(msg) };
        case 'evaluate':
          return { kind: 'reply', message: this.evaluate(msg) };
        case 'secaggSetup':
        case 'secaggKeyList':
        case 'secaggInbox':
        case 'secaggUnmaskRequest':
          return { kind: 'reply', message: await this.secureStage(msg) };
        case 'error':
          this.opts.log(`the server refused a message${msg.round === undefined ? '' : ` of round ${msg.round}`}: ${safeLine(msg.code)}: ${safeLine(msg.message)}`);
          return { kind: 'none' };
        case 'bye':
          this.opts.log(`the server says bye: ${safeLine(msg.reason)}`);
          return { kind: 'bye', reason: msg.reason };
        case 'heartbeat':
          return { kind: 'none' };
        default:
          return { kind: 'reply', message: { type: 'error', code: 'protocol', message: `a server may not send '${msg.type}' messages` } };
      }
    } catch (err) {
      this.opts.log(`cannot handle ${msg.type}: ${safeLine(messageOf(err), 400)}`);
      const round = 'round' in msg && typeof msg.round === 'number' ? msg.round : undefined;
      return { kind: 'reply', message: { type: 'error', code: 'client', message: messageOf(err), ...(round === undefined ? {} : { round }) } };
    }
  }

  /** Frees the model and trainer. */
  dispose(): void {
    this.trainer?.dispose();
    this.trainer = undefined;
  }

  /**
   * Takes the server's task: its model, and its schema, through which the client's data is
   * aligned (labels mapped to the federation's class indices, columns reordered by name).
   * Returns the error when the data does not fit, so that the client leaves before training.
   */
  private welcome(msg: Extract<Message, { type: 'welcome' }>): JointlyError | undefined {
    const parsed = FederatedTaskSchema.safeParse(msg.task);
    if (!parsed.success) throw new ProtocolError(`the server's task is not understood: ${parsed.error.issues[0].message}`, 'run the same jointly version on server and clients');
    const schema = taskSchema(parsed.data);
    const against = 'the federation';
    try {
      this.train = alignToSchema(this.opts.train, schema, { source: `client '${this.opts.clientId}': training data`, against });
      this.test = this.opts.test === undefined ? undefined : alignToSchema(this.opts.test, schema, { source: `client '${this.opts.clientId}': held-out data`, against });
    } catch (err) {
      if (err instanceof JointlyError) return err;
      throw err;
    }
    const same = this.task !== undefined && JSON.stringify(this.task) === JSON.stringify(parsed.data);
    if (!same) {
      this.trainer?.dispose();
      this.task = parsed.data;
      this.trainer = new LocalTrainer(parsed.data);
      this.layout = taskLayout(this.trainer.model);
      this.algorithmState = {};
    }
    this.opts.log(`joined run ${safeLine(msg.runId, 200)}`);
    return undefined;
  }

  private async fit(msg: Extract<Message, { type: 'fit' }>): Promise<Message> {
    const { trainer, layout } = this.ready();
    // A new fit ends whatever secure round was left unfinished.
    this.secure = undefined;
    const global = unpackParams(msg.params, layout);
    const config = parseClientTrainConfig(msg.config);
    const started = performance.now();
    const result = await trainer.fit({ data: this.ready().train, clientId: this.opts.clientId, global, config, extras: { ...msg.extras }, clientState: this.algorithmState });
    this.algorithmState = { ...this.algorithmState, ...result.clientState };
    const durationSeconds = (performance.now() - started) / 1000;
    this.opts.log(`round ${msg.round}: trained on ${result.numExamples} examples in ${durationSeconds.toFixed(1)} s, loss ${result.metrics.loss.toFixed(4)}`);
    if (msg.secure !== undefined) {
      // Secure round: the update stays here; only the masked payload will leave, summed with the others'.
      this.secure = { round: msg.round, payload: securePayload(global, result.params, result.extras, msg.secure.summedExtras) };
      this.opts.log(`round ${msg.round}: ready for secure aggregation (${msg.secure.protocol}); the update is not sent in the clear`);
      return { type: 'secureReady', round: msg.round, numExamples: result.numExamples, metrics: result.metrics, durationSeconds };
    }
    return {
      type: 'fitReply',
      round: msg.round,
      numExamples: result.numExamples,
      metrics: result.metrics,
      delta: false,
      // A compressed round sends the encoded update instead of the parameters.
      params: result.encoded === undefined ? packParams(layout, result.params) : [],
      extras: result.extras,
      ...(result.encoded === undefined ? {} : { data: { update: { shape: [result.encoded.length], values: result.encoded } } }),
      durationSeconds,
    };
  }

  /** One SecAgg+ stage: the server's message in, this client's answer out (ProtocolError for a message it refuses). */
  private async secureStage(msg: SecAggServerWire): Promise<Message> {
    const s = this.secure;
    if (s === undefined || s.round !== msg.round) {
      throw new ProtocolError(`${msg.type} for round ${msg.round}, but this client trained for no secure round ${msg.round}`);
    }
    if (msg.type === 'secaggSetup') {
      if (s.client !== undefined) throw new ProtocolError(`a second secaggSetup for round ${msg.round}; refused`);
      const { setup, you } = setupFromWire(msg);
      if (setup.vectorLength !== s.payload.length) {
        throw new ProtocolError(`secaggSetup: the round's vector length is ${setup.vectorLength}, but this client's payload has ${s.payload.length} values`, 'server and client must use the same task and strategy');
      }
      s.client = new SecAggClient(you, setup);
      return keysToWire(await s.client.advertiseKeys());
    }
    const client = s.client;
    if (client === undefined) throw new ProtocolError(`${msg.type} for round ${msg.round} before its secaggSetup`);
    switch (msg.type) {
      case 'secaggKeyList':
        return sharesToWire(await client.shareSecrets(keyListFromWire(msg)));
      case 'secaggInbox':
        return maskedInputToWire(await client.maskInput(inboxFromWire(msg), s.payload));
      case 'secaggUnmaskRequest': {
        const reply = unmaskToWire(client.unmask(unmaskRequestFromWire(msg)));
        this.opts.log(`round ${msg.round}: revealed ${reply.shares.length} shares for the secure sum`);
        this.secure = undefined;
        return reply;
      }
    }
  }

  private evaluate(msg: Extract<Message, { type: 'evaluate' }>): Message {
    const { trainer, layout } = this.ready();
    const scores = trainer.evaluate(unpackParams(msg.params, layout), this.ready().test ?? this.ready().train);
    return { type: 'evaluateReply', round: msg.round, numExamples: scores.numExamples, metrics: { loss: scores.loss, accuracy: scores.accuracy } };
  }

  private ready(): { trainer: LocalTrainer; layout: TensorLayout[]; train: Dataset; test: Dataset | undefined } {
    if (this.trainer === undefined || this.layout === undefined || this.train === undefined) throw new ProtocolError('asked to work before the welcome message', 'the server must send welcome first');
    return { trainer: this.trainer, layout: this.layout, train: this.train, test: this.test };
  }
}
