/**
 * One SecAgg+ round over a message transport: drives the server state machine
 * (`secagg/server.ts`) through its four stages, sending each stage's messages to the clients
 * still in the round and collecting their answers until every one has answered, the stage
 * deadline passes, or the round is stopped. A client that does not answer a stage in time,
 * disconnects, or reports an error counts as dropped at that stage. A bad message (another
 * round, another sender's id, the wrong stage, a duplicate, a tensor of the wrong dtype or
 * length, content the state machine refuses) is refused with its reason and changes nothing:
 * its sender may still answer correctly before the deadline. The call order is the in-process
 * driver's (`secagg/driver.ts`).
 */
import { messageOf, NetworkError, ProtocolError } from '../../errors.js';
import type { LogFn } from '../../report/log-fields.js';
import type { KeysMessage, MaskedInputMessage, SecAggSetup, SharesMessage, UnmaskMessage } from '../secagg/messages.js';
import { SecAggServer, type SecAggResult, type SecAggTraceEvent } from '../secagg/server.js';
import type { Message } from '../protocol/messages.js';
import {
  clientMessageFromWire,
  inboxToWire,
  keyListToWire,
  SECAGG_ANSWER,
  setupToWire,
  unmaskRequestToWire,
  type SecAggClientWire,
} from '../protocol/secagg-wire.js';

/** The client stages, in order. */
export type SecureStage = keyof typeof SECAGG_ANSWER;

/** What a {@link NetworkSecureRound} needs from its runtime. */
export interface SecureTransport {
  /** Sends to the round's client `id`; false when it is not connected. */
  send(id: number, msg: Message): boolean;
  /** Tells client `id` that a message of it was refused (an `error` message). */
  refuse(id: number, code: string, reason: string): void;
  /** One line per event worth logging. */
  log: LogFn;
}

/** Options of a {@link NetworkSecureRound}. */
export interface NetworkSecureRoundOptions {
  /** The round's parameters (`createSecAggSetup`). */
  setup: SecAggSetup;
  /** The runtime's name of each round id (for log lines and reasons). */
  names: readonly string[];
  transport: SecureTransport;
  /** Seconds every client has to answer one stage. */
  stageSeconds: number;
  /** Aborts the round (NetworkError). */
  signal: AbortSignal;
  /** Passed to the server state machine. */
  trace?: (event: SecAggTraceEvent) => void;
}

/** What a completed round gives. */
export interface NetworkSecureResult {
  /** The state machine's result: the decoded sum over U3, and who is in it. */
  result: SecAggResult;
  /** Why each client not in the sum dropped out, by round id. */
  dropped: Map<number, string>;
  /** Clients in the sum that did not answer the unmask request (dropped after masking). */
  droppedAfterMasking: number[];
}

interface OpenStage {
  name: SecureStage;
  pending: Set<number>;
  deliver: (msg: KeysMessage | SharesMessage | MaskedInputMessage | UnmaskMessage) => void;
  wake: () => void;
}

/** One SecAgg+ round over a transport; call {@link NetworkSecureRound.run} once, feed it the clients' messages with `receive`. */
export class NetworkSecureRound {
  private readonly opts: NetworkSecureRoundOptions;
  private readonly server: SecAggServer;
  private current: OpenStage | undefined;
  private readonly gone = new Set<number>();
  private readonly dropped = new Map<number, string>();
  private readonly answeredUnmask = new Set<number>();

  constructor(opts: NetworkSecureRoundOptions) {
    this.opts = opts;
    this.server = new SecAggServer(opts.setup, opts.trace === undefined ? {} : { trace: opts.trace });
  }

  /** The round number. */
  get round(): number {
    return this.opts.setup.round;
  }

  /** Runs the four stages and the reconstruction. Throws RoundRefusedError when too many clients dropped, NetworkError when stopped. */
  async run(): Promise<NetworkSecureResult> {
    const s = this.server;
    const setup = this.opts.setup;
    await this.stage('keys', setup.clientIds.map((id) => [id, setupToWire(setup, id)]), (m) => s.receiveKeys(m as KeysMessage));
    await this.stage('shares', s.keyLists().map((m) => [m.to, keyListToWire(m)]), (m) => s.receiveShares(m as SharesMessage));
    await this.stage('input', s.shareInboxes().map((m) => [m.to, inboxToWire(m)]), (m) => s.receiveMaskedInput(m as MaskedInputMessage));
    const requests = s.unmaskRequests();
    await this.stage('unmask', requests.map((m) => [m.to, unmaskRequestToWire(m)]), (m) => {
      s.receiveUnmask(m as UnmaskMessage);
      this.answeredUnmask.add(m.from);
    });
    const result = await s.finish();
    const droppedAfterMasking = result.included.filter((i) => !this.answeredUnmask.has(i));
    for (const i of result.included) this.dropped.delete(i);
    return { result, dropped: this.dropped, droppedAfterMasking };
  }

