/**
 * A WebSocket client written on a bare TCP socket, for the server fuzzer and soak: it performs
 * the HTTP upgrade itself and then writes whatever frames it is told (see ws-frame.ts), including
 * ones no library would send, and reads the server's frames. It can bind a chosen loopback
 * source address (127.0.0.2, ...), so that attack traffic and honest clients come from
 * different addresses as they would on a network.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { encodeWsFrame, encodeWsHeader, maskPayload, OPCODE, WsFrameReader, type WsEvent, type WsFrameOptions } from './ws-frame.js';

/** Where to connect, and from where. */
export interface RawTarget {
  host: string;
  port: number;
  /** Source address to bind, e.g. 127.0.0.2 (any 127/8 address reaches a loopback server on Linux). */
  localAddress?: string;
}

/** How a connection ended. */
export interface RawClosed {
  /** The close code of the server's close frame, if it sent one. */
  closeCode?: number;
  /** The server closed (or reset) the connection, rather than this side. */
  byServer: boolean;
}

/** Opens a TCP connection; resolves once connected, rejects on error or after `timeoutMs`. */
export function openTcp(target: RawTarget, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port, localAddress: target.localAddress });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`tcp connect to ${target.host}:${target.port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', onError);
  });
}

/** A WebSocket connection on a raw socket. */
export class RawWebSocket {
  /** Every event the server sent (binary messages, close, ping), in order. */
  readonly events: WsEvent[] = [];
  /** Resolves once the TCP connection is gone. */
  readonly closed: Promise<RawClosed>;
  /** Called for each event as it arrives. */
  onEvent: ((e: WsEvent) => void) | undefined;
  private closedByUs = false;
  private closeCode: number | undefined;
  private readonly reader = new WsFrameReader();

  private constructor(readonly socket: Socket, leftover: Uint8Array) {
    this.closed = new Promise((resolve) => {
      socket.once('close', () => resolve({ closeCode: this.closeCode, byServer: !this.closedByUs }));
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    if (leftover.byteLength > 0) this.onData(leftover);
  }

  /**
   * Connects and upgrades to WebSocket. Rejects if the server does not answer 101 within
   * `timeoutMs` (e.g. it closed the socket at accept because a cap was reached).
   */
  static async open(target: RawTarget, timeoutMs: number): Promise<RawWebSocket> {
    const socket = await openTcp(target, timeoutMs);
    const key = randomBytes(16).toString('base64');
    socket.write(
      `GET / HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const leftover = await new Promise<Uint8Array>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const timer = setTimeout(() => fail(new Error(`no WebSocket upgrade answer within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.destroy();
        reject(err);
      };
      const onClose = (): void => fail(new Error('closed by the server before the upgrade'));
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.byteLength > 16 * 1024) fail(new Error('upgrade answer longer than 16 KiB'));
          return;
        }
        const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
        if (!/^HTTP\/1\.1 101 /.test(status)) {
          fail(new Error(`upgrade refused: ${status}`));
          return;
        }
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('close', onClose);
        resolve(new Uint8Array(head.subarray(end + 4)));
      };
      socket.on('data', onData);
      socket.once('close', onClose);
      socket.on('error', () => undefined);
    });
    return new RawWebSocket(socket, leftover);
  }

  /** Whether the socket can still be written. */
  get writable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  /** Writes bytes as they are (no framing). */
  write(bytes: Uint8Array): void {
    if (this.writable) this.socket.write(bytes);
  }

  /** Writes one frame, masked with a fresh key unless `unmasked`. */
  sendFrame(payload: Uint8Array, opts: Omit<WsFrameOptions, 'maskKey'> & { unmasked?: boolean } = {}): void {
    this.write(encodeWsFrame(payload, { ...opts, maskKey: opts.unmasked === true ? undefined : randomBytes(4) }));
  }

  /** Sends one message, as a text or binary frame, split into `fragments` frames (default 1). */
  sendMessage(data: Uint8Array, opts: { text?: boolean; fragments?: number } = {}): void {
    const n = Math.max(1, Math.min(opts.fragments ?? 1, Math.max(1, data.byteLength)));
    const step = Math.ceil(data.byteLength / n);
    for (let i = 0; i < n; i++) {
      const part = data.subarray(i * step, Math.min(data.byteLength, (i + 1) * step));
      this.sendFrame(part, { opcode: i === 0 ? (opts.text === true ? OPCODE.text : OPCODE.binary) : OPCODE.continuation, fin: i === n - 1 });
    }
  }

  /**
   * Writes the header of a masked binary frame declaring `declaredLength` bytes and then only
   * `firstBytes` of its payload; returns a function that writes `n` more payload bytes (the
   * trickle), keeping the masking consistent.
   */
  startPartialFrame(declaredLength: number, firstBytes: Uint8Array): (more: Uint8Array) => void {
    const key = randomBytes(4);
    this.write(encodeWsHeader(0, { declaredLength, maskKey: key }));
    let at = 0;
    const more = (bytes: Uint8Array): void => {
      this.write(maskPayload(bytes, key, at));
      at += bytes.byteLength;
    };
    more(firstBytes);
    return more;
  }

  /** Sends a close frame and ends the socket; destroys it if it is not gone within 1 s. */
  close(code = 1000): void {
    this.closedByUs = true;
    const payload = new Uint8Array([code >> 8, code & 0xff]);
    this.sendFrame(payload, { opcode: OPCODE.close });
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Drops the connection at once (no close frame). */
  destroy(): void {
    this.closedByUs = true;
    this.socket.destroy();
  }

  private onData(chunk: Uint8Array): void {
    let events: WsEvent[];
    try {
      events = this.reader.push(chunk);
    } catch {
      this.destroy();
      return;
    }
    for (const e of events) {
      if (e.kind === 'close') this.closeCode = e.code;
      if (e.kind === 'ping') this.sendFrame(e.data, { opcode: OPCODE.pong });
      // Keep the record bounded on long-lived connections: the caller sees every event in onEvent.
      if (this.events.length < 64) this.events.push(e);
      this.onEvent?.(e);
    }
  }
}
