/**
 * The networked runtime's server side: a WebSocket (ws:// or wss://) endpoint that
 * authenticates clients, keeps the registry of connected clients, and implements ClientPool for
 * the coordinator. Every message is size-limited and decoded defensively; a malformed message or
 * an invalid reply is logged and answered with an `error` message, and the server carries on.
 * Before a connection has authenticated it is held to little: a small message size, a deadline,
 * and caps on such connections overall and per address (`ConnectionGate`). Peer text is quoted
 * in log lines (escaped and cut, `safeLine`), never written raw.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ConfigError, JointlyError, messageOf, NetworkError, ProtocolError, RoundRefusedError } from '../../errors.js';
import { deriveSeed } from '../../engine/random.js';
import { checkProfile, type DataProfile } from '../../data/schema.js';
import type { LogFn } from '../../report/log-fields.js';
import type { TLSSocket } from 'node:tls';
import { newNonce, toBase64url, verifyChallenge } from '../auth/challenge.js';
import { checkProof, requirementsOf, type Proof, type TokenFile } from '../auth/tokens.js';
import type { AuditLog } from './audit-log.js';
import { PEER_TEXT_MAX, safeLine } from '../protocol/peer-text.js';
import { ConnectionGate, connectionKey, type GateLimits } from './connection-gate.js';
import { checkRaisable, raiseMaxPayload } from './raise-max-payload.js';
import { decodeMessage, encodeMessage } from '../protocol/codec.js';
import { listenError } from './listen-error.js';
import { rawDataBytes } from './raw-data.js';
import type { ClientCapabilities, HelloMessage, Message, MessageOf } from '../protocol/messages.js';
import { refusalForData, SUPPORTED_FORMAT_VERSIONS } from '../protocol/messages.js';
import { packParams } from '../protocol/tensors.js';
import { refusedFitFailure, validateEvaluateReply, validateFitReply } from '../protocol/validate-reply.js';
import type { ClientEvaluation, ClientPool, EvaluateOutcome, EvaluateRequest, FitOutcome, FitRequest, SecureFitOutcome, SecureFitRequest } from '../server/client-pool.js';
import { isSecAggClientWire } from '../protocol/secagg-wire.js';
import { neighboursForDropout } from '../secagg/neighbours-for-dropout.js';
import { quantizationErrorBound } from '../secagg/ring.js';
import { payloadLength, splitSecureSum } from '../secagg/secure-payload.js';
import type { SecAggTraceEvent } from '../secagg/server.js';
import { createSecAggSetup } from '../secagg/setup.js';
import { NetworkSecureRound } from './secure-round.js';
import type { FitFailure, FitReply } from '../strategy.js';
import { taskSchema, type FederatedTask, type TensorLayout } from '../task.js';

/** Seconds between re-reads of the token file, so that a revocation cuts a live connection. */
const TOKEN_CHECK_SECONDS = 2;

/**
 * A valid Ed25519 public key no client holds the private key of (RFC 8032's test vector 1 is
 * public, but a client would have to be registered to use it): the answer of a client without a
 * registered key is verified against it, so that unknown and known ids cost the same work.
 */
