/**
 * An in-process driver of one SecAgg+ round: n client state machines and one server, messages
 * passed by function call, with scripted dropouts and optional tampering. Tests and the benchmark
 * use it; a real runtime replaces it with a transport but calls the same methods in the same order.
 */
import { JointlyError, ProtocolError } from '../../errors.js';
import { SecAggClient, type SecAggClientOptions } from './client.js';
import { messageBytes, type SecAggMessage, type SecAggSetup } from './messages.js';
import { SecAggServer, type SecAggResult, type SecAggTraceEvent } from './server.js';

/** The four client stages a dropout can happen before. */
export type SecAggStageName = 'keys' | 'shares' | 'input' | 'unmask';

/** Options of {@link runInProcessRound}. */
export interface InProcessRoundOptions {
  /** Clients that never advertise keys. */
  dropBeforeKeys?: Iterable<number>;
  /** Clients that advertise keys, then vanish. */
  dropBeforeShares?: Iterable<number>;
  /** Clients that share their secrets, then vanish without masked input (their pairwise masks must be removed). */
  dropBeforeInput?: Iterable<number>;
  /** Clients that send masked input, then vanish (still in the sum). */
  dropBeforeUnmask?: Iterable<number>;
  /** Rewrites each message on its way to the server (tamper tests). */
  toServer?: (msg: SecAggMessage) => SecAggMessage;
  /** Rewrites each message on its way to a client (tamper tests). */
  toClient?: (msg: SecAggMessage) => SecAggMessage;
  /** Called after each stage's client messages were delivered, before the server closes the stage. */
  afterStage?: (stage: SecAggStageName, server: SecAggServer) => void | Promise<void>;
  /** Passed to the server. */
  trace?: (event: SecAggTraceEvent) => void;
  /** Passed to every client. */
  clientOptions?: SecAggClientOptions;
  /**
   * How many clients run a stage at once (default 1). Above 1 the WebCrypto calls of several
   * clients overlap, which shortens the round but makes `clientSeconds` include waiting.
   */
  concurrency?: number;
}

/** A message a party refused, with the error. */
export interface RefusedMessage {
  /** Who refused it: a client id, or 'server'. */
  by: number | 'server';
  /** The stage. */
  stage: SecAggStageName;
  /** The refusal. */
  error: JointlyError;
}

/** What {@link runInProcessRound} reports. */
export interface InProcessRoundReport {
  /** The server's result. */
  result: SecAggResult;
  /** Bytes each client sent (sum of {@link messageBytes} of its messages). */
  bytesSent: Map<number, number>;
  /** Seconds each client spent in its state machine. */
  clientSeconds: Map<number, number>;
  /** Seconds the server spent in its state machine. */
  serverSeconds: number;
  /** Messages refused by a client (that client then counts as dropped) or by the server (ignored). */
  refused: RefusedMessage[];
}

/**
 * Runs one round: `updates` maps each client id of `setup` to its update (floats, quantized by the
 * client, or an already quantized Uint32Array). Refusals of single messages are recorded and the
 * round goes on; a refusal of the round (RoundRefusedError from the server) is thrown.
 */
export async function runInProcessRound(
  setup: SecAggSetup,
  updates: ReadonlyMap<number, Float32Array | Float64Array | Uint32Array>,
  options: InProcessRoundOptions = {},
): Promise<InProcessRoundReport> {
  const drop = {
    keys: new Set(options.dropBeforeKeys ?? []),
    shares: new Set(options.dropBeforeShares ?? []),
    input: new Set(options.dropBeforeInput ?? []),
    unmask: new Set(options.dropBeforeUnmask ?? []),
  };
  const toServer = options.toServer ?? ((m: SecAggMessage) => m);
  const toClient = options.toClient ?? ((m: SecAggMessage) => m);
  const bytesSent = new Map<number, number>();
  const clientSeconds = new Map<number, number>();
  const refused: RefusedMessage[] = [];
  let serverSeconds = 0;
  const failed = new Set<number>();

  const timeServer = <T>(f: () => T): T => {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      serverSeconds += (performance.now() - t0) / 1000;
    }
  };
  const deliver = (stage: SecAggStageName, f: () => void): void => {
    try {
      timeServer(f);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      refused.push({ by: 'server', stage, error: err });
    }
  };
  const clients = new Map<number, SecAggClient>();
  const server = timeServer(() => new SecAggServer(setup, { trace: options.trace }));
  const setupMessage = server.setupMessage();

  /** Runs one client step, timing it; a JointlyError makes the client drop out. */
  const step = async <M extends SecAggMessage>(id: number, stage: SecAggStageName, f: (c: SecAggClient) => M | Promise<M>): Promise<M | undefined> => {
    if (drop[stage].has(id) || failed.has(id)) return undefined;
    const t0 = performance.now();
    try {
      let c = clients.get(id);
      if (c === undefined) {
        c = new SecAggClient(id, setupMessage, options.clientOptions);
        clients.set(id, c);
      }
      const msg = await f(c);
      bytesSent.set(id, (bytesSent.get(id) ?? 0) + messageBytes(msg));
      return msg;
    } catch (err) {
      if (!(err instanceof JointlyError)) throw err;
      refused.push({ by: id, stage, error: err });
      failed.add(id);
      return undefined;
    } finally {
      clientSeconds.set(id, (clientSeconds.get(id) ?? 0) + (performance.now() - t0) / 1000);
    }
  };

  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  /** Runs `clientStep` for every item, `concurrency` at a time, delivering each reply in item order. */
  const stage = async <I, M extends SecAggMessage>(
    items: readonly I[],
    clientStep: (item: I) => Promise<M | undefined>,
    toServerStep: (msg: M) => void,
  ): Promise<void> => {
    for (let off = 0; off < items.length; off += concurrency) {
      const replies = await Promise.all(items.slice(off, off + concurrency).map(clientStep));
      for (const msg of replies) if (msg) toServerStep(msg);
    }
  };

  await stage(
    setup.clientIds,
    (id) => step(id, 'keys', (c) => c.advertiseKeys()),
    (msg) => deliver('keys', () => server.receiveKeys(toServer(msg) as typeof msg)),
  );
  await options.afterStage?.('keys', server);
  await stage(
    timeServer(() => server.keyLists()),
    (list) => step(list.to, 'shares', (c) => c.shareSecrets(toClient(list) as typeof list)),
    (msg) => deliver('shares', () => server.receiveShares(toServer(msg) as typeof msg)),
  );
  await options.afterStage?.('shares', server);
  await stage(
    timeServer(() => server.shareInboxes()),
    (inbox) => {
      const update = updates.get(inbox.to);
      if (update === undefined) throw new ProtocolError(`no update given for client ${inbox.to}`);
      return step(inbox.to, 'input', (c) => c.maskInput(toClient(inbox) as typeof inbox, update));
    },
    (msg) => deliver('input', () => server.receiveMaskedInput(toServer(msg) as typeof msg)),
  );
  await options.afterStage?.('input', server);
  await stage(
    timeServer(() => server.unmaskRequests()),
    (req) => step(req.to, 'unmask', (c) => c.unmask(toClient(req) as typeof req)),
    (msg) => deliver('unmask', () => server.receiveUnmask(toServer(msg) as typeof msg)),
  );
  await options.afterStage?.('unmask', server);
  const t0 = performance.now();
  const result = await server.finish();
  serverSeconds += (performance.now() - t0) / 1000;
  return { result, bytesSent, clientSeconds, serverSeconds, refused };
}
