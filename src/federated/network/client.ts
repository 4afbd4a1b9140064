/**
 * The networked runtime's client side over WebSocket: connects to a server (ws:// or wss://),
 * authenticates with its token, then trains and evaluates on its own data when asked. The
 * protocol itself (what to answer to each message) is the transport-independent ClientSession;
 * this file carries its messages and reconnects after a lost connection, with backoff. The data
 * never leaves the process: only parameters, example counts and metrics are sent.
 */
import { readFileSync } from 'node:fs';
import { WebSocket, type RawData } from 'ws';
import { ConfigError, messageOf, NetworkError, ProtocolError } from '../../errors.js';
import type { Dataset } from '../../data/dataset.js';
import { importPrivateKeyPem, type WebCryptoKey } from '../auth/challenge.js';
import { ClientSession } from '../client/session.js';
import { decodeMessage, encodeMessage } from '../protocol/codec.js';
import { safeLine } from '../protocol/peer-text.js';
import { permanentConnectError, unreachableHint } from './connect-error.js';
import { rawDataBytes } from './raw-data.js';
import type { Message } from '../protocol/messages.js';

/** Options of a {@link FederatedClient}. */
export interface ClientOptions {
  /** ws://host:port or wss://host:port. */
  url: string;
  /** The client's id, as registered in the server's token file. */
  clientId: string;
  /** The client's secret token, sent in `hello`; leave it out for a client registered by key only. */
  token?: string;
  /** PKCS#8 PEM file of the client's Ed25519 private key (`jointly key generate`), to answer the server's challenge. */
  keyPath?: string;
  /** PEM files of the client's TLS certificate and its private key, for a server that asks for one (mutual TLS, server.clientCa). */
  tlsCertPath?: string;
  /** Private key (PEM) of `tlsCertPath`; give both or neither. */
  tlsKeyPath?: string;
  /** The client's training data; it never leaves the process. */
  train: Dataset;
  /** Local held-out data for federated evaluation (default: the training data). */
  test?: Dataset;
  /** Name of the tensor backend, reported to the server in `hello`. */
  backend: string;
  /** PEM file of the CA (or self-signed certificate) to trust for wss://. */
  caPath?: string;
  /** Give up after this many failed connection attempts in a row. Default 10. */
  maxRetries?: number;
  /** Largest message accepted, in bytes. Default 256 MiB. */
  maxMessageBytes?: number;
  /** The jointly version, reported to the server in `hello`. */
  jointlyVersion: string;
  /** Called with one line per event worth telling the operator (connections, retries, rounds). */
  log: (line: string) => void;
}

/** A connection that ended without the run ending: retried, unless its error is a permanent mistake. */
interface LostConnection {
  kind: 'lost';
  message: string;
  /** The server welcomed the client on this connection. */
  welcomed: boolean;
  /** The WebSocket handshake completed. */
  opened: boolean;
  /** The last socket or TLS error, if any. */
  error: (Error & { code?: string }) | undefined;
  /** The server refused this connection for now (`duplicate`): retry later without counting an attempt. */
  retryLater?: boolean;
}

/** Why the client stopped. */
export type ClientExit = { reason: 'finished'; message: string } | { reason: 'stopped' };

/**
 * A federated client over WebSocket: {@link FederatedClient.run} connects, authenticates, trains
 * and evaluates on its own data when the server asks, and reconnects with backoff after a lost
 * connection. The constructor throws ConfigError when `caPath` cannot be read.
 */
export class FederatedClient {
  private readonly opts: ClientOptions;
  /** The protocol state, kept across reconnections. */
  private readonly session: ClientSession;
  private readonly ca: Buffer | undefined;
  /** The client certificate and its key (mutual TLS). */
  private readonly clientCert: { cert: Buffer; key: Buffer } | undefined;
  /** The private key being imported (its failure is reported by run). */
  private readonly privateKey: Promise<WebCryptoKey> | undefined;

