/**
 * Admission of TCP connections to the federated server, before any byte is read: a cap on
 * connections that have not yet authenticated (so that idle or slow sockets cannot use up the
 * process's file descriptors and lock registered clients out), a cap per address, a deadline
 * by which a connection must have upgraded to WebSocket and said a successful hello, and a
 * cap on failed authentications per address per minute. A connection over a cap is destroyed
 * at accept, which frees its descriptor at once. It also keeps every open socket, so that
 * shutdown can close the ones that never upgraded (an HTTP server's close() waits for them).
 */
import type { Socket } from 'node:net';
import type { LogFn } from '../../report/log-fields.js';

export interface GateLimits {
  /** Connections not yet authenticated, at once. */
  maxPending: number;
  /** Connections not yet authenticated from one address, at once. */
  maxPendingPerAddress: number;
  /** Seconds from accept to a successful hello. */
  handshakeSeconds: number;
  /** Failed authentications per address in the last 60 s beyond which its connections are closed at accept. */
  maxAuthFailuresPerMinute: number;
}

/** The part of a socket the gate uses (a net.Socket; a test double in unit tests). */
export type GateSocket = Pick<Socket, 'remoteAddress' | 'remotePort' | 'destroy' | 'end' | 'once'> & { readonly destroyed: boolean };

const MINUTE_MS = 60_000;

/**
 * The group an address counts in for the per-address caps: an IPv4 address itself, an IPv6
 * address by its /64 prefix (one subscriber usually holds a whole /64, so counting single IPv6
 * addresses would not cap anyone).
 */