  /** A client's secure aggregation message; refused (with the reason, to the client) unless it is the answer its stage waits for. */
  receive(id: number, msg: SecAggClientWire): void {
    const c = this.current;
    const round = this.opts.setup.round;
    if (msg.round !== round) {
      this.opts.transport.refuse(id, 'staleRound', `${msg.type} is for round ${msg.round}, but the secure aggregation of round ${round} is running; it is ignored`);
      return;
    }
    if (msg.from !== id) {
      this.opts.transport.refuse(id, 'secagg', `${msg.type} names client ${msg.from} of the round as its sender, but this connection is client ${id}; it is ignored`);
      return;
    }
    if (c === undefined || SECAGG_ANSWER[c.name] !== msg.type) {
      const at = c === undefined ? 'between stages' : `at stage '${c.name}', which waits for ${SECAGG_ANSWER[c.name]}`;
      this.opts.transport.refuse(id, 'wrongStage', `${msg.type} arrived ${at}; it is ignored`);
      return;
    }
    if (!c.pending.has(id)) {
      const why = this.gone.has(id) ? `client ${id} has dropped out of this round (${this.dropped.get(id) ?? 'gone'})` : `client ${id} already answered stage '${c.name}' (a duplicate or replay)`;
      this.opts.transport.refuse(id, 'wrongStage', `${msg.type}: ${why}; it is ignored`);
      return;
    }
    try {
      c.deliver(clientMessageFromWire(msg, this.opts.setup.vectorLength));
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.opts.transport.refuse(id, 'secagg', `${msg.type} refused: ${messageOf(err)}`);
      return;
    }
    c.pending.delete(id);
    if (c.pending.size === 0) c.wake();
  }

  /** Client `id` is gone (disconnected, or it reported an error): it counts as dropped at the current stage. */
  lost(id: number, reason: string): void {
    if (this.gone.has(id)) return;
    const c = this.current;
    // Between stages, or after answering the current one: dropped at the next stage it is sent.
    this.gone.add(id);
    if (c !== undefined && c.pending.has(id)) this.drop(id, `${reason} at stage '${c.name}'`);
    else this.dropped.set(id, `${reason} after stage '${c?.name ?? 'setup'}'`);
  }

  private drop(id: number, reason: string): void {
    this.gone.add(id);
    if (!this.dropped.has(id)) this.dropped.set(id, reason);
    this.opts.transport.log(`secure aggregation round ${this.round}: client ${this.opts.names[id] ?? id} dropped out: ${reason}`, { level: 'warn', event: 'secagg-dropped', round: this.round, clientId: this.opts.names[id] ?? String(id) });
    const c = this.current;
    if (c !== undefined && c.pending.delete(id) && c.pending.size === 0) c.wake();
  }

  private async stage(name: SecureStage, sends: [number, Message][], deliver: OpenStage['deliver']): Promise<void> {
    const { signal, stageSeconds } = this.opts;
    if (signal.aborted) throw new NetworkError(`stopped during the secure aggregation of round ${this.round}`);
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const c: OpenStage = { name, pending: new Set(), deliver, wake };
    this.current = c;
    for (const [id, msg] of sends) {
      if (this.gone.has(id)) {
        this.drop(id, this.dropped.get(id) ?? `gone before stage '${name}'`);
        continue;
      }
      c.pending.add(id);
      if (!this.opts.transport.send(id, msg)) this.drop(id, `not connected at stage '${name}'`);
    }
    if (c.pending.size === 0) wake();
    const timer = setTimeout(wake, stageSeconds * 1000);
    signal.addEventListener('abort', wake);
    try {
      await woken;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
    }
    if (signal.aborted) throw new NetworkError(`stopped during the secure aggregation of round ${this.round}`);
    for (const id of [...c.pending]) this.drop(id, `no answer to stage '${name}' within ${stageSeconds} s`);
    this.current = undefined;
  }
}