  constructor(opts: ClientOptions) {
    this.opts = opts;
    const read = (path: string, field: string, hint: string): Buffer => {
      try {
        return readFileSync(path);
      } catch (err) {
        throw new ConfigError(field, `cannot read ${path}: ${messageOf(err)}`, hint);
      }
    };
    if (opts.caPath !== undefined) this.ca = read(opts.caPath, 'ca', 'give the PEM file of the server\'s certificate or its CA');
    if ((opts.tlsCertPath === undefined) !== (opts.tlsKeyPath === undefined)) throw new ConfigError('tlsCert', 'give both tlsCert and tlsKey (the client certificate and its private key), or neither');
    if (opts.tlsCertPath !== undefined && opts.tlsKeyPath !== undefined) {
      const hint = 'give the PEM files of the client certificate the operator\'s CA issued, and of its private key';
      this.clientCert = { cert: read(opts.tlsCertPath, 'tlsCert', hint), key: read(opts.tlsKeyPath, 'tlsKey', hint) };
    }
    if (opts.keyPath !== undefined) {
      const keyPath = opts.keyPath;
      const pem = read(keyPath, 'keyFile', 'give the private key file written by jointly key generate').toString('utf8');
      this.privateKey = importPrivateKeyPem(pem, keyPath).catch((err: unknown) => {
        throw err instanceof ConfigError ? new ConfigError('keyFile', err.message, err.hint) : err;
      });
      // Awaited (and so reported) by run; this only keeps an early failure from being unhandled meanwhile.
      this.privateKey.catch(() => undefined);
    }
    this.session = new ClientSession({
      clientId: opts.clientId,
      train: opts.train,
      ...(opts.test === undefined ? {} : { test: opts.test }),
      ...(this.privateKey === undefined ? {} : { privateKey: this.privateKey }),
      log: opts.log,
    });
  }

  /** Connects and serves until the server ends the run, the signal aborts, or reconnection fails. */
  async run(signal: AbortSignal): Promise<ClientExit> {
    const maxRetries = this.opts.maxRetries ?? 10;
    let failures = 0;
    // A key file that is not an Ed25519 private key fails here, before any connection.
    if (this.privateKey !== undefined) {
      try {
        await this.privateKey;
      } catch (err) {
        this.session.dispose();
        throw err;
      }
    }
    // `duplicate` refusals: the server still holds this client's previous connection (e.g.
    // half-open after a network drop) until its heartbeat check or the client timeout drops it,
    // which may take minutes; they are retried for up to DUPLICATE_RETRY_MS, apart from maxRetries.
    let duplicateSince: number | undefined;
    try {
      for (;;) {
        if (signal.aborted) return { reason: 'stopped' };
        const outcome = await this.connect(signal);
        if (outcome.kind === 'finished') return { reason: 'finished', message: outcome.message };
        if (outcome.kind === 'stopped') return { reason: 'stopped' };
        // A certificate or scheme mistake fails the same way every time: no retries.
        if (!outcome.opened && outcome.error !== undefined) {
          const permanent = await permanentConnectError({ error: outcome.error, url: this.opts.url, ...(this.opts.caPath === undefined ? {} : { caPath: this.opts.caPath }) });
          if (permanent !== undefined) throw permanent;
        }
        if (outcome.welcomed) failures = 0;
        if (outcome.retryLater) {
          duplicateSince ??= Date.now();
          if (Date.now() - duplicateSince > DUPLICATE_RETRY_MS) {
            throw new NetworkError(`the server kept refusing this client as already connected for ${DUPLICATE_RETRY_MS / 60_000} minutes: ${outcome.message}`, 'another process may be using this client id and token: stop it, or ask the operator to revoke the token and issue a new one');
          }
          this.opts.log(`connection refused for now (${outcome.message}); retrying in ${DUPLICATE_RETRY_DELAY_MS / 1000} s`);
          await sleep(DUPLICATE_RETRY_DELAY_MS, signal);
          continue;
        }
        duplicateSince = undefined;
        failures++;
        if (failures > maxRetries) {
          throw new NetworkError(`cannot reach the server at ${this.opts.url} after ${maxRetries} attempts: ${outcome.message}`, unreachableHint(outcome.message));
        }
        const delay = Math.min(30_000, 500 * 2 ** (failures - 1));
        this.opts.log(`connection lost (${outcome.message}); retrying in ${(delay / 1000).toFixed(1)} s (attempt ${failures} of ${maxRetries})`);
        await sleep(delay, signal);
      }
    } finally {
      this.session.dispose();
    }
  }