export function addressGroup(address: string): string {
  if (!address.includes(':') || address.startsWith('::ffff:')) return address;
  const [head] = address.split('%');
  const halves = head.split('::');
  const left = halves[0] === '' ? [] : halves[0].split(':');
  const right = halves.length > 1 && halves[1] !== '' ? halves[1].split(':') : [];
  const full = halves.length > 1 ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${full.slice(0, 4).map((h) => h.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** `address:port` of a socket's peer: the key of a connection in the gate and in the server's logs. */
export function connectionKey(socket: Pick<Socket, 'remoteAddress' | 'remotePort'>): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}
/** A refusal of the same kind is logged at most once per this many ms (their count is in the next line). */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

export class ConnectionGate {
  private readonly limits: GateLimits;
  private readonly log: LogFn;
  private readonly now: () => number;
  /** Open sockets not yet authenticated, by connection key (address:port), with their handshake timers. */
  private readonly pending = new Map<string, { socket: GateSocket; address: string; timer: NodeJS.Timeout }>();
  private readonly pendingByAddress = new Map<string, number>();
  /** Every open socket, authenticated or not. */
  private readonly open = new Set<GateSocket>();
  /** Times of failed authentications, by address. */
  private readonly failures = new Map<string, number[]>();
  /** Refusals not yet logged, by kind, and when that kind was last logged. */
  private readonly refusals = new Map<string, { count: number; lastLogged: number }>();
  /** What the gate refused since it started, by kind (for tests and the final log line). */
  readonly refused: Record<'pending' | 'perAddress' | 'authFailures' | 'handshake', number> = { pending: 0, perAddress: 0, authFailures: 0, handshake: 0 };

  constructor(limits: GateLimits, log: LogFn, now: () => number = Date.now) {
    this.limits = limits;
    this.log = log;
    this.now = now;
  }

  /** Connections not yet authenticated. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Open connections, authenticated or not. */
  get openCount(): number {
    return this.open.size;
  }

  /**
   * Called for every accepted TCP connection. Returns false (and has destroyed the socket)
   * when a cap is reached; else tracks it until it closes, and ends it if it has not
   * authenticated within the handshake deadline (`onHandshakeTimeout(key)` may tell the peer
   * why first). A TLS socket and its TCP socket share the key, `connectionKey(socket)`.
   */
  admit(socket: GateSocket, onHandshakeTimeout?: (key: string) => void): boolean {
    const address = addressGroup(socket.remoteAddress ?? '?');
    const failed = this.recentFailures(address);
    if (failed >= this.limits.maxAuthFailuresPerMinute) {
      return this.turnAway(socket, 'authFailures', `closing connections from ${address}: ${failed} failed authentications in the last minute (server.maxAuthFailuresPerMinute ${this.limits.maxAuthFailuresPerMinute})`);
    }
    const fromAddress = this.pendingByAddress.get(address) ?? 0;
    if (fromAddress >= this.limits.maxPendingPerAddress) {
      return this.turnAway(socket, 'perAddress', `closing new connections from ${address}: ${fromAddress} of its connections have not authenticated yet (server.maxPendingPerAddress ${this.limits.maxPendingPerAddress})`);
    }
    if (this.pending.size >= this.limits.maxPending) {
      // The oldest unauthenticated connection makes room, not the newcomer: a flood that holds
      // every slot until its deadline would otherwise lock out a registered client that is
      // reconnecting, while an honest handshake takes milliseconds and is done before it is oldest.
      const [oldestKey, oldest] = this.pending.entries().next().value as [string, { socket: GateSocket }];
      this.release(oldestKey);
      oldest.socket.destroy();
      this.refused.pending++;
      this.note('pending', `closed the oldest of ${this.limits.maxPending} connections that have not authenticated (server.maxPendingConnections), ${oldestKey}, to admit a new one`);
    }
    const key = connectionKey(socket);
    this.open.add(socket);
    this.pendingByAddress.set(address, fromAddress + 1);
    const timer = setTimeout(() => {
      if (!this.pending.has(key)) return;
      this.refused.handshake++;
      onHandshakeTimeout?.(key);
      this.note('handshake', `closed a connection from ${key}: no successful hello within ${this.limits.handshakeSeconds} s (server.handshakeTimeoutSeconds)`);
      this.release(key);
      // end() lets a refusal written just before reach the peer; destroy() frees the descriptor if it does not go quietly.
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    }, this.limits.handshakeSeconds * 1000);
    timer.unref();
    this.pending.set(key, { socket, address, timer });
    socket.once('close', () => {
      this.release(key);
      this.open.delete(socket);
    });
    return true;
  }

  /** The connection's hello succeeded: it no longer counts against the pending caps or the deadline. */
  authenticated(key: string): void {
    this.release(key);
  }

  /** A hello from `address` failed authentication. */
  authFailed(peer: string): void {
    const address = addressGroup(peer);
    // Addresses that stopped failing are forgotten now and then, so that the map stays small.
    if (this.failures.size > 10_000) for (const a of [...this.failures.keys()]) this.recentFailures(a);
    const times = this.failures.get(address) ?? [];
    times.push(this.now());
    this.failures.set(address, times);
  }

  /** Destroys every open socket (at shutdown, after the WebSocket ones were closed politely). */
  destroyAll(): void {
    for (const [key] of [...this.pending]) this.release(key);
    for (const socket of [...this.open]) socket.destroy();
    this.open.clear();
    this.flushRefusals();
  }

  /** Logs the refusals counted since their kind was last logged. */
  flushRefusals(): void {
    for (const [kind, r] of this.refusals) {
      if (r.count > 0) this.log(`${r.count} more connection(s) closed at accept (${kind})`, { level: 'warn', event: 'connection-refused', reason: kind, count: r.count });
      r.count = 0;
    }
  }

  private release(key: string): void {
    const entry = this.pending.get(key);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.pending.delete(key);
    // (Not socket.remoteAddress: a destroyed socket no longer has one.)
    const address = entry.address;
    const n = (this.pendingByAddress.get(address) ?? 1) - 1;
    if (n <= 0) this.pendingByAddress.delete(address);
    else this.pendingByAddress.set(address, n);
  }

  private recentFailures(address: string): number {
    const times = this.failures.get(address);
    if (times === undefined) return 0;
    const since = this.now() - MINUTE_MS;
    const recent = times.filter((t) => t > since);
    if (recent.length === 0) this.failures.delete(address);
    else this.failures.set(address, recent);
    return recent.length;
  }

  private turnAway(socket: GateSocket, kind: keyof ConnectionGate['refused'], line: string): false {
    this.refused[kind]++;
    socket.destroy();
    this.note(kind, line);
    return false;
  }

  /** Logs `line` unless a refusal of this kind was logged in the last 10 s; then it is counted for the next line. */
  private note(kind: string, line: string): void {
    const now = this.now();
    const r = this.refusals.get(kind) ?? { count: 0, lastLogged: -Infinity };
    this.refusals.set(kind, r);
    if (now - r.lastLogged < REFUSAL_LOG_INTERVAL_MS) {
      r.count++;
      return;
    }
    const more = r.count > 0 ? ` (and ${r.count} more since the last such line)` : '';
    r.count = 0;
    r.lastLogged = now;
    this.log(`${line}${more}`, { level: 'warn', event: 'connection-refused', reason: kind });
  }
}
