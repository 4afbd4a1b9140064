/**
 * The soak's hostile load, run alongside legitimate rounds: idle TCP sockets that never send a
 * byte, sockets that upgrade and then send a frame header declaring about 250 MiB followed by
 * a trickle of bytes, and a registered client that joins, answers a fit or two honestly and
 * leaves, again and again. Each reopens what the server closes, and counts it.
 */
import type { Socket } from 'node:net';
import { encodeMessage } from '../../federated/protocol/codec.js';
import { FORMAT_VERSION, type Message } from '../../federated/protocol/messages.js';
import { decodeMessage } from '../../federated/protocol/codec.js';
import { openTcp, RawWebSocket, type RawTarget } from './raw-websocket.js';

/** What the load saw. */
export interface SoakLoadStats {
  /** Idle sockets open right now, and the most open at once. */
  idleOpen: number;
  idlePeak: number;
  /** Idle sockets the server closed (at accept, or at its handshake timeout). */
  idleClosedByServer: number;
  /** Idle sockets that could not connect at all. */
  idleConnectFailed: number;
  /** Partial-frame sockets that got past the upgrade and started their frame. */
  partialStarted: number;
  /** Partial-frame sockets the server closed, by close code (`none`: no close frame). */
  partialClosedByServer: Record<string, number>;
  /** Partial-frame sockets refused before or at the upgrade. */
  partialUpgradeFailed: number;
  /** Bytes of partial frames sent in all. */
  partialBytesSent: number;
  /** The churning client: joins, refusals by code, fits answered. */
  churnJoins: number;
  churnRefused: Record<string, number>;
  churnFitsAnswered: number;
}

export function emptySoakStats(): SoakLoadStats {
  return { idleOpen: 0, idlePeak: 0, idleClosedByServer: 0, idleConnectFailed: 0, partialStarted: 0, partialClosedByServer: {}, partialUpgradeFailed: 0, partialBytesSent: 0, churnJoins: 0, churnRefused: {}, churnFitsAnswered: 0 };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the load needs. */
export interface SoakLoadSettings {
  host: string;
  port: number;
  /** Source addresses of the idle sockets (spread over them round-robin). */
  idleAddresses: readonly string[];
  idleSockets: number;
  /** Source address of the partial frames. */
  partialAddress: string;
  partialSockets: number;
  /** Declared size of each partial frame, bytes. */
  partialDeclaredBytes: number;
  /** Source address and credentials of the churning client. */
  churnAddress: string;
  churnId: string;
  churnToken: string;
  running: () => boolean;
}

/** Keeps `n` idle sockets open; a socket the server closes is reopened after a pause. */
async function idleLoad(s: SoakLoadSettings, stats: SoakLoadStats): Promise<void> {
  const held = new Set<Socket>();
  const one = async (i: number): Promise<void> => {
    const target: RawTarget = { host: s.host, port: s.port, localAddress: s.idleAddresses[i % s.idleAddresses.length] };
    while (s.running()) {
      let socket: Socket;
      try {
        socket = await openTcp(target, 5000);
      } catch {
        stats.idleConnectFailed++;
        await sleep(2000);
        continue;
      }
      held.add(socket);
      stats.idleOpen++;
      stats.idlePeak = Math.max(stats.idlePeak, stats.idleOpen);
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      held.delete(socket);
      stats.idleOpen--;
      if (s.running()) stats.idleClosedByServer++;
      await sleep(1500 + (i % 10) * 100);
    }
  };
  const all = Array.from({ length: s.idleSockets }, (_, i) => sleep(i * 2).then(() => one(i)));
  // Closing the held sockets when the load stops ends each loop.
  const stopper = (async () => {
    while (s.running()) await sleep(200);
    for (const socket of held) socket.destroy();
  })();
  await Promise.all([...all, stopper]);
}

/** Keeps `n` sockets each sending a huge frame a kilobyte at a time before hello. */
async function partialLoad(s: SoakLoadSettings, stats: SoakLoadStats): Promise<void> {
  const one = async (): Promise<void> => {
    while (s.running()) {
      let ws: RawWebSocket;
      try {
        ws = await RawWebSocket.open({ host: s.host, port: s.port, localAddress: s.partialAddress }, 5000);
      } catch {
        stats.partialUpgradeFailed++;
        await sleep(1000);
        continue;
      }
      stats.partialStarted++;
      const chunk = new Uint8Array(1024).fill(0x4a);
      const more = ws.startPartialFrame(s.partialDeclaredBytes, chunk);
      stats.partialBytesSent += chunk.byteLength;
      const timer = setInterval(() => {
        if (!s.running()) ws.destroy();
        else if (ws.writable) {
          more(chunk);
          stats.partialBytesSent += chunk.byteLength;
        }
      }, 100);
      const closed = await ws.closed;
      clearInterval(timer);
      if (closed.byServer) {
        const key = closed.closeCode === undefined ? 'none' : String(closed.closeCode);
        stats.partialClosedByServer[key] = (stats.partialClosedByServer[key] ?? 0) + 1;
      }
      await sleep(1000);
    }
  };
  await Promise.all(Array.from({ length: s.partialSockets }, () => one()));
}

/** A registered client that joins, answers fits with the global parameters, and leaves after 2-6 s. */
async function churnLoad(s: SoakLoadSettings, stats: SoakLoadStats): Promise<void> {
  let turn = 0;
  while (s.running()) {
    turn++;
    let ws: RawWebSocket;
    try {
      ws = await RawWebSocket.open({ host: s.host, port: s.port, localAddress: s.churnAddress }, 5000);
    } catch {
      stats.churnRefused.connect = (stats.churnRefused.connect ?? 0) + 1;
      await sleep(1000);
      continue;
    }
    const send = (msg: Message): void => ws.sendMessage(encodeMessage(msg));
    ws.onEvent = (e) => {
      if (e.kind !== 'message' || !e.binary) return;
      let msg: Message;
      try {
        msg = decodeMessage(e.data);
      } catch {
        return;
      }
      if (msg.type === 'welcome') stats.churnJoins++;
      else if (msg.type === 'refuse') stats.churnRefused[msg.code] = (stats.churnRefused[msg.code] ?? 0) + 1;
      else if (msg.type === 'fit') {
        send({ type: 'fitReply', round: msg.round, numExamples: 50, metrics: { loss: 1 }, delta: false, params: msg.params.map((t) => ({ ...t, values: t.values.slice() })), extras: {}, durationSeconds: 0.01 });
        stats.churnFitsAnswered++;
      } else if (msg.type === 'evaluate') send({ type: 'evaluateReply', round: msg.round, numExamples: 10, metrics: { loss: 1, accuracy: 0.5 } });
    };
    send({ type: 'hello', protocolVersion: FORMAT_VERSION, clientId: s.churnId, token: s.churnToken, capabilities: { backend: 'cpu', numExamples: 50, maxMessageBytes: 16 << 20, jointlyVersion: 'fuzz-churn' } });
    const heartbeat = setInterval(() => send({ type: 'heartbeat', seq: turn, sentAt: Date.now() }), 1000);
    await Promise.race([ws.closed, sleep(2000 + (turn % 5) * 1000)]);
    clearInterval(heartbeat);
    if (turn % 2 === 0) ws.close(1000);
    else ws.destroy();
    await ws.closed;
    await sleep(300);
  }
}

/** Runs the whole load until `s.running()` turns false. */
export async function runSoakLoad(s: SoakLoadSettings, stats: SoakLoadStats): Promise<void> {
  await Promise.all([idleLoad(s, stats), partialLoad(s, stats), churnLoad(s, stats)]);
}