  /** One connection, from open to close. */
  private connect(signal: AbortSignal): Promise<{ kind: 'finished'; message: string } | { kind: 'stopped' } | LostConnection> {
    return new Promise((resolve, reject) => {
      const maxMessageBytes = this.opts.maxMessageBytes ?? 256 * 1024 * 1024;
      let ws: WebSocket;
      try {
        ws = new WebSocket(this.opts.url, { maxPayload: maxMessageBytes, perMessageDeflate: false, ...(this.ca === undefined ? {} : { ca: this.ca }), ...(this.clientCert ?? {}) });
      } catch (err) {
        reject(new ConfigError('server', `'${this.opts.url}' is not a server address: ${messageOf(err)}`, 'give ws://host:port or wss://host:port, e.g. wss://fl.example.org:8765'));
        return;
      }
      let welcomed = false;
      let opened = false;
      let lastErrorObject: (Error & { code?: string }) | undefined;
      let finished: string | undefined;
      let refused: Error | undefined;
      let retryLater = false;
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
        opened = true;
        send(this.session.hello(this.opts.token, { backend: this.opts.backend, maxMessageBytes, jointlyVersion: this.opts.jointlyVersion }));
      });
      ws.on('message', (data: RawData) => {
        let msg: Message;
        try {
          msg = decodeMessage(rawDataBytes(data), { maxMessageBytes });
        } catch (err) {
          this.opts.log(`unreadable message from the server: ${safeLine(messageOf(err), 300)}`);
          send({ type: 'error', code: 'protocol', message: messageOf(err) });
          return;
        }
        // One message at a time, in order: training is long and must not interleave.
        queue = queue.then(async () => {
          const outcome = await this.session.handle(msg);
          try {
            switch (outcome.kind) {
              case 'reply':
                send(outcome.message);
                if (outcome.message.type === 'secaggMaskedInput') this.opts.log(`round ${outcome.message.round}: sent the masked input (secure aggregation)`);
                return;
              case 'welcomed':
                welcomed = true;
                heartbeat = setInterval(() => send({ type: 'heartbeat', seq: seq++, sentAt: Date.now() }), outcome.heartbeatSeconds * 1000);
                heartbeat.unref();
                return;
              case 'refused':
                refused = outcome.error;
                return;
              case 'retry':
                // The server closes the connection; the loop reconnects after a pause.
                lastError = `refused for now: ${safeLine(outcome.reason, 200)}`;
                retryLater = true;
                return;
              case 'misfit':
                // The data does not fit the task: say so to the server and leave for good.
                refused = outcome.error;
                send(outcome.message);
                ws.close(1000, 'data does not fit the task');
                return;
              case 'bye':
                finished = outcome.reason;
                return;
              case 'none':
                return;
            }
          } catch (err) {
            // A reply the codec refuses (e.g. a NaN loss after diverged parameters) is answered
            // with an error, so the server hears back and the queue keeps going.
            this.opts.log(`cannot send the reply to ${msg.type}: ${safeLine(messageOf(err), 400)}`);
            const round = 'round' in msg && typeof msg.round === 'number' ? msg.round : undefined;
            send({ type: 'error', code: 'client', message: messageOf(err), ...(round === undefined ? {} : { round }) });
          }
        });
      });
      ws.on('error', (err: Error & { code?: string }) => {
        lastError = err.message;
        lastErrorObject = err;
      });
      ws.on('close', (code, reason) => {
        if (heartbeat !== undefined) clearInterval(heartbeat);
        signal.removeEventListener('abort', onAbort);
        void queue.then(() => {
          if (refused !== undefined) reject(refused);
          else if (signal.aborted) resolve({ kind: 'stopped' });
          else if (finished !== undefined) resolve({ kind: 'finished', message: finished });
          else if (code === 1009 && !welcomed) {
            // The server's limit before hello is smaller than this client's hello (its data's names): retrying cannot help.
            reject(new ProtocolError('the server closed the connection: this client\'s hello is larger than the server accepts before authentication', 'ask the operator to raise server.maxHelloKiB in the server config (the hello carries the data\'s feature and class names)'));
          } else resolve({ kind: 'lost', message: lastError || `closed with code ${code}${reason.length > 0 ? ` (${safeLine(reason.toString(), 200)})` : ''}`, welcomed, opened, error: lastErrorObject, retryLater });
        });
      });
    });
  }
}

/** How long `duplicate` refusals are retried, and the pause between tries. */
const DUPLICATE_RETRY_MS = 15 * 60_000;
const DUPLICATE_RETRY_DELAY_MS = 5_000;

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