const DUMMY_PUBLIC_KEY = toBase64url(Uint8Array.from(Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex')));

/** How long an issued challenge nonce is remembered after its deadline, to tell a replayed answer from a made-up one in the log. */
const NONCE_MEMORY_MS = 10 * 60_000;
/** At most this many remembered nonces (the oldest are forgotten first). */
const NONCE_MEMORY_MAX = 100_000;

/** What the refused peer is told about a failed authentication: not which check failed, so that ids cannot be probed. */
const AUTH_FAILED = 'authentication failed: unknown client, revoked client, wrong token, or a challenge signature that does not verify with the registered key';

/** Options of a {@link FederatedServer}. */
export interface ServerOptions {
  /** Address to listen on, e.g. `127.0.0.1` or `0.0.0.0`. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Identifies the run; sent to clients in `welcome`. */
  runId: string;
  /** The task sent to every client in `welcome`; a client whose data does not fit its schema is refused. */
  task: FederatedTask;
  /** The model's named tensors, the layout parameters are packed in on the wire. */
  layout: TensorLayout[];
  /** Registered clients; without it every client is refused. */
  tokens: TokenFile | undefined;
  /** Re-read the token file (so revocations apply without a restart); default: use `tokens` as is. */
  reloadTokens?: () => TokenFile | undefined;
  /**
   * PEM certificate and private key files; with them the server speaks wss://. With
   * `clientCaPath` (mutual TLS) it also asks every client for a certificate and refuses, during
   * the TLS handshake, one that the CA did not issue; with `bindClientId` (default true) the
   * certificate's subject CN or one of its DNS names must also be the hello's client id.
   */
  tls?: { certPath: string; keyPath: string; clientCaPath?: string; bindClientId?: boolean };
  /** The server's name or address, signed by key clients in their challenge answer; default the URL it listens on. */
  serverName?: string;
  /** The audit log: joins, refusals and revocations are recorded here (rounds by the caller). */
  audit?: AuditLog;
  /** Seconds between heartbeats; a client silent for 3 heartbeats is dropped. */
  heartbeatSeconds: number;
  /** Largest message from an authenticated client. */
  maxMessageBytes: number;
  /** Largest message before hello has succeeded (a hello is a few KiB). */
  maxHelloBytes: number;
  /** Caps on connections that have not authenticated, their deadline, and failed authentications per address. */
  limits: GateLimits;
  /** A second hello for a connected client id replaces the live connection (true) or is refused with `duplicate` (false). */
  allowTakeover: boolean;
  /** Seconds one client has to answer a fit or evaluate request (capped by the round's deadline). */
  clientTimeoutSeconds: number;
  /** Largest example count a reply may claim (a client's own declaration in hello is capped by it). */
  maxExamplesPerClient: number;
  /** One line per event worth logging (connections, refusals, bad replies), with fields for the JSON log. */
  log: LogFn;
  /** Run seed: secure rounds derive their public communication graph from it and the round (default: the round's config seed). */
  seed?: number;
  /** Seconds each client has to answer one stage of a secure aggregation round (default: clientTimeoutSeconds, at most 60). */
  secureStageSeconds?: number;
  /** Sees what the secure aggregation server computes (audits and tests: `SecAggServerOptions.trace`). */
  secaggTrace?: (event: SecAggTraceEvent) => void;
}

/** A client's answer to the `fit` of a secure round: trained, ready to take part; its update is not sent. */
interface ReadyReply {
  clientId: string;
  numExamples: number;
  metrics: Record<string, number>;
}

/** What a request to one client ends with. */
interface AskOutcome {
  reply?: FitReply;
  evaluation?: ClientEvaluation;
  ready?: ReadyReply;
  failure?: FitFailure;
}

interface Waiter {
  round: number;
  kind: 'fit' | 'evaluate' | 'secureFit';
  resolve: (r: AskOutcome) => void;
  global?: Float32Array;
  extras?: Record<string, number>;
  /** The round's update codec (`none` when not compressed). */
  compression?: string;
}

interface Connection {
  ws: WebSocket;
  /** address:port of the peer (also its key in the connection gate). */
  remote: string;
  clientId?: string;
  /** What it authenticated with (the token kept in memory only), to re-check it when the token file changes. */
  proof?: Proof;
  /** How it authenticated, e.g. `token`, `key`, `mtls+key`. */
  method?: string;
  /** The challenge it was sent and has not answered yet (a hello that needs a key signature). */
  challenge?: { hello: HelloMessage; nonce: string; expires: number; verifying: boolean };
  /** With mutual TLS: the subject CN and DNS names of the client's certificate. */
  certNames?: string[];
  /** When the WebSocket was accepted (ms since the epoch). */
  acceptedAt: number;
  capabilities?: ClientCapabilities;
  lastSeen: number;
  waiter?: Waiter;
  bytesIn: number;
  bytesOut: number;
  /** Refused and closing: nothing it sends any more is read. */
  refused?: boolean;
}

/**
 * The networked server: a WebSocket (ws:// or wss://) endpoint that authenticates clients against
 * the token file and serves them rounds for the coordinator (it is the coordinator's client pool).
 * Call `listen` to start and `close` to stop; the constructor throws ConfigError when a TLS file cannot be read.
 */
export class FederatedServer implements ClientPool {
  private readonly opts: ServerOptions;
  private readonly http: HttpServer;
  private readonly wss: WebSocketServer;
  /** Authenticated connections by client id. */
  private readonly clients = new Map<string, Connection>();
  private readonly changeListeners = new Set<() => void>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private tokenTimer: NodeJS.Timeout | undefined;
  private readonly gate: ConnectionGate;
  /** WebSocket connections that have not authenticated yet, by remote key (to tell them why at their deadline). */
  private readonly unauthenticated = new Map<string, Connection>();
  private closing = false;
  /** Every client id that has authenticated since this process started (the federation's size N comes from the token file, not from this). */
  readonly known = new Set<string>();
  /** Challenge nonces issued, with the time they may be forgotten (replay detection, for the log). */
  private readonly issued = new Map<string, number>();
  /** The URL clients connect to (set by listen). */
  private url = '';
  /** The secure aggregation round running, with each member's round id and connection. */
  private secure: { run: NetworkSecureRound; ids: Map<string, number>; conns: Map<number, Connection> } | undefined;

  constructor(opts: ServerOptions) {
    this.opts = opts;
    this.gate = new ConnectionGate(opts.limits, opts.log);
    if (opts.tls !== undefined) {
      const read = (path: string, what: string): Buffer => {
        try {
          return readFileSync(path);
        } catch (err) {
          throw new ConfigError(`server.${what}`, `cannot read ${path}: ${messageOf(err)}`, 'give the PEM file of the certificate and of its private key');
        }
      };
      // Mutual TLS: every client must present a certificate the CA issued, or the TLS handshake
      // fails (no certificate: OpenSSL's alert "certificate required"; one the CA did not issue:
      // Node closes the socket at handshake end), before any HTTP byte is read.
      const mutual = opts.tls.clientCaPath === undefined ? {} : { ca: read(opts.tls.clientCaPath, 'clientCa'), requestCert: true, rejectUnauthorized: true };
      this.http = createHttpsServer({ cert: read(opts.tls.certPath, 'tlsCert'), key: read(opts.tls.keyPath, 'tlsKey'), ...mutual });
      if (opts.tls.clientCaPath !== undefined) {
        this.http.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
          // The TLS socket is closed by now; its address is the TCP socket's (read when it connected, see the gate).
          const raw = (socket as TLSSocket & { _parent?: { remoteAddress?: string; remotePort?: number } })._parent;
          const remote = `${socket.remoteAddress ?? raw?.remoteAddress ?? '?'}:${socket.remotePort ?? raw?.remotePort ?? '?'}`;
          const why =
            socket.authorizationError !== undefined && socket.authorizationError !== null
              ? `the client certificate is not issued by the client CA (${String(socket.authorizationError)})`
              : /peer did not return a certificate/.test(err.message)
                ? 'the client sent no certificate'
                : safeLine(err.message, 300);
          this.tlsRefused(remote, why);
        });
      }
    } else {
      this.http = createHttpServer();
    }
    // Every TCP connection passes the gate before a byte is read (for TLS: before the handshake).
    this.http.on('connection', (socket: import('node:net').Socket) => {
      // A socket reset before this event has no address any more: nothing to serve or to count.
      if (this.closing || socket.remoteAddress === undefined) {
        socket.destroy();
        return;
      }
      this.gate.admit(socket, (key) => {
        const conn = this.unauthenticated.get(key);
        if (conn === undefined) return;
        const ch = conn.challenge;
        if (ch !== undefined) {
          this.gate.authFailed(this.address(conn));
          const told = `no answer to the challenge within ${opts.limits.handshakeSeconds} s`;
          this.refuse(conn, 'auth', `client '${ch.hello.clientId}' refused: ${told}`, told, { authCode: 'noAnswer', clientId: ch.hello.clientId });
        } else this.refuse(conn, 'protocol', `no successful hello within ${opts.limits.handshakeSeconds} s`);
      });
    });
    this.http.on('request', (_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('jointly federated server: connect with a WebSocket client (jointly client)\n');
    });
    // Small until hello succeeds (raised per connection then), so that an unauthenticated peer
    // cannot make the server buffer a large frame.
    this.wss = new WebSocketServer({ server: this.http, maxPayload: opts.maxHelloBytes, perMessageDeflate: false });
    this.wss.on('connection', (ws, req) => {
      const tls = req.socket as TLSSocket;
      this.accept(ws, connectionKey(req.socket), certNamesOf(tls), opts.tls?.clientCaPath === undefined || tls.authorized === true);
    });
  }

  /** Starts listening; resolves to the URL clients connect to. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      // ws re-emits the HTTP server's errors on the WebSocketServer, where an unheard 'error'
      // event would crash the process with a stack trace: both are heard, the first one counts.
      const onError = (err: NodeJS.ErrnoException): void => {
        this.http.off('error', onError);
        this.wss.off('error', onError);
        reject(listenError(err, { host: this.opts.host, port: this.opts.port }));
      };
      this.http.once('error', onError);
      this.wss.once('error', onError);
      this.http.listen(this.opts.port, this.opts.host, () => {
        this.http.off('error', onError);
        this.wss.off('error', onError);
        resolve();
      });
    });
    // Later listener errors (rare: the socket is already bound) are logged, not thrown.
    this.wss.on('error', (err) => this.opts.log(`listener error: ${safeLine(err.message)}`, { level: 'error', event: 'listener-error' }));
    this.heartbeatTimer = setInterval(() => this.checkHeartbeats(), this.opts.heartbeatSeconds * 1000);
    this.heartbeatTimer.unref();
    if (this.opts.reloadTokens !== undefined) {
      this.tokenTimer = setInterval(() => this.checkTokens(), TOKEN_CHECK_SECONDS * 1000);
      this.tokenTimer.unref();
    }
    const { port } = this.http.address() as AddressInfo;
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    this.url = `${this.opts.tls === undefined ? 'ws' : 'wss'}://${host}:${port}`;
    return this.url;
  }

  /**
   * Closes all connections and the listener. With `runFinished`, clients are told the run is
   * over (bye) and exit; without, they see a lost connection and reconnect to the restarted server.
   */
  async close(reason: string, runFinished: boolean): Promise<void> {
    this.closing = true;
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    if (this.tokenTimer !== undefined) clearInterval(this.tokenTimer);
    if (runFinished) for (const c of this.clients.values()) this.send(c, { type: 'bye', reason });
    for (const ws of this.wss.clients) ws.close(1001, reason.slice(0, 100));
    await new Promise<void>((resolve) => setTimeout(resolve, 50));
    for (const ws of this.wss.clients) ws.terminate();
    // Sockets that never upgraded (idle TCP, half-open, plain HTTP) would keep http.close() waiting.
    this.gate.destroyAll();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** What the connection gate refused so far, by kind. */
  get refusedConnections(): Readonly<Record<string, number>> {
    return { ...this.gate.refused };
  }

  // ClientPool -------------------------------------------------------------------------------

  available(): string[] {
    // A round never starts with a client revoked since the last periodic check.
    this.checkTokens();
    return [...this.clients.keys()].sort();
  }

  waitForClients(n: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.clients.size >= n) done(resolve);
        else if (signal.aborted) done(() => reject(new NetworkError('stopped while waiting for clients')));
      };
      const done = (f: () => void): void => {
        this.changeListeners.delete(check);
        signal.removeEventListener('abort', check);
        f();
      };
      this.changeListeners.add(check);
      signal.addEventListener('abort', check);
      check();
    });
  }

  async fit(req: FitRequest, signal: AbortSignal): Promise<FitOutcome> {
    const bytes = encodeMessage({ type: 'fit', round: req.round, config: req.instructions.config, params: packParams(this.opts.layout, req.params), extras: req.instructions.extras });
    // The extras every reply must carry come from the strategy (its client algorithm), by name and length.
    const extras: Record<string, number> = { ...req.instructions.replyExtras };
    const compression = typeof req.instructions.config.compression === 'string' ? req.instructions.config.compression : 'none';
    const results = await this.ask(req.clients, req.deadline, signal, bytes, () => ({ round: req.round, kind: 'fit', global: req.params, extras, compression }));
    const replies: FitReply[] = [];
    const failures: FitFailure[] = [];
    for (const r of results.outcomes) {
      if (r.reply !== undefined) replies.push(r.reply);
      if (r.failure !== undefined) failures.push(r.failure);
    }
    return { replies, failures, bytesSent: results.bytesSent, bytesReceived: results.bytesReceived };
  }

  async evaluate(req: EvaluateRequest, signal: AbortSignal): Promise<EvaluateOutcome> {
    const bytes = encodeMessage({ type: 'evaluate', round: req.round, config: {}, params: packParams(this.opts.layout, req.params) });
    const results = await this.ask(req.clients, req.deadline, signal, bytes, () => ({ round: req.round, kind: 'evaluate' }));
    const evaluations: ClientEvaluation[] = [];
    const failures: FitFailure[] = [];
    for (const r of results.outcomes) {
      if (r.evaluation !== undefined) evaluations.push(r.evaluation);
      if (r.failure !== undefined) failures.push(r.failure);
    }
    return { results: evaluations, failures, bytesSent: results.bytesSent, bytesReceived: results.bytesReceived };
  }

  /**
   * A secure round: each client trains and answers `secureReady` (metrics and example count, not
   * its parameters); the ready clients (at least 3) then run SecAgg+ (setup, keys, key lists,
   * shares, inboxes, masked inputs, unmask requests, unmask), each stage with its own deadline.
   * Only the sum of the included clients' payloads [y − x, 1, extras…] is ever decoded.
   */
  async fitSecure(req: SecureFitRequest, signal: AbortSignal): Promise<SecureFitOutcome> {
    const d = req.params.length;
    const length = payloadLength(d, req.summedExtras);
    // Bytes as the wire carries them: every frame to and from the round's connections.
    const counted = new Map<Connection, { inBytes: number; outBytes: number }>();
    for (const id of req.clients) {
      const conn = this.clients.get(id);
      if (conn !== undefined) counted.set(conn, { inBytes: conn.bytesIn, outBytes: conn.bytesOut });
    }
    const bytes = (): { bytesSent: number; bytesReceived: number } => {
      let bytesSent = 0;
      let bytesReceived = 0;
      for (const [conn, b] of counted) {
        bytesSent += conn.bytesOut - b.outBytes;
        bytesReceived += conn.bytesIn - b.inBytes;
      }
      return { bytesSent, bytesReceived };
    };
    const fitBytes = encodeMessage({
      type: 'fit',
      round: req.round,
      config: req.instructions.config,
      params: packParams(this.opts.layout, req.params),
      extras: req.instructions.extras,
      secure: { protocol: 'secagg+', summedExtras: { ...req.summedExtras } },
    });
    const asked = await this.ask(req.clients, req.deadline, signal, fitBytes, () => ({ round: req.round, kind: 'secureFit' }));
    const failures: FitFailure[] = [];
    const ready: ReadyReply[] = [];
    for (const r of asked.outcomes) {
      if (r.ready !== undefined) ready.push(r.ready);
      if (r.failure !== undefined) failures.push(r.failure);
    }
    if (signal.aborted) throw new NetworkError('the server is stopping');
    ready.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
    if (ready.length < 3) {
      throw new RoundRefusedError(
        `secure aggregation needs at least 3 clients ready, got ${ready.length} of ${req.clients.length} sampled${failures.length > 0 ? ` (${failures.map((f) => `${f.clientId}: ${f.reason}`).join('; ')})` : ''}`,
        'sample more clients per round (sampling.fraction, sampling.minFit), or give them more time (sampling.roundTimeoutSeconds)',
      );
    }
    const names = ready.map((r) => r.clientId);
    const ids = names.map((_, i) => i);
    const spec = req.secure;
    const configSeed = req.instructions.config.seed;
    const seed = this.opts.seed ?? (typeof configSeed === 'number' ? configSeed : 0);
    const setup = createSecAggSetup({
      round: req.round,
      clientIds: ids,
      vectorLength: length,
      neighbours: spec.neighbours ?? neighboursForDropout(ids.length, spec.maxDropout),
      ...(spec.threshold === undefined ? {} : { threshold: spec.threshold }),
      graphSeed: deriveSeed(seed, `secagg/round-${req.round}`),
      clipRange: spec.clipRange,
      fractionBits: spec.fractionBits,
    });
    const conns = new Map<number, Connection>();
    names.forEach((name, i) => {
      const conn = this.clients.get(name);
      if (conn !== undefined) conns.set(i, conn);
    });
    const stageSeconds = this.opts.secureStageSeconds ?? Math.min(this.opts.clientTimeoutSeconds, 60);
    const run = new NetworkSecureRound({
      setup,
      names,
      stageSeconds,
      signal,
      ...(this.opts.secaggTrace === undefined ? {} : { trace: this.opts.secaggTrace }),
      transport: {
        send: (id, msg) => {
          const conn = conns.get(id);
          if (conn === undefined || conn.ws.readyState !== conn.ws.OPEN || this.clients.get(names[id]) !== conn) return false;
          this.send(conn, msg);
          return true;
        },
        refuse: (id, code, reason) => {
          const conn = conns.get(id);
          if (conn !== undefined) this.rejectReply(conn, code, reason, req.round);
        },
        log: this.opts.log,
      },
    });
    this.secure = { run, ids: new Map(names.map((n, i) => [n, i])), conns };
    this.opts.log(`round ${req.round}: secure aggregation among ${names.length} clients (k = ${setup.neighbours}, t = ${setup.threshold}, ${length} values each)`, { event: 'secagg-start', round: req.round });
    let done;
    try {
      done = await run.run();
    } catch (err) {
      if (err instanceof RoundRefusedError) {
        for (const conn of conns.values()) this.rejectReply(conn, 'roundRefused', messageOf(err), req.round);
      }
      throw err;
    } finally {
      this.secure = undefined;
    }
    const included = done.result.included.map((i) => names[i]);
    const metricsOf = new Map(ready.map((r) => [r.clientId, { ...r.metrics, numExamples: r.numExamples }]));
    for (const i of done.result.excluded) {
      failures.push({ clientId: names[i], reason: `dropped out of the secure aggregation before sending its masked input: ${done.dropped.get(i) ?? 'no answer'}` });
    }
    this.opts.log(
      `round ${req.round}: secure sum of ${included.length} clients decoded${done.droppedAfterMasking.length > 0 ? ` (${done.droppedAfterMasking.length} dropped after masking: ${done.droppedAfterMasking.map((i) => names[i]).join(', ')})` : ''}`,
      { event: 'secagg-done', round: req.round },
    );
    return {
      sum: splitSecureSum(done.result.sum, d, req.summedExtras),
      included,
      failures,
      clientMetrics: Object.fromEntries(included.map((id) => [id, metricsOf.get(id) ?? { numExamples: 0 }])),
      metrics: {
        secaggNeighbours: setup.neighbours,
        secaggThreshold: setup.threshold,
        secaggDroppedAfterMasking: done.droppedAfterMasking.length,
        secaggMaxError: quantizationErrorBound(included.length, setup),
      },
      ...bytes(),
    };
  }

  /** Sends one encoded request to each client and collects what comes back by the deadline. */
  private async ask(
    clientIds: readonly string[],
    deadline: number,
    signal: AbortSignal,
    bytes: Uint8Array,
    expect: () => Omit<Waiter, 'resolve'>,
  ): Promise<{ outcomes: AskOutcome[]; bytesSent: number; bytesReceived: number }> {
    let bytesSent = 0;
    // By connection, not id: a client that reconnects mid-round has a new connection with its own count.
    const before = new Map<Connection, number>();
    const waits = clientIds.map((clientId) => {
      const conn = this.clients.get(clientId);
      if (conn === undefined) return Promise.resolve({ failure: { clientId, reason: 'not connected when the round started' } });
      before.set(conn, conn.bytesIn);
      return new Promise<AskOutcome>((resolve) => {
        conn.waiter = { ...expect(), resolve };
        this.sendBytes(conn, bytes);
        bytesSent += bytes.byteLength;
      });
    });
    const timer = setTimeout(() => this.expire(clientIds, 'missed the round deadline (straggler): dropped from this round'), Math.max(0, deadline - Date.now()));
    // A silent client is dropped at its own deadline, so that the others' round can end before the round's.
    const ownDeadline = Date.now() + this.opts.clientTimeoutSeconds * 1000;
    const clientTimer =
      ownDeadline < deadline
        ? setTimeout(() => this.expire(clientIds, `no reply within ${this.opts.clientTimeoutSeconds} s (server.clientTimeoutSeconds): dropped from this round`), Math.max(0, ownDeadline - Date.now()))
        : undefined;
    const onAbort = (): void => this.expire(clientIds, 'the server is stopping');
    signal.addEventListener('abort', onAbort);
    if (signal.aborted) onAbort();
    try {
      const outcomes = await Promise.all(waits);
      let bytesReceived = 0;
      for (const [conn, b] of before) bytesReceived += conn.bytesIn - b;
      return { outcomes, bytesSent, bytesReceived };
    } finally {
      clearTimeout(timer);
      if (clientTimer !== undefined) clearTimeout(clientTimer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private expire(clientIds: readonly string[], reason: string): void {
    for (const id of clientIds) {
      const conn = this.clients.get(id);
      const waiter = conn?.waiter;
      if (conn === undefined || waiter === undefined) continue;
      conn.waiter = undefined;
      this.opts.log(`client ${id}: ${reason} (round ${waiter.round})`, { level: 'warn', event: 'dropped', clientId: id, round: waiter.round, remote: conn.remote });
      waiter.resolve({ failure: { clientId: id, reason } });
    }
  }

  // Connections ------------------------------------------------------------------------------

  private accept(ws: WebSocket, remote: string, certNames: string[] | undefined, authorized: boolean): void {
    if (!authorized) {
      // Refused at the TLS handshake already; never served, whatever got through.
      ws.terminate();
      return;
    }
    const conn: Connection = { ws, remote, lastSeen: Date.now(), bytesIn: 0, bytesOut: 0, acceptedAt: Date.now(), ...(certNames === undefined ? {} : { certNames }) };
    try {
      checkRaisable(ws);
    } catch (err) {
      this.opts.log(`cannot serve ${remote}: ${messageOf(err)}`, { level: 'error', event: 'internal-error', remote });
      ws.terminate();
      return;
    }
    this.unauthenticated.set(remote, conn);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      // A refused connection is closing: a valid hello right behind a refused one must not be served.
      if (conn.refused === true) return;
      const bytes = rawDataBytes(data);
      conn.bytesIn += bytes.byteLength;
      conn.lastSeen = Date.now();
      if (!isBinary) {
        this.protocolError(conn, new ProtocolError('text frame received; jointly messages are binary frames'));
        return;
      }
      let msg: Message;
      try {
        msg = decodeMessage(bytes, { maxMessageBytes: this.opts.maxMessageBytes });
      } catch (err) {
        this.protocolError(conn, err);
        return;
      }
      try {
        this.handle(conn, msg);
      } catch (err) {
        this.protocolError(conn, err);
      }
    });
    ws.on('error', (err) => {
      this.opts.log(`${this.who(conn)}: connection error: ${safeLine(err.message)}`, { level: 'warn', event: 'connection-error', remote: conn.remote });
    });
    ws.on('close', (code, reason) => {
      if (this.unauthenticated.get(remote) === conn) this.unauthenticated.delete(remote);
      const id = conn.clientId;
      if (id !== undefined && this.clients.get(id) === conn) {
        this.clients.delete(id);
        this.opts.log(`client ${id} disconnected (code ${code}${reason.length > 0 ? `, ${safeLine(reason.toString(), PEER_TEXT_MAX)}` : ''}); ${this.clients.size} connected`, { event: 'disconnected', clientId: id, remote: conn.remote });
        const waiter = conn.waiter;
        conn.waiter = undefined;
        waiter?.resolve({ failure: { clientId: id, reason: `disconnected during round ${waiter.round}` } });
        this.secureLost(conn, `disconnected (code ${code})`);
        this.changed();
      }
    });
  }

  private handle(conn: Connection, msg: Message): void {
    if (conn.clientId === undefined) {
      if (conn.challenge !== undefined) {
        if (msg.type !== 'challengeAnswer' || conn.challenge.verifying) {
          this.refuse(conn, 'protocol', conn.challenge.verifying ? `a second ${msg.type} while the challenge answer is being checked` : `expected challengeAnswer after the challenge, got ${msg.type}`, undefined, { clientId: conn.challenge.hello.clientId });
          return;
        }
        this.answer(conn, msg);
        return;
      }
      if (msg.type !== 'hello') {
        this.refuse(conn, 'protocol', `the first message must be hello, got ${msg.type}`);
        return;
      }
      this.hello(conn, msg);
      return;
    }
    const id = conn.clientId;
    if (isSecAggClientWire(msg)) {
      const s = this.secure;
      const member = s?.ids.get(id);
      if (s === undefined || member === undefined || s.conns.get(member) !== conn) {
        this.rejectReply(conn, 'staleRound', `${msg.type} for round ${msg.round} arrived when this client is in no secure aggregation round (late or unsolicited); it is ignored`, msg.round);
        return;
      }
      s.run.receive(member, msg);
      return;
    }
    switch (msg.type) {
      case 'heartbeat':
        return;
      case 'secureReady': {
        const waiter = conn.waiter;
        if (waiter === undefined || waiter.kind !== 'secureFit' || msg.round !== waiter.round) {
          this.rejectReply(conn, 'staleRound', `secureReady for round ${msg.round} arrived when no secure fit of that round was pending (late or unsolicited); it is ignored`, msg.round);
          return;
        }
        conn.waiter = undefined;
        const max = this.maxExamples(conn);
        if (!(msg.numExamples >= 1 && msg.numExamples <= max)) {
          const reason = `secureReady claims ${msg.numExamples} examples; a client takes part with 1 to ${max} (its declaration in hello, capped by the server)`;
          this.rejectReply(conn, 'badNumExamples', reason, waiter.round);
          waiter.resolve({ failure: { clientId: id, reason: `refused readiness: ${reason}` } });
          return;
        }
        waiter.resolve({ ready: { clientId: id, numExamples: msg.numExamples, metrics: { ...msg.metrics } } });
        return;
      }
      case 'fitReply': {
        const waiter = conn.waiter;
        if (waiter !== undefined && waiter.kind === 'secureFit') {
          // The update in the clear must never reach the aggregation of a secure round: dropped unread.
          conn.waiter = undefined;
          const reason = `round ${waiter.round} is a secure aggregation round: a client answers its fit with secureReady and never sends its parameters; this reply is discarded`;
          this.rejectReply(conn, 'secureRound', reason, waiter.round);
          waiter.resolve({ failure: { clientId: id, reason } });
          return;
        }
        if (waiter === undefined || waiter.kind !== 'fit' || waiter.global === undefined) {
          this.rejectReply(conn, 'staleRound', `fit reply for round ${msg.round} arrived when no fit was pending (late or unsolicited); it is ignored`, msg.round);
          return;
        }
        const v = validateFitReply(msg, {
          clientId: id,
          round: waiter.round,
          layout: this.opts.layout,
          global: waiter.global,
          maxNumExamples: this.maxExamples(conn),
          extras: waiter.extras,
          ...(waiter.compression === undefined ? {} : { compression: waiter.compression }),
        });
        if (!v.ok) {
          if (v.code === 'staleRound') {
            this.rejectReply(conn, v.code, v.reason, msg.round);
            return;
          }
          conn.waiter = undefined;
          this.rejectReply(conn, v.code, v.reason, waiter.round);
          waiter.resolve({ failure: refusedFitFailure(id, v) });
          return;
        }
        conn.waiter = undefined;
        // Copy: the reply's arrays may be views on the message's bytes.
        const reply = { ...v.reply, params: v.reply.params.slice() };
        waiter.resolve({ reply });
        return;
      }
      case 'evaluateReply': {
        const waiter = conn.waiter;
        if (waiter === undefined || waiter.kind !== 'evaluate') {
          this.rejectReply(conn, 'staleRound', `evaluate reply for round ${msg.round} arrived when no evaluation was pending; it is ignored`, msg.round);
          return;
        }
        const v = validateEvaluateReply(msg, { round: waiter.round, maxNumExamples: this.maxExamples(conn) });
        conn.waiter = undefined;
        if (!v.ok) {
          this.rejectReply(conn, v.code, v.reason, waiter.round);
          waiter.resolve({ failure: { clientId: id, reason: `refused evaluation: ${v.reason}` } });
          return;
        }
        waiter.resolve({ evaluation: { clientId: id, numExamples: msg.numExamples, loss: msg.metrics.loss, accuracy: msg.metrics.accuracy } });
        return;
      }
      case 'error':
        this.opts.log(`client ${id} reports an error${msg.round === undefined ? '' : ` in round ${msg.round}`}: ${safeLine(msg.code, 40)}: ${safeLine(msg.message, PEER_TEXT_MAX)}`, { level: 'warn', event: 'client-error', clientId: id, remote: conn.remote });
        if (conn.waiter !== undefined && (msg.round === undefined || msg.round === conn.waiter.round)) {
          const waiter = conn.waiter;
          conn.waiter = undefined;
          waiter.resolve({ failure: { clientId: id, reason: `client error: ${safeLine(msg.message, PEER_TEXT_MAX)}` } });
        } else if (this.secure !== undefined && (msg.round === undefined || msg.round === this.secure.run.round)) {
          this.secureLost(conn, `reported an error (${safeLine(msg.message, 200)})`);
        }
        return;
      case 'bye':
        this.opts.log(`client ${id} says bye: ${safeLine(msg.reason, PEER_TEXT_MAX)}`, { event: 'bye', clientId: id, remote: conn.remote });
        conn.ws.close(1000, 'bye');
        return;
      default:
        this.rejectReply(conn, 'protocol', `a client may not send '${msg.type}' messages`);
    }
  }

  private hello(conn: Connection, msg: Extract<Message, { type: 'hello' }>): void {
    if (!SUPPORTED_FORMAT_VERSIONS.includes(msg.protocolVersion)) {
      this.refuse(conn, 'version', `protocol version ${msg.protocolVersion} is not supported; this server speaks ${SUPPORTED_FORMAT_VERSIONS.join(', ')}`, undefined, { clientId: msg.clientId });
      return;
    }
    const tokens = this.currentTokens();
    if (tokens === undefined) {
      this.refuse(conn, 'auth', `client '${msg.clientId}' refused: the server has no token file, so no client is registered`, undefined, { clientId: msg.clientId, authCode: 'noTokenFile' });
      return;
    }
    if (this.opts.tls?.clientCaPath !== undefined && this.opts.tls.bindClientId !== false && !(conn.certNames ?? []).includes(msg.clientId)) {
      const told = `the client certificate is not issued for client '${msg.clientId}' (its names: ${(conn.certNames ?? []).join(', ') || 'none'})`;
      this.authFailed(conn, msg.clientId, 'certMismatch', told, safeLine(told));
      return;
    }
    const needs = requirementsOf(tokens, msg.clientId);
    // A hello without a token is always challenged, so that the answer does not tell which ids hold a key.
    if (needs?.publicKey === undefined && msg.token !== undefined) {
      const auth = checkProof(tokens, msg.clientId, { token: msg.token });
      if (!auth.ok) {
        // The log says why; the client only learns that authentication failed, so that a caller
        // without a token cannot probe which ids exist or are revoked.
        this.authFailed(conn, msg.clientId, auth.code, auth.reason);
        return;
      }
      this.admit(conn, msg, { token: msg.token });
      return;
    }
    const nonce = newNonce();
    const expires = conn.acceptedAt + this.opts.limits.handshakeSeconds * 1000;
    this.remember(nonce, expires);
    conn.challenge = { hello: msg, nonce, expires, verifying: false };
    this.send(conn, { type: 'challenge', nonce, runId: this.opts.runId, server: this.serverName(), algorithm: 'Ed25519' });
  }

  /** Logs and audits a TLS handshake refused by mutual TLS (code `tls`). */
  private tlsRefused(remote: string, why: string): void {
    const reason = `TLS handshake refused (server.clientCa): ${why}`;
    this.opts.log(`refused ${remote}: ${reason}`, { level: 'warn', event: 'refused', code: 'tls', remote });
    this.opts.audit?.record({ event: 'refuse', code: 'tls', reason, remote });
  }

  /** The server's name in challenges: as configured, else its URL. */
  private serverName(): string {
    return this.opts.serverName ?? this.url;
  }

  private currentTokens(): TokenFile | undefined {
    return this.opts.reloadTokens?.() ?? this.opts.tokens;
  }

  /** Remembers an issued nonce until `expires` plus NONCE_MEMORY_MS, forgetting expired and the oldest ones. */
  private remember(nonce: string, expires: number): void {
    const now = Date.now();
    for (const [n, until] of this.issued) {
      if (until > now && this.issued.size < NONCE_MEMORY_MAX) break;
      this.issued.delete(n);
    }
    this.issued.set(nonce, expires + NONCE_MEMORY_MS);
  }

  /** Checks a challenge answer; admits the client or refuses it. The signature is verified asynchronously (WebCrypto). */
  private answer(conn: Connection, msg: MessageOf<'challengeAnswer'>): void {
    const ch = conn.challenge;
    if (ch === undefined) return;
    const id = ch.hello.clientId;
    if (msg.nonce !== ch.nonce) {
      const replayed = this.issued.has(msg.nonce);
      const told = "the challenge answer is not for this connection's challenge (a replayed or stale answer)";
      this.authFailed(conn, id, replayed ? 'replayedAnswer' : 'wrongNonce', replayed ? 'replayed challenge answer: its nonce was issued to an earlier connection' : 'the challenge answer names a nonce this server never issued', told);
      return;
    }
    if (Date.now() > ch.expires) {
      this.authFailed(conn, id, 'expiredChallenge', 'the challenge answer came after the handshake deadline', 'the challenge expired');
      return;
    }
    ch.verifying = true;
    const tokens = this.currentTokens();
    const key = tokens === undefined ? undefined : requirementsOf(tokens, id)?.publicKey;
    const ctx = { runId: this.opts.runId, server: this.serverName(), clientId: id, nonce: ch.nonce };
    verifyChallenge(key ?? DUMMY_PUBLIC_KEY, ctx, msg.signature)
      .then((verified) => {
        if (conn.refused === true || conn.ws.readyState !== conn.ws.OPEN) return;
        conn.challenge = undefined;
        if (tokens === undefined) {
          this.refuse(conn, 'auth', `client '${id}' refused: the server has no token file, so no client is registered`, undefined, { clientId: id, authCode: 'noTokenFile' });
          return;
        }
        const proof: Proof = { ...(ch.hello.token === undefined ? {} : { token: ch.hello.token }), ...(verified && key !== undefined ? { publicKey: key } : {}) };
        const auth = checkProof(tokens, id, proof);
        if (!auth.ok && auth.code !== 'wrongKey') this.authFailed(conn, id, auth.code, auth.reason);
        else if (!verified || !auth.ok) {
          this.authFailed(conn, id, 'badSignature', `the challenge answer does not verify with the key registered for client '${id}' (another key, a signature over another client id, run or nonce, or a forged one)`);
        } else this.admit(conn, ch.hello, proof);
      })
      .catch((err: unknown) => {
        this.opts.log(`cannot check the challenge answer of ${conn.remote}: ${safeLine(messageOf(err))}`, { level: 'error', event: 'internal-error', remote: conn.remote });
        this.refuse(conn, 'auth', `client '${id}' refused: the challenge answer could not be checked`, undefined, { clientId: id, authCode: 'internal' });
      });
  }

  /** A failed authentication: counted against the address, logged with `reason`, refused with code `auth` and `told`. */
  private authFailed(conn: Connection, clientId: string, authCode: string, reason: string, told = AUTH_FAILED): void {
    this.gate.authFailed(this.address(conn));
    this.refuse(conn, 'auth', `client '${clientId}' refused: ${reason}`, told, { clientId, authCode });
  }

  /** An authenticated client: checked against the task and the live connections, then welcomed. */
  private admit(conn: Connection, msg: HelloMessage, proof: Proof): void {
    const dataProblem = this.dataMismatch(msg.clientId, msg.capabilities.data);
    if (dataProblem !== undefined) {
      this.refuse(conn, dataProblem.code, `client '${msg.clientId}' refused: ${dataProblem.reason}`, dataProblem.reason, { clientId: msg.clientId });
      return;
    }
    const previous = this.clients.get(msg.clientId);
    if (previous !== undefined && !this.opts.allowTakeover) {
      // The live session keeps its slot: a stolen token cannot push the real client out, and a
      // client whose old connection is half-open retries until the heartbeat check drops it.
      this.refuse(
        conn,
        'duplicate',
        `client '${msg.clientId}' refused: it is already connected from ${previous.remote} (server.allowTakeover is false)`,
        `client '${msg.clientId}' is already connected; the live connection keeps its place (retry later if it was yours and was lost)`,
        { clientId: msg.clientId },
      );
      return;
    }
    if (previous !== undefined) {
      this.opts.log(`client ${msg.clientId} reconnected from ${conn.remote}; closing its previous connection (server.allowTakeover)`, { event: 'takeover', clientId: msg.clientId, remote: conn.remote });
      const waiter = previous.waiter;
      previous.waiter = undefined;
      waiter?.resolve({ failure: { clientId: msg.clientId, reason: `reconnected during round ${waiter.round}` } });
      this.secureLost(previous, 'reconnected');
      this.clients.delete(msg.clientId);
      previous.ws.close(4000, 'replaced by a new connection');
    }
    conn.clientId = msg.clientId;
    conn.proof = proof;
    conn.method = [...(this.opts.tls?.clientCaPath === undefined ? [] : ['mtls']), ...(proof.token === undefined ? [] : ['token']), ...(proof.publicKey === undefined ? [] : ['key'])].join('+');
    conn.capabilities = msg.capabilities;
    this.unauthenticated.delete(conn.remote);
    this.gate.authenticated(conn.remote);
    raiseMaxPayload(conn.ws, this.opts.maxMessageBytes);
    this.clients.set(msg.clientId, conn);
    this.known.add(msg.clientId);
    this.send(conn, { type: 'welcome', runId: this.opts.runId, task: this.opts.task, heartbeatSeconds: this.opts.heartbeatSeconds, maxMessageBytes: this.opts.maxMessageBytes });
    this.opts.log(`client ${msg.clientId} joined from ${conn.remote} by ${conn.method} (${msg.capabilities.numExamples} examples, ${safeLine(msg.capabilities.backend, 40)}); ${this.clients.size} connected`, { event: 'joined', clientId: msg.clientId, remote: conn.remote, method: conn.method });
    this.opts.audit?.record({ event: 'join', clientId: msg.clientId, method: conn.method, remote: conn.remote });
    this.changed();
  }

  /** Why a client's declared data cannot train the task (as a refusal), or undefined when it fits or is not declared. */
  private dataMismatch(clientId: string, profile: DataProfile | undefined): { code: string; reason: string } | undefined {
    if (profile === undefined) return undefined;
    try {
      checkProfile(profile, taskSchema(this.opts.task), { source: `the data of client '${clientId}'`, against: 'the federation' });
      return undefined;
    } catch (err) {
      if (err instanceof JointlyError) return refusalForData(err);
      throw err;
    }
  }

  /** Logs `reason`, tells the peer `told` (default the same), and closes the connection. Both may hold peer text: they are escaped and cut. */
  private refuse(conn: Connection, code: string, reason: string, told = reason, about: { clientId?: string; authCode?: string } = {}): void {
    conn.refused = true;
    const clientId = about.clientId ?? conn.clientId;
    const ids = { ...(clientId === undefined ? {} : { clientId }), ...(about.authCode === undefined ? {} : { authCode: about.authCode }) };
    this.opts.log(`refused ${conn.remote}: ${safeLine(reason)}`, { level: 'warn', event: 'refused', code, remote: conn.remote, ...ids });
    this.opts.audit?.record({ event: 'refuse', code, reason: safeLine(reason), remote: conn.remote, ...ids });
    this.send(conn, { type: 'refuse', code, reason: safeLine(told) });
    conn.ws.close(4001, code);
  }

  private rejectReply(conn: Connection, code: string, reason: string, round?: number): void {
    this.opts.log(`${this.who(conn)}: refused message (${code}): ${safeLine(reason)}`, { level: 'warn', event: 'refused-message', code, remote: conn.remote, ...(conn.clientId === undefined ? {} : { clientId: conn.clientId }), ...(round === undefined ? {} : { round }) });
    this.send(conn, { type: 'error', code, message: safeLine(reason), ...(round === undefined ? {} : { round }) });
  }

  private protocolError(conn: Connection, err: unknown): void {
    // A decoder's message can quote what the peer sent (unknown field names, JSON snippets): it is escaped and cut.
    const reason = safeLine(messageOf(err), PEER_TEXT_MAX + 100);
    if (conn.clientId === undefined) {
      this.refuse(conn, 'protocol', `unreadable message before hello: ${reason}`);
      return;
    }
    this.rejectReply(conn, 'protocol', reason, conn.waiter?.round ?? this.secure?.run.round);
    // A pending request whose reply could not be read fails now rather than at the deadline.
    const waiter = conn.waiter;
    if (waiter !== undefined) {
      conn.waiter = undefined;
      waiter.resolve({ failure: { clientId: conn.clientId, reason: `unreadable reply: ${reason}` } });
    }
  }

  /** A member of the running secure round is gone (disconnected, revoked, or it reported an error): dropped at the current stage. */
  private secureLost(conn: Connection, reason: string): void {
    const s = this.secure;
    const id = conn.clientId === undefined ? undefined : s?.ids.get(conn.clientId);
    if (s === undefined || id === undefined || s.conns.get(id) !== conn) return;
    s.run.lost(id, reason);
  }

  private checkHeartbeats(): void {
    const limit = 3 * this.opts.heartbeatSeconds * 1000;
    for (const conn of this.clients.values()) {
      // A client busy training may not get to send heartbeats; the round deadline covers it.
      if (conn.waiter === undefined && Date.now() - conn.lastSeen > limit) {
        this.opts.log(`client ${conn.clientId ?? conn.remote}: no heartbeat for ${Math.round(limit / 1000)} s; dropping it`, { level: 'warn', event: 'silent', remote: conn.remote });
        conn.ws.terminate();
      }
    }
  }

  /**
   * Re-reads the token file and cuts every live connection whose client is no longer allowed
   * (revoked, removed, or its token replaced): its pending request fails now, it is told why,
   * and its replies are never aggregated again.
   */
  private checkTokens(): void {
    if (this.opts.reloadTokens === undefined || this.clients.size === 0) return;
    const tokens = this.opts.reloadTokens();
    for (const [id, conn] of [...this.clients]) {
      const auth = tokens === undefined ? { ok: false as const, reason: 'the token file is gone' } : checkProof(tokens, id, conn.proof ?? {});
      if (auth.ok) continue;
      this.clients.delete(id);
      const waiter = conn.waiter;
      conn.waiter = undefined;
      waiter?.resolve({ failure: { clientId: id, reason: `no longer authorized (${auth.reason}): disconnected during round ${waiter.round}` } });
      this.secureLost(conn, 'no longer authorized');
      this.opts.audit?.record({ event: 'revoke', clientId: id, reason: auth.reason, remote: conn.remote });
      this.refuse(conn, 'auth', `client '${id}' disconnected: ${auth.reason}`, 'this client is no longer authorized (revoked, or its token or key replaced)', { authCode: 'revoked' });
      // The refusal gets a moment to reach the client; the connection is gone either way.
      setTimeout(() => conn.ws.terminate(), 1000).unref();
      this.changed();
    }
  }

  private send(conn: Connection, msg: Message): void {
    try {
      this.sendBytes(conn, encodeMessage(msg));
    } catch (err) {
      this.opts.log(`${this.who(conn)}: cannot send ${msg.type}: ${safeLine(messageOf(err))}`, { level: 'error', event: 'send-failed', remote: conn.remote });
    }
  }

  private sendBytes(conn: Connection, bytes: Uint8Array): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    conn.bytesOut += bytes.byteLength;
    conn.ws.send(bytes, { binary: true });
  }

  /** The example count a client's replies may claim: its declaration in hello, capped by the server's limit. */
  private maxExamples(conn: Connection): number {
    return Math.min(conn.capabilities?.numExamples ?? this.opts.maxExamplesPerClient, this.opts.maxExamplesPerClient);
  }

  /** The peer's address without its port. */
  private address(conn: Connection): string {
    const i = conn.remote.lastIndexOf(':');
    return i < 0 ? conn.remote : conn.remote.slice(0, i);
  }

  private who(conn: Connection): string {
    return conn.clientId === undefined ? conn.remote : `client ${conn.clientId}`;
  }

  private changed(): void {
    for (const f of [...this.changeListeners]) f();
  }
}


/**
 * The subject CN and DNS names of a TLS client's certificate (mutual TLS), or undefined when the
 * connection is not TLS or carries no client certificate.
 */
function certNamesOf(socket: TLSSocket): string[] | undefined {
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  if (cert === null || typeof cert !== 'object' || Object.keys(cert).length === 0) return undefined;
  const names: string[] = [];
  const cn: unknown = cert.subject?.CN;
  if (typeof cn === 'string') names.push(cn);
  else if (Array.isArray(cn)) names.push(...cn.filter((x): x is string => typeof x === 'string'));
  for (const part of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*DNS:(.+)$/.exec(part);
    if (m !== null) names.push(m[1].trim());
  }
  return names;
}
